"""Web cabinet benchmark: the manager's order list (`GET /orders`) against the bare SQL of the
same page.

    .venv/bin/python bench/web.py [--orders 20000] [--runs 20] [--database sqlite|postgresql]

A scratch database (a SQLite file, or a PostgreSQL database created and dropped through
`$MAILBOT_TEST_POSTGRES`) is given `--orders` orders with their lines and supplier parts, 200
clients and 8 suppliers, in bulk (bench/web_data.py). A manager signs in as a person does (asks
for the link, opens it from the mail mailbot wrote) and reads four pages: the first, a deep one
(page 300, or the last there is), the first of one status, and the first of the client with
the most orders.

Each page is timed server-side: the cabinet's ASGI application runs in process under
Starlette's TestClient, and a wrapper around it times each request from its arrival to its
response's last byte (session look-up, queries, rendering and the middleware included; no
socket, no HTTP parsing, no client work, which are the same for any page and would only add
noise). The floor, in the same run, on the same database: one bare SQL statement through the
driver (no ORM) that returns the same rows, the page's orders with their client's name and
their supplier parts, then ends its transaction. Page and floor alternate, `--runs` times
each; the figures are medians, and the ratio is page time over floor time, in wall time and
in this process's CPU time (steadier when the machine is busy; PostgreSQL's own CPU is counted
in neither). The SQL statements one page sends are counted through the engine's events.

The check: every page shows, in order, the 50 order numbers the generator says it must, each
with its supplier parts; the bare query returns the same orders and parts. Otherwise FAILED on
stderr, no figures, exit 1.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import fastapi.dependencies.utils
import fastapi.routing
from fastapi.testclient import TestClient
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_pipeline import ADMIN_URL, Tally, environment, open_app, scratch_database
from web_data import MANAGER, Made, fill

from mailbot.domain.orders import OrderStatus
from mailbot.http.app import create_app
from mailbot.storage.database import upgrade
from mailbot.web.orders import PAGE_SIZE
from tests.cabinet import sign_in

DEEP_PAGE = 300
STATUS = OrderStatus.SHIPPED
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
NUMBER = re.compile(r'href="/orders/([^"]+)"')
PART = re.compile(r'<div class="part"><strong>([^<]*)</strong>')

FLOOR = """
WITH page AS (
    SELECT o.id, o.number, o.status, o.total, o.currency, o.created_at, o.client_id
    FROM orders o
    {where}
    ORDER BY o.id DESC LIMIT {limit} OFFSET {offset}
)
SELECT page.number, page.status, page.total, page.created_at, c.name,
       s.name, so.status, so.ship_date, so.ship_method
FROM page
JOIN partners c ON c.id = page.client_id
LEFT JOIN supplier_orders so ON so.order_id = page.id
LEFT JOIN partners s ON s.id = so.supplier_id
ORDER BY page.id DESC, so.supplier_id
"""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Case:
    """One page of the manager's list: its name, its filters and its number."""

    name: str
    page: int
    status: OrderStatus | None = None
    client: str = ""

    @property
    def path(self) -> str:
        query = {"status": self.status or "", "client": self.client, "page": self.page}
        return "/orders?" + urlencode({k: str(v) for k, v in query.items() if v})

    def expected(self, made: Sequence[Made]) -> list[Made]:
        """The orders the page must show, newest first."""
        chosen = [
            order
            for order in reversed(made)
            if self.status in (None, order.status) and self.client in ("", order.client)
        ]
        start = (self.page - 1) * PAGE_SIZE
        return chosen[start : start + PAGE_SIZE]


@dataclass(frozen=True, slots=True)
class Figure:
    case: Case
    statements: int
    page: float  # median seconds
    floor: float
    page_cpu: float  # median CPU seconds of this process
    floor_cpu: float

    @property
    def ratio(self) -> float:
        return self.page / self.floor

    @property
    def cpu_ratio(self) -> float:
        return self.page_cpu / self.floor_cpu


class ServerClock:
    """An ASGI wrapper timing each HTTP request from its arrival to its response's last byte,
    in wall time and in this process's CPU time; with a profiler, it profiles that span (the
    sync endpoint and dependencies then run in the event loop's thread, see
    `_inline_threadpool`, so that one profiler sees all the work)."""

    def __init__(self, inner: Asgi) -> None:
        self.inner = inner
        self.seconds = self.cpu = 0.0
        self.profiler: cProfile.Profile | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        start, cpu = time.perf_counter(), time.process_time()
        if self.profiler is not None:
            self.profiler.enable()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.seconds = time.perf_counter() - start
                self.cpu = time.process_time() - cpu
                if self.profiler is not None:
                    self.profiler.disable()
            await send(message)

        await self.inner(scope, receive, timed)


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mailbot-web-bench-") as name:
        folder = Path(name)
        with scratch_database(options.database, folder, ADMIN_URL) as url:
            app = open_app(environment(url, folder))
            try:
                upgrade(app.engine)
                started = time.perf_counter()
                made = fill(app.engine, options.orders, options.seed)
                filled = time.perf_counter() - started
                clock = ServerClock(create_app(app))
                with TestClient(clock) as browser:
                    sign_in(browser, app, MANAGER)
                    figures, problems = _measure(app.engine, browser, clock, made, options)
                    if options.profile and not problems:
                        _profile(browser, clock, _cases(made)[0], options)
            finally:
                app.close()
    if problems:
        print(f"FAILED: {problems[0]} ({len(problems)} problems)", file=sys.stderr)
        for problem in problems[1:10]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    _report(figures, options, filled, load_before)
    return 0


def _cases(made: Sequence[Made]) -> list[Case]:
    last = max(1, -(-len(made) // PAGE_SIZE))
    busiest = Counter(order.client for order in made).most_common(1)[0][0]
    return [
        Case("first page", 1),
        Case(f"page {min(DEEP_PAGE, last)}", min(DEEP_PAGE, last)),
        Case(f"status {STATUS}", 1, status=STATUS),
        Case("one client", 1, client=busiest),
    ]


def _measure(
    engine: Engine,
    browser: TestClient,
    clock: ServerClock,
    made: Sequence[Made],
    options: argparse.Namespace,
) -> tuple[list[Figure], list[str]]:
    tally = Tally(engine)
    figures, problems = [], []
    raw = engine.raw_connection()
    try:
        for case in _cases(made):
            expected = case.expected(made)
            sql, parameters = _floor_query(case, engine.dialect.paramstyle)
            for _ in range(2):  # warm: templates compiled, caches and pages filled
                browser.get(case.path)
                _bare(raw, sql, parameters)
            tally.take()
            page = browser.get(case.path)
            statements = tally.take().statements
            problems += _check_page(case, page.status_code, page.text, expected)
            problems += _check_floor(case, _bare(raw, sql, parameters), expected)
            pages, floors, page_cpus, floor_cpus = [], [], [], []
            for _ in range(options.runs):
                browser.get(case.path)
                pages.append(clock.seconds)
                page_cpus.append(clock.cpu)
                started, cpu = time.perf_counter(), time.process_time()
                _bare(raw, sql, parameters)
                floors.append(time.perf_counter() - started)
                floor_cpus.append(time.process_time() - cpu)
            median = statistics.median
            figures.append(
                Figure(
                    case,
                    statements,
                    median(pages),
                    median(floors),
                    median(page_cpus),
                    median(floor_cpus),
                )
            )
    finally:
        raw.close()
    return figures, problems


def _floor_query(case: Case, paramstyle: str) -> tuple[str, tuple[object, ...]]:
    mark = "?" if paramstyle == "qmark" else "%s"
    if case.status is not None:
        where, parameters = f"WHERE o.status = {mark}", (str(case.status),)
    elif case.client:
        where = (
            f"WHERE o.client_id = (SELECT partner_id FROM partner_addresses WHERE address = {mark})"
        )
        parameters = (case.client,)
    else:
        where, parameters = "", ()
    sql = FLOOR.format(
        where=where, limit=PAGE_SIZE + 1, offset=(case.page - 1) * PAGE_SIZE
    )  # the page asks for one more, to know whether an older page follows
    return sql, parameters


def _bare(raw: Any, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
    cursor = raw.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    raw.rollback()  # the read transaction ends, as the page's unit of work ends it
    return rows


def _check_page(case: Case, status: int, html: str, expected: Sequence[Made]) -> list[str]:
    if status != 200:
        return [f"{case.name}: GET {case.path} answered {status}"]
    shown = []
    for row in ROW.findall(html.split("<tbody>", 1)[-1]):
        number = NUMBER.search(row)
        shown.append((number[1] if number else "", tuple(PART.findall(row))))
    wanted = [(order.number, order.suppliers) for order in expected]
    if not wanted:
        return [f"{case.name}: the generated data gives no order to show"]
    if shown != wanted:
        return [f"{case.name}: the page shows {shown[:3]}..., expected {wanted[:3]}..."]
    return []


def _check_floor(
    case: Case, rows: Sequence[tuple[Any, ...]], expected: Sequence[Made]
) -> list[str]:
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row[0], [])
        if row[5] is not None:
            found[row[0]].append(row[5])
    got = [(number, tuple(names)) for number, names in found.items()][:PAGE_SIZE]
    wanted = [(order.number, order.suppliers) for order in expected]
    if got != wanted:
        return [f"{case.name}: the bare query returns {got[:3]}..., expected {wanted[:3]}..."]
    return []


def _profile(
    browser: TestClient, clock: ServerClock, case: Case, options: argparse.Namespace
) -> None:
    """cProfile of `--runs` more requests of `case`, written to `--profile`."""
    clock.profiler = cProfile.Profile()
    with _inline_threadpool():
        for _ in range(options.runs):
            browser.get(case.path)
    clock.profiler.dump_stats(options.profile)
    clock.profiler = None


class _inline_threadpool:  # noqa: N801 (used as a context manager, like a function)
    """FastAPI runs sync endpoints and dependencies in worker threads, which a profiler enabled
    in the event loop's thread does not see: for the profile, run them in that thread."""

    modules = (fastapi.routing, fastapi.dependencies.utils)

    def __enter__(self) -> None:
        async def inline(call: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            return call(*args, **kwargs)

        self.saved = [module.run_in_threadpool for module in self.modules]
        for module in self.modules:
            module.run_in_threadpool = inline  # type: ignore[assignment]

    def __exit__(self, *_: object) -> None:
        for module, saved in zip(self.modules, self.saved, strict=True):
            module.run_in_threadpool = saved  # type: ignore[assignment]


def _report(
    figures: Sequence[Figure],
    options: argparse.Namespace,
    filled: float,
    load_before: tuple[float, float, float],
) -> None:
    print(
        f"mailbot web cabinet benchmark: {options.database}, {options.orders:,} orders "
        f"(seed {options.seed}, written in {filled:.1f} s), the manager's GET /orders, "
        f"{PAGE_SIZE} a page; medians of {options.runs} runs, server time in process"
    )
    print(
        f"  {'page':<18}{'SQL/page':>9}{'page ms':>10}{'bare SQL ms':>13}{'ratio':>8}"
        f"{'cpu ratio':>11}"
    )
    for figure in figures:
        print(
            f"  {figure.case.name:<18}{figure.statements:>9}{figure.page * 1000:>10.2f}"
            f"{figure.floor * 1000:>13.2f}{figure.ratio:>8.1f}{figure.cpu_ratio:>11.1f}"
        )
    print("  ratio: page time over the bare query's time (1.0 would be the floor itself)")
    print(
        "  cpu ratio: the same in this process's CPU time, steadier on a busy machine "
        "(PostgreSQL's own work is in neither)"
    )
    if options.profile:
        print(f"  profile of the first page written to {options.profile}")
    after = os.getloadavg()
    print(
        f"load average (1, 5, 15 min): {_load(load_before)} at the start, {_load(after)} at the "
        f"end, on {os.cpu_count()} CPUs"
    )


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The web cabinet's order list for a manager, against the bare SQL of the "
        "same page, on a scratch database.",
    )
    parser.add_argument(
        "--orders", type=int, default=20_000, help="orders written (default 20000; at least 50)"
    )
    parser.add_argument(
        "--runs", type=int, default=20, help="timed runs per page and floor (default 20)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the data (default 1)")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="sqlite (a temporary file, the default) or postgresql (a scratch database made "
        "through $MAILBOT_TEST_POSTGRES and dropped after)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="write a cProfile of the first page's requests to FILE"
    )
    options = parser.parse_args(argv)
    if options.orders < PAGE_SIZE or options.runs < 1:
        parser.error(f"--orders must be at least {PAGE_SIZE} and --runs at least 1")
    return options


if __name__ == "__main__":
    sys.exit(main())
