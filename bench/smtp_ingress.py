"""SMTP ingress benchmark: mailbot's listener against a bare aiosmtpd server, same mail, same run.

    .venv/bin/python bench/smtp_ingress.py [--messages N] [--size BYTES] [--one-by-one]
        [--while-processing N] [--json]

Sends N messages of about 20 KB over one connection, then spread over 8 connections, to
mailbot's real listener (`App.smtp_ingress`, storing into a fresh SQLite database through the
group commit `mailbot run` uses, or with `--one-by-one` one transaction per message: each 250
comes after its message's commit), and to a bare aiosmtpd server whose handler only
appends the message to a list. The clients run in a process of their own, so that they do not
share the servers' interpreter lock. The bare server's rate is the best of a run before and a
run after mailbot's. Rates are reported with their ratio (design goal: at least 0.5), never
checked against a limit, because they depend on the machine. A lost or doubled message (the
database not holding exactly the messages sent, or the bare server not keeping all of its own)
fails the run: no figures, FAILED on stderr, exit 1.

Every message's wait is timed in the client process too, from its MAIL to the 250 after its
data. With `--while-processing N` the database first gets N of the ingest benchmark's order
mails (`corpus.py`), and after each measured run the same number of messages is sent once more
while mailbot's processor drains that backlog in a thread of the listener's process, as in
`mailbot run`: the waits with and without the processor, and SQLite's write lock (the stores'
waits for it, the processor's transactions' holds), side by side. The check then also asks
that every backlog message ended processed (`smtp_processing.py`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import smtplib
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from smtp_processing import (
    Locks,
    LockTimes,
    Processing,
    Spread,
    backlog_app,
    check_backlog,
    finished_between,
)
from sqlalchemy import func, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.ingress.group_commit import GroupCommit
from mailbot.services.inbox.processing import BATCH_SECONDS
from mailbot.storage.database import upgrade
from mailbot.storage.models import InboundMessage

GOAL = 0.5  # design goal: mailbot's rate at least half the bare server's
HOST = "127.0.0.1"
RECIPIENT = "orders@distributor.example"
SENDER = "buyer@partner.example"
CONNECTIONS = (1, 8)
MAX_DEFERRALS = 10  # 451s for one message before the client gives up (the run fails)
WORDS = [
    "order",
    "parts",
    "brake",
    "disc",
    "pad",
    "caliper",
    "axle",
    "hub",
    "bearing",
    "seal",
    "filter",
    "oil",
    "air",
    "fuel",
    "pump",
    "valve",
    "кронштейн",
    "колодки",
    "тормозной",
    "диск",
    "фильтр",
    "масляный",
    "comandă",
    "piesă",
    "frână",
    "filtru",
    "ulei",
]


def message(number: int, size: int) -> bytes:
    """A plain-text mail of about `size` bytes, unique by its number (no two are the same)."""
    rng = random.Random(number)
    head = (
        f"From: Buyer {number % 97} <buyer{number % 97}@partner.example>\r\n"
        f"To: {RECIPIENT}\r\n"
        f"Subject: order {number}\r\n"
        f"Date: Mon, 23 Nov 2026 09:00:00 +0200\r\n"
        f"Message-ID: <{number}.bench@partner.example>\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    lines = [head]
    length = len(head)
    while length < size:
        line = (" ".join(rng.choices(WORDS, k=10)) + "\r\n").encode()
        lines.append(line)
        length += len(line)
    return b"".join(lines)


def send(
    port: int, first: int, count: int, connections: int, size: int
) -> tuple[float, list[tuple[float, float, int]]]:
    """Send messages `first`..`first + count - 1` over `connections` connections at once;
    the seconds from the first MAIL to the last reply, and for each message its seconds from
    its first MAIL to the 250 after its data, the `time.time()` of that 250 and how often it
    was deferred (451) and sent again at once, as a mail server would later (run in the
    client process)."""
    batches = [list(range(first + n, first + count, connections)) for n in range(connections)]
    mail = {number: message(number, size) for number in range(first, first + count)}
    clients = [
        smtplib.SMTP(HOST, port, local_hostname="bench.client", timeout=60)
        for _ in range(connections)
    ]
    for client in clients:
        client.ehlo()
    ready = threading.Barrier(connections + 1)

    def run(client: smtplib.SMTP, numbers: list[int]) -> list[tuple[float, float, int]]:
        ready.wait()
        waits = []
        for number in numbers:
            asked = time.perf_counter()
            deferred = 0
            while True:
                try:
                    refused = client.sendmail(SENDER, [RECIPIENT], mail[number])
                    break
                except smtplib.SMTPDataError as error:
                    deferred += 1
                    if error.smtp_code != 451 or deferred > MAX_DEFERRALS:
                        raise
            waits.append((time.perf_counter() - asked, time.time(), deferred))
            if refused:
                raise RuntimeError(f"message {number} refused: {refused}")
        return waits

    with ThreadPoolExecutor(max_workers=connections) as threads:
        futures = [threads.submit(run, c, b) for c, b in zip(clients, batches, strict=True)]
        ready.wait()
        started = time.perf_counter()
        waits = [wait for future in futures for wait in future.result()]
        seconds = time.perf_counter() - started
    for client in clients:
        client.quit()
    return seconds, waits


class Bare:
    """The floor: a handler that keeps each message in a list and answers 250."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope.original_content)
        return "250 OK"


@dataclass(frozen=True, slots=True)
class Rates:
    """Messages per second over `connections` connections."""

    connections: int
    bare: float
    mailbot: float

    @property
    def ratio(self) -> float:
        return self.mailbot / self.bare


@dataclass(frozen=True, slots=True)
class Waits:
    """One measured run: its rate and each message's wait for its 250 (client side); for
    mailbot, SQLite's write lock meanwhile; while processing, the backlog's progress."""

    connections: int
    server: str  # "bare", "mailbot" or "mailbot + processor"
    per_second: float
    waits: Spread
    locks: Locks | None = None
    backlog_done: int | None = None  # backlog messages processed during the run
    backlog_left: int | None = None  # and still waiting at its end
    # Messages answered before the processor ran out of work: `waits` covers only these.
    while_busy: int | None = None
    deferred: int = 0  # 451s (the listener's store took too long) before a 250, all messages


@dataclass(frozen=True, slots=True)
class Measured:
    """What the runs measured, and what the check needs: the messages each server got."""

    rates: list[Rates]
    waits: list[Waits]
    sent_to_mailbot: int
    sent_to_bare: int
    kept_by_bare: int
    processor_failures: list[str]


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    load = os.getloadavg()[0]
    # A client process started before any server thread exists ("spawn": no forked locks).
    clients = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    with tempfile.TemporaryDirectory(prefix="mailbot-smtp-bench-") as folder, clients:
        clients.submit(time.time).result()  # the process is up before anything is timed
        if options.while_processing:
            app, backlog = backlog_app(Path(folder), options.while_processing)
        else:
            app, backlog = _fresh_app(Path(folder)), []
        try:
            measured = _measure(app, clients, backlog, options)
            while backlog and app.processor.run_once():
                pass  # what the runs left of the backlog, processed before the check
            stored, distinct = _stored(app, backlog)
            problems = _check(
                stored,
                distinct,
                measured.sent_to_mailbot,
                measured.kept_by_bare,
                measured.sent_to_bare,
            )
            if backlog:
                problems += check_backlog(app, backlog, measured.processor_failures)
        finally:
            app.close()
    if problems:
        if options.json:
            print(json.dumps({"checks": "failed", "problems": problems}, indent=2))
        print(
            "FAILED: messages were lost, doubled or left unprocessed; no figures reported",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    _report(measured, options, (load, os.getloadavg()[0]))
    return 0


def _measure(
    app: App, clients: ProcessPoolExecutor, backlog: Sequence[int], options: argparse.Namespace
) -> Measured:
    """For each connection count: bare, mailbot, bare again; with a backlog, then mailbot
    once more (new messages) while the processor drains it."""
    if options.one_by_one:
        ingress = app.smtp_ingress(lambda raw: app.store(raw, "smtp"))
    else:
        ingress = app.smtp_ingress(GroupCommit(lambda raws: app.store_many(raws, "smtp")))
    bare = Bare()
    bare_server = Controller(bare, hostname=HOST, port=_free_port(), server_hostname="bare")
    locks = LockTimes(app.engine)
    count = options.messages
    rates, waits, failures = [], [], []
    windows = []
    first = 0
    began = app.clock.now()
    ingress.start()
    bare_server.start()
    try:
        for connections in CONNECTIONS:
            run = (first, count, connections, options.size)
            before = clients.submit(send, bare_server.port, *run).result()
            locks.take()
            mailbot = clients.submit(send, ingress.port, *run).result()
            idle = locks.take()
            after = clients.submit(send, bare_server.port, *run).result()
            first += count
            floor = min(before, after)
            rates.append(Rates(connections, bare=count / floor[0], mailbot=count / mailbot[0]))
            waits.append(Waits(connections, "bare", count / floor[0], _spread(floor[1])))
            mailbot_rate = count / mailbot[0]
            deferred = _deferred(mailbot[1])
            waits.append(
                Waits(
                    connections,
                    "mailbot",
                    mailbot_rate,
                    _spread(mailbot[1]),
                    idle,
                    deferred=deferred,
                )
            )
            if backlog:
                processing = Processing(app)
                with processing:
                    locks.take()
                    start = app.clock.now()
                    run = (first, count, connections, options.size)
                    busy = clients.submit(send, ingress.port, *run).result()
                    end = app.clock.now()
                    held = locks.take()
                idle_at = processing.idle_at or float("inf")
                windows.append((connections, busy, held, start, end, idle_at))
                failures += processing.failures
                first += count
    finally:
        ingress.stop()
        bare_server.stop()
    # The backlog's progress is read once the runs are over: no reads while they are timed.
    for connections, (seconds, answers), held, start, end, idle_at in windows:
        done = finished_between(app, backlog, start, end)
        left = len(backlog) - finished_between(app, backlog, began, end)
        busy_waits = [answer for answer in answers if answer[1] <= idle_at]
        row = Waits(
            connections,
            "mailbot + processor",
            count / seconds,
            _spread(busy_waits),
            held,
            done,
            left,
            len(busy_waits),
            _deferred(answers),
        )
        waits.append(row)
    waits.sort(key=lambda w: w.connections)  # stable: bare, mailbot, mailbot + processor
    return Measured(rates, waits, first, 2 * count * len(CONNECTIONS), len(bare.messages), failures)


def _spread(answers: Sequence[tuple[float, float, int]]) -> Spread:
    """The spread of the waits of `answers` (wait, time answered, deferrals)."""
    return Spread.of([wait for wait, _, _ in answers])


def _deferred(answers: Sequence[tuple[float, float, int]]) -> int:
    return sum(deferred for _, _, deferred in answers)


def _fresh_app(folder: Path) -> App:
    config = load_config(
        environ={
            "MAILBOT_STORAGE__URL": f"sqlite:///{folder / 'mailbot.db'}",
            "MAILBOT_SMTP_INGRESS__PORT": "0",
        }
    )
    app = bootstrap(config)
    upgrade(app.engine)
    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _stored(app: App, backlog: Sequence[int]) -> tuple[int, int]:
    """The messages stored but the backlog: how many, and how many different Message-IDs."""
    with app.uow() as uow:
        query = select(
            func.count(InboundMessage.id), func.count(InboundMessage.message_id.distinct())
        ).where(InboundMessage.id.not_in(backlog))
        rows, distinct = uow.session.execute(query).one()
    return rows, distinct


def _check(stored: int, distinct: int, sent: int, kept: int, sent_to_bare: int) -> list[str]:
    """Lost or doubled messages: a bug, not a slow machine ([] when none)."""
    problems = []
    if stored != sent or distinct != sent:
        problems.append(f"mailbot stored {stored} messages ({distinct} different) of {sent} sent")
    if kept != sent_to_bare:
        problems.append(f"the bare server kept {kept} of {sent_to_bare}")
    return problems


def _report(measured: Measured, options: argparse.Namespace, load: tuple[float, float]) -> None:
    if options.json:
        figures: dict[str, object] = {
            "messages": options.messages,
            "size": options.size,
            "one_by_one": options.one_by_one,
            "while_processing": options.while_processing,
            "batch_seconds": BATCH_SECONDS,
            "goal": GOAL,
            "runs": [
                {
                    "connections": r.connections,
                    "bare_per_second": r.bare,
                    "mailbot_per_second": r.mailbot,
                    "ratio": r.ratio,
                }
                for r in measured.rates
            ],
            "waits": [_waits_json(w) for w in measured.waits],
            "load": load,
        }
        print(json.dumps(figures, indent=2))
        return
    store = "one transaction per message" if options.one_by_one else "group commit"
    print(f"{options.messages} messages of about {options.size:,} bytes per run; {store}")
    print(f"{'connections':>11} {'bare msg/s':>11} {'mailbot msg/s':>14} {'ratio':>6}")
    for r in measured.rates:
        print(f"{r.connections:>11} {r.bare:>11,.0f} {r.mailbot:>14,.0f} {r.ratio:>6.2f}")
    missed = [r.connections for r in measured.rates if r.ratio < GOAL]
    verdict = f"missed over {missed} connection(s)" if missed else "met"
    print(f"goal: mailbot at least {GOAL} of the bare rate: {verdict}")
    print()
    print("each message's wait, MAIL to the 250 after its data, in the clients (ms):")
    print(
        f"{'connections':>11}  {'server':<20} {'msg/s':>6} {'median':>7} {'p99':>7} {'max':>7}"
        f" {'451s':>5}"
    )
    for w in measured.waits:
        s = w.waits
        print(
            f"{w.connections:>11}  {w.server:<20} {w.per_second:>6,.0f} "
            f"{s.median:>7.1f} {s.p99:>7.1f} {s.max:>7.1f} {w.deferred:>5}"
        )
        if w.while_busy is not None and w.while_busy < options.messages:
            print(
                f"{'':>13}waits of the {w.while_busy} messages answered before the processor "
                f"ran out of work"
            )
    if options.while_processing:
        _report_locks(measured.waits, options.while_processing)
    print(f"load average: {load[0]:.2f} at the start, {load[1]:.2f} at the end")


def _report_locks(waits: Sequence[Waits], backlog: int) -> None:
    print()
    print(
        f"SQLite's write lock (ms, median / p99 / max) and the backlog of {backlog:,} order "
        f"mails; the processor commits at most every {BATCH_SECONDS} s (BATCH_SECONDS):"
    )
    print(
        f"{'connections':>11}  {'server':<20} {'stores waited':>22} {'processor held':>22}  backlog"
    )
    for w in waits:
        if w.locks is None:
            continue
        held = _shown(w.locks.processor_holds) if w.backlog_done is not None else "-"
        progress = "-"
        if w.backlog_done is not None:
            progress = f"{w.backlog_done} done, {w.backlog_left} left"
        print(
            f"{w.connections:>11}  {w.server:<20} {_shown(w.locks.store_waits):>22} "
            f"{held:>22}  {progress}"
        )
        if w.backlog_left == 0:
            print("             the backlog ran out during this run: pass a larger backlog")
    idle = {w.connections: w.waits.p99 for w in waits if w.server == "mailbot"}
    busy = {w.connections: w.waits.p99 for w in waits if w.while_busy}
    ratios = ", ".join(f"x{busy[c] / idle[c]:.1f} over {c}" for c in busy if idle[c])
    print(f"p99 wait with the processor against without: {ratios}")


def _shown(spread: Spread) -> str:
    return f"{spread.median:.1f} / {spread.p99:.1f} / {spread.max:.1f}"


def _waits_json(waits: Waits) -> dict[str, object]:
    row: dict[str, object] = {
        "connections": waits.connections,
        "server": waits.server,
        "per_second": waits.per_second,
        "waits": waits.waits.as_dict(),
        "deferred": waits.deferred,
    }
    if waits.locks is not None:
        row["store_lock_waits"] = waits.locks.store_waits.as_dict()
    if waits.backlog_done is not None and waits.locks is not None:
        row["processor_lock_holds"] = waits.locks.processor_holds.as_dict()
        row["backlog_done"] = waits.backlog_done
        row["backlog_left"] = waits.backlog_left
        row["answered_while_busy"] = waits.while_busy
    return row


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="SMTP ingress throughput against bare aiosmtpd")
    parser.add_argument("--messages", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--size", type=int, default=20_000, help="bytes per message (~20,000)")
    parser.add_argument(
        "--one-by-one", action="store_true", help="commit each message alone (no group commit)"
    )
    parser.add_argument(
        "--while-processing",
        type=int,
        default=0,
        metavar="N",
        help="store N order mails first and send once more while the processor drains them",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.messages < max(CONNECTIONS) or options.size < 1000:
        parser.error(f"--messages must be at least {max(CONNECTIONS)}, --size at least 1000")
    if options.while_processing < 0:
        parser.error("--while-processing must be at least 0")
    return options


if __name__ == "__main__":
    sys.exit(main())
