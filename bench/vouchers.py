"""Voucher benchmark: evaluations and reservations against one hot code on PostgreSQL.

    .venv/bin/python bench/vouchers.py [--attempts N] [--workers 1,8] [--profile FILE]

In a scratch PostgreSQL database at $MAILBOT_TEST_POSTGRES (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), with 1 and with 8 worker processes (each
its own engine), every attempt is one transaction of the order flow's voucher steps for one
promotional code on a 12-line order: an evaluation is `judge_codes` (look up the typed code for
the client with its limits, read the client's order history, evaluate the terms on the basket)
then commit; a reservation is the same evaluation, then `reserve_codes` for the order, then
commit. The code's limits are high enough that every attempt reserves, and the campaign has a
per-client limit and a budget, so every limit is checked under the row lock. The floor, timed
in the same run on the same server with the same workers, before and after mailbot (the better
run counts): a DB-API loop of
`UPDATE bench_counter SET used = used + 1 WHERE id = :id AND used < :limit RETURNING used`,
each statement its own transaction (autocommit). Rates are attempts per second from the first
worker's start to the last one's end; the ratios are each rate over the floor's (goal for
reservations: at least a third). Afterwards the database must hold one reservation per
reservation attempt and the floor's counter one step per UPDATE; otherwise (or when an attempt
does not judge or reserve the code) the run fails: no figures, FAILED on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import cProfile
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
from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url

from mailbot.domain.lines import Origin
from mailbot.domain.money import Money
from mailbot.domain.quotes import Quote, QuotedLine
from mailbot.parsers.message import ParsedMessage
from mailbot.parsers.order_lines import OrderLines
from mailbot.services.orders.taking import ReadOrder
from mailbot.services.partners.registry import add_partner
from mailbot.services.vouchers.campaigns import Limits, create_campaign
from mailbot.services.vouchers.order_codes import judge_codes, reserve_codes
from mailbot.storage.database import make_engine, upgrade
from mailbot.storage.models import InboundMessage, Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

GOAL = 1 / 3
FLOOR = "UPDATE bench_counter SET used = used + 1 WHERE id = %s AND used < %s RETURNING used"
ADMIN_URL = os.environ.get(
    "MAILBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLIENTS = 200
TYPED = "winter-25"  # as a client writes WINTER25
NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
HOLD = NOW + timedelta(days=3)
MANY = 10**9  # limits that are checked but never reached
BRANDS = ("BPW", "SAF", "MAN", "DAF")
CATEGORIES = ("brakes", "axles", "filters")
TERMS = {  # 5 percent, at most 50 EUR, on three brands, from 200 EUR net, in November
    "benefit": {"kind": "percent", "value": "5", "max_discount": "50", "currency": "EUR"},
    "exclusive": False,
    "restrictions": [
        {"rule": "brands", "brands": ["BPW", "SAF", "MAN"]},
        {"rule": "order_total", "basis": "net", "min": "200", "currency": "EUR"},
        {"rule": "date_window", "start": "2026-11-01", "end": "2026-11-30"},
    ],
}


@dataclass(frozen=True, slots=True)
class Run:
    what: str
    workers: int
    attempts: int
    seconds: float
    statements: int = 0  # SQL statements mailbot sent, in every worker
    problems: tuple[str, ...] = ()
    paired: float | None = None  # paired runs: the floor's time per UPDATE ÷ an attempt's

    @property
    def rate(self) -> float:
        return self.attempts / self.seconds


@dataclass(frozen=True, slots=True)
class Span:
    """One worker's run: from its start to its end, what it sent, and what went wrong."""

    began: float
    ended: float
    statements: int = 0
    problems: tuple[str, ...] = ()
    floor_seconds: float = 0  # paired: the floor's UPDATEs, and mailbot's attempts, apart
    attempt_seconds: float = 0


def order_for(code: str) -> tuple[ReadOrder, ParsedMessage, Quote]:
    """A realistic order naming `code`: 12 priced lines of four brands and three categories,
    the code written in the subject, in the shape the order flow hands to `judge_codes`."""
    lines = []
    for n in range(12):
        brand, category = BRANDS[n % len(BRANDS)], CATEGORIES[n % len(CATEGORIES)]
        price, quantity = Money(Decimal(f"{17 + 9 * n}.40"), "EUR"), 1 + n % 4
        lines.append(QuotedLine(f"{brand}-{1000 + n}", f"Part {n}", quantity, price,
                                price * quantity, 1, Origin("body", n + 1), brand=brand,
                                category=category))  # fmt: skip
    quote = Quote("EUR", tuple(lines), (), vat_percent=Decimal(19))
    message = ParsedMessage(message_id="<bench@client.example>",
                            from_address="buying@client.example", from_name="", reply_to=(),
                            to=("orders@mailbot.example",), subject=f"Order with {code}",
                            date=NOW, in_reply_to="", references=(), attachments=(),
                            text="Hello,\n\nplease quote these lines.\n\nRegards")  # fmt: skip
    return ReadOrder(OrderLines(), ()), message, quote


def mailbot_worker(url: str, work: Sequence[tuple[int, int, int]], reserving: bool,
                   floor_url: str | None,
                   start: multiprocessing.synchronize.Barrier) -> Span:  # fmt: skip
    """Judge the hot code on an order (look it up, read the client's history, evaluate the
    terms) and, when `reserving`, reserve it for a new inbound message, once per (client,
    inbound message), each attempt one transaction that commits. An attempt that does not
    find the code applied (and kept, reserving) is a problem of the run. With `floor_url`,
    each attempt follows one floor UPDATE, and each is timed apart: both see the same load."""
    floor = None if floor_url is None else psycopg.connect(floor_url, autocommit=True)
    floor_seconds = attempt_seconds = 0.0
    engine = make_engine(url)
    order, message, quote = order_for(TYPED)
    clients = {client: Partner(id=client, group="") for client, _, _ in work}
    with UnitOfWork(engine) as uow:  # connect before the clock starts
        uow.vouchers.prefixes()
    sent = [0]
    event.listen(engine, "before_cursor_execute", lambda *_: sent.__setitem__(0, sent[0] + 1))
    problems = []
    start.wait()
    began = time.monotonic()
    for client, inbound, order_id in work:
        if floor is not None:
            floor_seconds -= time.perf_counter()
            floor.execute(FLOOR, (1, MANY)).fetchone()
            floor_seconds += time.perf_counter()
        attempt_seconds -= time.perf_counter()
        with UnitOfWork(engine) as uow:
            judged = judge_codes(uow, clients[client], order, message, quote, received_at=NOW,
                                 zone=UTC)  # fmt: skip
            if judged.results is None or len(judged.results.applied) != 1:
                problems.append(f"message {inbound}: the code was not applied ({judged})")
            elif reserving:
                judged = reserve_codes(uow, judged, order_id=order_id, client_id=client,
                                       inbound_id=inbound, now=NOW, hold_until=HOLD)  # fmt: skip
                if not judged.kept or judged.refused_on_reserve:
                    problems.append(f"message {inbound}: the code was not reserved ({judged})")
            uow.commit()
        attempt_seconds += time.perf_counter()
    ended = time.monotonic()
    engine.dispose()
    if floor is not None:
        floor.close()
    return Span(began, ended, sent[0], tuple(problems), floor_seconds, attempt_seconds)


def floor_worker(url: str, count: int,
                 start: multiprocessing.synchronize.Barrier) -> Span:  # fmt: skip
    """The bare guarded UPDATE, `count` times, each in its own transaction."""
    with psycopg.connect(url, autocommit=True) as connection:
        start.wait()
        began = time.monotonic()
        for _ in range(count):
            row = connection.execute(FLOOR, (1, MANY)).fetchone()
            if row is None:
                return Span(began, time.monotonic(), problems=("the floor's UPDATE failed",))
        ended = time.monotonic()
    return Span(began, ended)


def timed(what: str, workers: int, attempts: int, target: object,
          shares: Sequence[tuple[object, ...]]) -> Run:  # fmt: skip
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(workers)
        with context.Pool(workers) as pool:
            spans: list[Span] = pool.starmap(target, [(*share, start) for share in shares])  # type: ignore[arg-type]
    seconds = max(span.ended for span in spans) - min(span.began for span in spans)
    problems = tuple(problem for span in spans for problem in span.problems)
    paired = None
    if what == "paired":
        paired = sum(s.floor_seconds for s in spans) / sum(s.attempt_seconds for s in spans)
    statements = sum(span.statements for span in spans)
    return Run(what, workers, attempts, seconds, statements, problems, paired)


def setup(engine: Engine) -> list[int]:
    """Migrate, define the hot campaign, register the clients; their ids."""
    upgrade(engine)
    create_campaign(lambda: UnitOfWork(engine), name="Winter", kind="promotional", code="WINTER25",
                    terms=TERMS, now=NOW,
                    limits=Limits(MANY, MANY, Money(Decimal(MANY), "EUR")))  # fmt: skip
    return [
        add_partner(lambda: UnitOfWork(engine), name=f"Client {n}", role="client", language="en",
                    addresses=[f"buying@client{n}.example"], group="", currency="EUR", now=NOW)
        for n in range(CLIENTS)
    ]  # fmt: skip


def add_orders(engine: Engine, clients: Sequence[int], count: int) -> list[tuple[int, int, int]]:
    """`count` stored messages, each with its client's quoted order for reservations to name,
    the clients taking turns; (client, inbound message, order) ids."""
    messages = [
        {"sha256": uuid.uuid4().hex * 2, "message_id": f"<{uuid.uuid4().hex}@bench>",
         "source": "bench", "raw": b"", "size": 0, "received_at": NOW, "status": "processed",
         "attempts": 1, "last_error": "", "outcome": ""}
        for _ in range(count)
    ]  # fmt: skip
    with engine.begin() as connection:
        inserted = connection.execute(insert(InboundMessage).returning(InboundMessage.id), messages)
        inbound = sorted(inserted.scalars())
        orders = [
            {"number": f"B-{message}", "client_id": clients[n % len(clients)], "status": "quoted",
             "currency": "EUR", "total": Decimal("900.00"), "inbound_message_id": message,
             "created_at": NOW}
            for n, message in enumerate(inbound)
        ]  # fmt: skip
        returning = insert(Order).returning(Order.id, sort_by_parameter_order=True)
        ids = connection.execute(returning, orders).scalars()
        return [
            (int(str(o["client_id"])), message, order_id)
            for o, message, order_id in zip(orders, inbound, ids, strict=True)
        ]


def measure(url: str, attempts: int, workers: Sequence[int]) -> tuple[list[Run], list[str]]:
    """The runs with each worker count, and what the database says went wrong ([] if nothing)."""
    engine = make_engine(url)
    clients = setup(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_counter (id int PRIMARY KEY, used int)"))
        connection.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
    raw_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    runs = []
    for count in workers:
        floor = [(raw_url, len(range(attempts)[n::count])) for n in range(count)]
        runs.append(timed("floor", count, attempts, floor_worker, floor))
        for what, reserving in (("evaluations", False), ("reservations", True)):
            work = add_orders(engine, clients, attempts)
            shares = [(url, work[n::count], reserving, None) for n in range(count)]
            runs.append(timed(what, count, attempts, mailbot_worker, shares))
        runs.append(timed("floor", count, attempts, floor_worker, floor))
    work = add_orders(engine, clients, attempts)
    runs.append(timed("paired", 1, attempts, mailbot_worker, [(url, work, True, raw_url)]))
    with engine.connect() as connection:
        reserved = connection.scalar(
            text("SELECT count(*) FROM voucher_redemptions WHERE status = 'reserved'")
        )
        used = connection.scalar(text("SELECT used FROM bench_counter WHERE id = 1"))
    engine.dispose()
    problems = [f"{run.what}, {run.workers} workers: {p}" for run in runs for p in run.problems[:3]]
    runs_of_each = len(workers) + 1  # and the paired run
    if reserved != attempts * runs_of_each:
        problems.append(f"{reserved} reservations held of {attempts * runs_of_each} attempted")
    if used != (2 * len(workers) + 1) * attempts:
        problems.append(f"the floor's counter at {used}, not {(2 * len(workers) + 1) * attempts}")
    return runs, problems


def profile(url: str, attempts: int, path: str) -> None:
    """cProfile one worker's reservations, in this process, into `path`."""
    engine = make_engine(url)
    clients = setup(engine)
    work = add_orders(engine, clients, attempts)
    engine.dispose()
    barrier = multiprocessing.get_context("spawn").Barrier(1)
    cProfile.runctx("mailbot_worker(url, work, True, None, barrier)", globals(),
                    {"url": url, "work": work, "barrier": barrier}, path)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="voucher evaluations and reservations")
    parser.add_argument("--attempts", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--workers", default="1,8", help="worker counts (default 1,8)")
    parser.add_argument("--profile", metavar="FILE", help="only profile one worker's reservations")
    options = parser.parse_args(argv)
    workers = [int(n) for n in options.workers.split(",")]
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"mailbot_bench_{uuid.uuid4().hex[:10]}"
    load = os.getloadavg()[0]
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        if options.profile:
            profile(url, options.attempts, options.profile)
            return 0
        try:
            runs, problems = measure(url, options.attempts, workers)
        except Exception as error:  # a worker's error: the work was not done
            runs, problems = [], [f"{type(error).__name__}: {error}"]
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    if problems:
        print("FAILED: the runs did not do the work; no figures reported", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{options.attempts} attempts per run against one hot code, PostgreSQL")
    print("evaluation: judge_codes + commit; reservation: judge_codes + reserve_codes + commit;")
    print("floor: the bare guarded UPDATE (the better of a run before and a run after)\n")
    print(f"{'workers':>7}{'floor/s':>9}{'eval/s':>8}{'ratio':>7}{'reserve/s':>11}{'ratio':>7}"
          "  goal: reservations >= 1/3 of the floor")  # fmt: skip
    for count in workers:
        mine = [r for r in runs if r.workers == count]
        floor = max(r.rate for r in mine if r.what == "floor")
        evaluations, reservations = (next(r.rate for r in mine if r.what == what)
                                     for what in ("evaluations", "reservations"))  # fmt: skip
        verdict = "met" if reservations / floor >= GOAL else "NOT met"
        print(f"{count:7}{floor:9.0f}{evaluations:8.0f}{evaluations / floor:7.2f}"
              f"{reservations:11.0f}{reservations / floor:7.2f}  {verdict}")  # fmt: skip
    paired = next(r for r in runs if r.what == "paired")
    print(f"\npaired, 1 worker, each reservation right after one floor UPDATE, timed apart (the "
          f"same load for both): ratio {paired.paired:.2f}  "
          f"{'met' if (paired.paired or 0) >= GOAL else 'NOT met'}")  # fmt: skip
    sent = {r.what: r.statements / r.attempts for r in runs if r.what != "floor"}
    print(f"\nSQL statements per attempt: evaluation {sent['evaluations']:.1f}, reservation "
          f"{sent['reservations']:.1f} (and a round trip each for psycopg's BEGIN and "
          "the COMMIT)")  # fmt: skip
    print(f"\nload average: {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, "
          f"on {os.cpu_count()} CPUs")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
