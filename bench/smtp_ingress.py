"""SMTP ingress benchmark: mailbot's listener against a bare aiosmtpd server, same mail, same run.

    .venv/bin/python bench/smtp_ingress.py [--messages N] [--size BYTES] [--one-by-one] [--json]

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
from sqlalchemy import func, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.ingress.group_commit import GroupCommit
from mailbot.storage.database import upgrade
from mailbot.storage.models import InboundMessage

GOAL = 0.5  # design goal: mailbot's rate at least half the bare server's
HOST = "127.0.0.1"
RECIPIENT = "orders@distributor.example"
SENDER = "buyer@partner.example"
CONNECTIONS = (1, 8)
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


def send(port: int, first: int, count: int, connections: int, size: int) -> float:
    """Send messages `first`..`first + count - 1` over `connections` connections at once;
    the seconds from the first MAIL to the last reply (run in the client process)."""
    batches = [list(range(first + n, first + count, connections)) for n in range(connections)]
    mail = {number: message(number, size) for number in range(first, first + count)}
    clients = [
        smtplib.SMTP(HOST, port, local_hostname="bench.client", timeout=60)
        for _ in range(connections)
    ]
    for client in clients:
        client.ehlo()
    ready = threading.Barrier(connections + 1)

    def run(client: smtplib.SMTP, numbers: list[int]) -> None:
        ready.wait()
        for number in numbers:
            refused = client.sendmail(SENDER, [RECIPIENT], mail[number])
            if refused:
                raise RuntimeError(f"message {number} refused: {refused}")

    with ThreadPoolExecutor(max_workers=connections) as threads:
        futures = [threads.submit(run, c, b) for c, b in zip(clients, batches, strict=True)]
        ready.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        seconds = time.perf_counter() - started
    for client in clients:
        client.quit()
    return seconds


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


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    load = os.getloadavg()[0]
    # A client process started before any server thread exists ("spawn": no forked locks).
    clients = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    with tempfile.TemporaryDirectory(prefix="mailbot-smtp-bench-") as folder, clients:
        clients.submit(time.time).result()  # the process is up before anything is timed
        app = _fresh_app(Path(folder))
        if options.one_by_one:
            ingress = app.smtp_ingress(lambda raw: app.store(raw, "smtp"))
        else:
            ingress = app.smtp_ingress(GroupCommit(lambda raws: app.store_many(raws, "smtp")))
        bare = Bare()
        bare_server = Controller(bare, hostname=HOST, port=_free_port(), server_hostname="bare")
        ingress.start()
        bare_server.start()
        results = []
        sent_to_mailbot = sent_to_bare = 0
        first = 0
        try:
            for connections in CONNECTIONS:
                run = (first, options.messages, connections, options.size)
                before = clients.submit(send, bare_server.port, *run).result()
                mailbot = clients.submit(send, ingress.port, *run).result()
                after = clients.submit(send, bare_server.port, *run).result()
                first += options.messages
                sent_to_mailbot += options.messages
                sent_to_bare += 2 * options.messages
                results.append(
                    Rates(
                        connections,
                        bare=options.messages / min(before, after),
                        mailbot=options.messages / mailbot,
                    )
                )
        finally:
            ingress.stop()
            bare_server.stop()
        stored = _stored(app)
        app.close()
    problems = _check(stored, sent_to_mailbot, len(bare.messages), sent_to_bare)
    if problems:
        if options.json:
            print(json.dumps({"checks": "failed", "problems": problems}, indent=2))
        print("FAILED: messages were lost or doubled; no figures reported", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    _report(results, options, (load, os.getloadavg()[0]))
    return 0


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


def _stored(app: App) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count(InboundMessage.id))) or 0


def _check(stored: int, sent: int, kept: int, sent_to_bare: int) -> list[str]:
    """Lost or doubled messages: a bug, not a slow machine ([] when none)."""
    problems = []
    if stored != sent:
        problems.append(f"mailbot stored {stored} messages of {sent} sent")
    if kept != sent_to_bare:
        problems.append(f"the bare server kept {kept} of {sent_to_bare}")
    return problems


def _report(
    results: Sequence[Rates], options: argparse.Namespace, load: tuple[float, float]
) -> None:
    if options.json:
        figures: dict[str, object] = {
            "messages": options.messages,
            "size": options.size,
            "one_by_one": options.one_by_one,
            "goal": GOAL,
            "runs": [
                {
                    "connections": r.connections,
                    "bare_per_second": r.bare,
                    "mailbot_per_second": r.mailbot,
                    "ratio": r.ratio,
                }
                for r in results
            ],
            "load": load,
        }
        print(json.dumps(figures, indent=2))
        return
    store = "one transaction per message" if options.one_by_one else "group commit"
    print(f"{options.messages} messages of about {options.size:,} bytes per run; {store}")
    print(f"{'connections':>11} {'bare msg/s':>11} {'mailbot msg/s':>14} {'ratio':>6}")
    for r in results:
        print(f"{r.connections:>11} {r.bare:>11,.0f} {r.mailbot:>14,.0f} {r.ratio:>6.2f}")
    missed = [r.connections for r in results if r.ratio < GOAL]
    verdict = f"missed over {missed} connection(s)" if missed else "met"
    print(f"goal: mailbot at least {GOAL} of the bare rate: {verdict}")
    print(f"load average: {load[0]:.2f} at the start, {load[1]:.2f} at the end")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="SMTP ingress throughput against bare aiosmtpd")
    parser.add_argument("--messages", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--size", type=int, default=20_000, help="bytes per message (~20,000)")
    parser.add_argument(
        "--one-by-one", action="store_true", help="commit each message alone (no group commit)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.messages < max(CONNECTIONS) or options.size < 1000:
        parser.error(f"--messages must be at least {max(CONNECTIONS)}, --size at least 1000")
    return options


if __name__ == "__main__":
    sys.exit(main())
