"""Voucher benchmark: reservations against one hot code on PostgreSQL, against a bare UPDATE.

    .venv/bin/python bench/vouchers.py [--attempts N] [--workers 1,8]

In a scratch PostgreSQL database at $MAILBOT_TEST_POSTGRES (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), with 1 and with 8 worker processes (each
its own engine), every attempt is one transaction of mailbot's voucher path for one promotional
code: `look_up` of the typed code for the client, then `reserve` of it for a new inbound
message, committed. The code's limits are high enough that every attempt reserves, and the
campaign has a per-client limit and a budget, so every limit is checked under the row lock.
Lookups alone (`look_up`, then commit) are timed the same way, for the split. The floor, timed
in the same run on the same server with the same workers: a DB-API loop of
`UPDATE bench_counter SET used = used + 1 WHERE id = :id AND used < :limit RETURNING used`,
each statement its own transaction (autocommit). Rates are attempts per second from the first
worker's start to the last one's end; the ratio is the reservation rate over the floor's (goal:
at least a third). Evaluating the terms (the pure domain code) is not in the loop yet.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from mailbot.domain.money import Money
from mailbot.services.partners import add_partner
from mailbot.services.voucher_campaigns import Limits, create_campaign, simple_terms
from mailbot.services.vouchers import look_up, reserve
from mailbot.storage.database import make_engine, upgrade
from mailbot.storage.models import InboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

GOAL = 1 / 3
ADMIN_URL = os.environ.get(
    "MAILBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLIENTS = 200
DISCOUNT = Money(Decimal("1.00"), "EUR")
NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
HOLD = NOW + timedelta(days=3)
MANY = 10**9  # limits that are checked but never reached


@dataclass(frozen=True, slots=True)
class Run:
    what: str
    workers: int
    attempts: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.attempts / self.seconds


def mailbot_worker(url: str, work: Sequence[tuple[int, int]], reserving: bool,
                   start: multiprocessing.synchronize.Barrier) -> tuple[float, float]:  # fmt: skip
    """Look up, and unless only looking, reserve the hot code once per (client, inbound
    message), each attempt one transaction."""
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:  # connect before the clock starts
        uow.vouchers.prefixes()
    start.wait()
    began = time.monotonic()
    for client, inbound in work:
        with UnitOfWork(engine) as uow:
            (found,) = look_up(uow, ["winter-25"], client)
            assert found.code is not None, found
            assert found.refusal is None, found
            if not reserving:
                uow.commit()
                continue
            (done,) = reserve(uow, order_id=None, client_id=client,
                              codes_with_discounts=[(found.code, DISCOUNT)], inbound_id=inbound,
                              now=NOW, hold_until=HOLD)  # fmt: skip
            assert done.status == "reserved", done
            uow.commit()
    ended = time.monotonic()
    engine.dispose()
    return began, ended


def floor_worker(url: str, count: int,
                 start: multiprocessing.synchronize.Barrier) -> tuple[float, float]:  # fmt: skip
    """The bare guarded UPDATE, `count` times, each in its own transaction."""
    with psycopg.connect(url, autocommit=True) as connection:
        start.wait()
        began = time.monotonic()
        for _ in range(count):
            row = connection.execute(
                "UPDATE bench_counter SET used = used + 1 WHERE id = %s AND used < %s "
                "RETURNING used",
                (1, MANY),
            ).fetchone()
            assert row is not None
        ended = time.monotonic()
    return began, ended


def timed(what: str, workers: int, attempts: int, target: object,
          shares: list[tuple[object, ...]]) -> Run:  # fmt: skip
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(workers)
        with context.Pool(workers) as pool:
            spans = pool.starmap(target, [(*share, start) for share in shares])  # type: ignore[arg-type]
    return Run(what, workers, attempts, max(e for _, e in spans) - min(b for b, _ in spans))


def setup(engine: Engine) -> list[int]:
    """Migrate, define the hot campaign, register the clients; their ids."""
    upgrade(engine)
    create_campaign(UnitOfWork(engine), name="Winter", kind="promotional", code="WINTER25",
                    terms=simple_terms(percent=Decimal(5)), now=NOW,
                    limits=Limits(MANY, MANY, Money(Decimal(MANY), "EUR")))  # fmt: skip
    return [
        add_partner(UnitOfWork(engine), name=f"Client {n}", role="client", language="en",
                    addresses=[f"buying@client{n}.example"], group="", currency="EUR", now=NOW)
        for n in range(CLIENTS)
    ]  # fmt: skip


def add_inbound(engine: Engine, count: int) -> list[int]:
    """`count` stored messages for reservations to name; their ids."""
    rows = [
        {"sha256": uuid.uuid4().hex * 2, "message_id": f"<{uuid.uuid4().hex}@bench>",
         "source": "bench", "raw": b"", "size": 0, "received_at": NOW, "status": "processed",
         "attempts": 1, "last_error": "", "outcome": ""}
        for _ in range(count)
    ]  # fmt: skip
    with engine.begin() as connection:
        inserted = connection.execute(insert(InboundMessage).returning(InboundMessage.id), rows)
        return sorted(inserted.scalars())


def measure(url: str, attempts: int, workers: Sequence[int]) -> list[Run]:
    engine = make_engine(url)
    clients = setup(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_counter (id int PRIMARY KEY, used int)"))
        connection.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
    raw_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    runs = []
    for count in workers:
        inbound = add_inbound(engine, attempts)
        work = [(clients[n % CLIENTS], message) for n, message in enumerate(inbound)]
        for what, reserving in (("lookups", False), ("mailbot", True)):
            shares = [(url, work[n::count], reserving) for n in range(count)]
            runs.append(timed(what, count, attempts, mailbot_worker, shares))
        floor = [(raw_url, len(work[n::count])) for n in range(count)]
        runs.append(timed("floor", count, attempts, floor_worker, floor))
    engine.dispose()
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="voucher reservations against a bare UPDATE")
    parser.add_argument("--attempts", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--workers", default="1,8", help="worker counts (default 1,8)")
    options = parser.parse_args(argv)
    workers = [int(n) for n in options.workers.split(",")]
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"mailbot_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        runs = measure(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", options.attempts, workers)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"{options.attempts} attempts per run against one hot code, PostgreSQL\n")
    print(f"{'workers':>7}{'lookups/s':>11}{'reserve/s':>11}{'floor/s':>10}{'ratio':>8}"
          "  goal >= 1/3   (reserve/s: look up + reserve + commit)")  # fmt: skip
    by = {(r.what, r.workers): r for r in runs}
    for count in workers:
        ours, floor = by["mailbot", count], by["floor", count]
        ratio = ours.rate / floor.rate
        verdict = "met" if ratio >= GOAL else "NOT met"
        print(f"{count:7}{by['lookups', count].rate:11.0f}{ours.rate:11.0f}{floor.rate:10.0f}"
              f"{ratio:8.2f}  {verdict}")  # fmt: skip
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
