"""Price list benchmark: mailbot's import of a 100,000-row list against a bare read and insert.

    .venv/bin/python bench/pricelist.py [--rows N] [--seed S] [--no-postgres]

A generated list (XLSX written with xlsxwriter in constant-memory mode, and the same rows as
CSV) is imported with `mailbot.services.pricelists.importing.import_price_list` into a fresh SQLite
database, and into a scratch PostgreSQL database when one is reachable at
$MAILBOT_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
The floor, timed in the same run on the same database: python-calamine (XLSX) or the csv
module (CSV) reading the same file, then one bare DB-API `executemany` of the same rows into
`price_items`, committed. Throughput is reported as a ratio to the floor (goal: at least
0.4), and memory as the tracemalloc peak of an XLSX import and the process's max RSS.
An import that does not take every row, or a PostgreSQL that cannot be reached without
`--no-postgres`, fails the run: no figures, FAILED on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from mailbot.clock import SystemClock
from mailbot.parsers.tables import TableLimits
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import PriceListSettings, import_price_list
from mailbot.storage.database import make_engine, upgrade
from mailbot.storage.models import PriceList
from mailbot.storage.unit_of_work import UnitOfWork

GOAL = 0.4  # import throughput at least this share of the floor's
MEMORY_GOAL = 400 * 2**20  # bytes, for the XLSX import
SUPPLIER = "sales@bench-supplier.example"
HEADER = ("sku", "name", "brand", "category", "price", "currency", "stock")
BRANDS = ("BPW", "SAF", "MAN", "DAF", "Knorr-Bremse", "WABCO", "Bosch", "Mann-Filter")
CATEGORIES = ("brakes", "suspension", "filters", "air system", "electrics", "engine")
ADMIN_URL = os.environ.get(
    "MAILBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
COLUMNS = "price_list_id, sku, sku_key, name, brand, category, price, currency, stock"


@dataclass(frozen=True, slots=True)
class Result:
    database: str
    fmt: str
    imported: int
    seconds: float
    floor_seconds: float

    @property
    def ratio(self) -> float:
        return self.floor_seconds / self.seconds


def rows(count: int, seed: int) -> Iterator[tuple[str, str, str, str, str, str, str]]:
    """`count` price rows from `random.Random(seed)`: the same seed, the same rows."""
    chance = random.Random(seed)
    for n in range(1, count + 1):
        brand = chance.choice(BRANDS)
        price = f"{chance.randint(50, 250_000) / 100:.2f}"
        stock = str(chance.randint(0, 500)) if chance.random() < 0.9 else ""
        name = f"{chance.choice(CATEGORIES).title()} part {n} for {brand} axle"
        yield (f"{brand[:4].upper()}-{n:07d}", name, brand, chance.choice(CATEGORIES), price,
               "EUR", stock)  # fmt: skip


def write_xlsx(path: Path, count: int, seed: int) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for column, title in enumerate(HEADER):
        sheet.write_string(0, column, title)
    for at, row in enumerate(rows(count, seed), 1):
        for column, value in enumerate(row):
            if column in (4, 6) and value:
                sheet.write_number(at, column, float(value))
            elif value:
                sheet.write_string(at, column, value)
    workbook.close()


def write_csv(path: Path, count: int, seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))


def fresh_database(engine: Engine) -> None:
    """Migrate and register the supplier."""
    upgrade(engine)
    add_partner(lambda: UnitOfWork(engine), name="Bench Supplier", role="supplier",
                addresses=[SUPPLIER], language="en", group="", currency="EUR",
                now=SystemClock().now())  # fmt: skip


def timed(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def mailbot_import(engine: Engine, name: str, payload: bytes) -> int:
    with UnitOfWork(engine) as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        settings = PriceListSettings(limits=TableLimits(max_rows=10**6))
        report = import_price_list(uow, supplier, name, payload, settings=settings,
                                   default_currency="EUR", now=SystemClock().now())  # fmt: skip
        uow.commit()
    assert not report.rejected, report.rejected[:3]
    return report.imported


def floor(engine: Engine, name: str, payload: bytes) -> None:
    """A bare read of the file, then one `executemany` of its rows into `price_items`."""
    if name.endswith(".xlsx"):
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(payload)).get_sheet_by_index(0)
        read: Sequence[Sequence[object]] = sheet.to_python()
    else:
        read = list(csv.reader(io.StringIO(payload.decode()), delimiter=";"))
    with UnitOfWork(engine) as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        # Not "active": the floor's rows must not compete with the imports being measured.
        target = PriceList(
            supplier_id=supplier.id,
            source="floor",
            imported_at=SystemClock().now(),
            status="replaced",
        )
        uow.session.add(target)
        uow.session.flush()
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        values = [
            (target.id, r[0], str(r[0]).upper(), r[1], r[2], r[3], str(r[4]), r[5], r[6] or None)
            for r in read[1:]
        ]
        cursor = uow.session.connection().connection.cursor()
        cursor.executemany(
            f"INSERT INTO price_items ({COLUMNS}) VALUES ({', '.join([marker] * 9)})", values
        )
        uow.commit()


def measure(engine: Engine, database: str, files: Sequence[Path]) -> list[Result]:
    """Import each file, then time its floor twice (best of two), on `engine`'s database."""
    results = []
    for path in files:
        payload = path.read_bytes()
        counted: list[int] = []
        seconds = timed(partial(_count, counted, engine, path.name, payload))
        floors = [timed(partial(floor, engine, path.name, payload)) for _ in range(2)]
        fmt = path.suffix.lstrip(".")
        results.append(Result(database, fmt, counted[0], seconds, min(floors)))
    return results


def _count(into: list[int], engine: Engine, name: str, payload: bytes) -> None:
    into.append(mailbot_import(engine, name, payload))


def traced_peak(folder: Path, xlsx: Path) -> int:
    """The tracemalloc peak (bytes) of one XLSX import on its own fresh SQLite database."""
    engine = make_engine(f"sqlite:///{folder / 'traced.db'}")
    fresh_database(engine)
    payload = xlsx.read_bytes()
    gc.collect()
    tracemalloc.start()
    try:
        mailbot_import(engine, xlsx.name, payload)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        engine.dispose()


def postgres(files: Sequence[Path]) -> list[Result] | None:
    """The same measurements on a scratch PostgreSQL database, dropped afterwards; None when
    PostgreSQL cannot be reached."""
    admin = create_engine(
        ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"mailbot_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        print(f"PostgreSQL not reachable: {error.orig}", file=sys.stderr)
        admin.dispose()
        return None
    engine = make_engine(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        fresh_database(engine)
        return measure(engine, "postgresql", files)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="price list import against a bare read+insert")
    parser.add_argument("--rows", type=int, default=100_000, help="list size (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as name:
        folder = Path(name)
        xlsx, csv_file = folder / "prices.xlsx", folder / "prices.csv"
        write_xlsx(xlsx, options.rows, options.seed)
        write_csv(csv_file, options.rows, options.seed)
        engine = make_engine(f"sqlite:///{folder / 'mailbot.db'}")
        fresh_database(engine)
        results = measure(engine, "sqlite", [xlsx])
        # Linux gives ru_maxrss in KiB; read here, it covers the XLSX import and its floor.
        rss_xlsx = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        results += measure(engine, "sqlite", [csv_file])
        engine.dispose()
        problems = []
        if not options.no_postgres:
            measured = postgres([xlsx, csv_file])
            if measured is None:
                problems.append("PostgreSQL not reachable: --no-postgres measures SQLite alone")
            results += measured or []
        peak = traced_peak(folder, xlsx)
        sizes = {p.suffix: p.stat().st_size for p in (xlsx, csv_file)}
    problems += [
        f"{r.database} {r.fmt}: {r.imported} rows imported of {options.rows}"
        for r in results
        if r.imported != options.rows
    ]
    if problems:
        print("FAILED: the imports did not do the work; no figures reported", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    mib = 2**20
    print(f"{options.rows} rows, seed {options.seed}: XLSX {sizes['.xlsx'] / mib:.1f} MiB, "
          f"CSV {sizes['.csv'] / mib:.1f} MiB\n")  # fmt: skip
    print(f"{'database':11}{'file':6}{'import s':>10}{'rows/s':>10}{'floor s':>10}"
          f"{'rows/s':>10}{'ratio':>8}  goal >= {GOAL}")  # fmt: skip
    for r in results:
        verdict = "met" if r.ratio >= GOAL else "NOT met"
        print(f"{r.database:11}{r.fmt:6}{r.seconds:10.2f}{r.imported / r.seconds:10.0f}"
              f"{r.floor_seconds:10.2f}{r.imported / r.floor_seconds:10.0f}{r.ratio:8.2f}"
              f"  {verdict}")  # fmt: skip
    memory = "met" if max(peak, rss_xlsx) < MEMORY_GOAL else "NOT met"
    print(f"\ntracemalloc peak, XLSX import alone: {peak / mib:.1f} MiB")
    print(f"max RSS after the SQLite XLSX import and its floor: {rss_xlsx / mib:.1f} MiB")
    print(f"memory goal < {MEMORY_GOAL // mib} MiB for the XLSX import: {memory}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
