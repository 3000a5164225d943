"""IMAP latency benchmark: from APPEND to the message committed to the inbox, IDLE vs polling.

    .venv/bin/python bench/imap_latency.py [--messages N] [--poll-seconds S] [--seed S] [--json]

Runs a real Dovecot (the test suite's fixture: its own configuration, user and maildir in a
temporary folder, a free loopback port; needs `dovecot-imapd` and root) and mailbot's poller
storing into a fresh SQLite database. For each mode, N messages are appended one at a time,
each after a random pause, and the time from the start of the APPEND to the end of the store
is taken. Polling runs with a short interval (`--poll-seconds`, default 1), so its latency is
about half the interval on average; IDLE's is what the server takes to announce new mail.
Times are reported, never checked against a limit: they depend on the machine and the server.
A message not stored within 30 s, or a mode whose database does not hold exactly the messages
appended (one lost or stored twice), fails the run: no figures, FAILED on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# The Dovecot fixture lives with the tests, one folder up from here.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imapclient import IMAPClient
from sqlalchemy import func, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import ImapConfig, load_config
from mailbot.ingress.imap import ImapPoller
from mailbot.ingress.imap_folders import FolderPositions
from mailbot.services.inbox.storing import Stored
from mailbot.storage.database import upgrade
from mailbot.storage.models import InboundMessage
from tests.dovecot import HOST, PASSWORD, USERNAME, Dovecot, make_dovecot

# A message not stored within this long is lost as far as the benchmark is concerned.
DEADLINE = 30.0


@dataclass(frozen=True, slots=True)
class Latencies:
    """Seconds from APPEND to stored, one per message, in one mode."""

    mode: str
    seconds: tuple[float, ...]
    problems: tuple[str, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0]
        return statistics.quantiles(self.seconds, n=20, method="inclusive")[18]


class TimedStore:
    """The app's store, noting when each message (by its Message-ID number) was committed."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.done: dict[int, float] = {}
        self.changed = threading.Condition()

    def __call__(self, raw: bytes) -> Stored:
        stored = self.app.store(raw, "imap")
        number = int(raw.split(b"Message-ID: <", 1)[1].split(b"@", 1)[0])
        with self.changed:
            self.done[number] = time.perf_counter()
            self.changed.notify_all()
        return stored

    def wait(self, number: int) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: number in self.done, DEADLINE):
                raise SystemExit(f"message {number} was not stored within {DEADLINE} s")
            return self.done[number]


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    if shutil.which("dovecot") is None or os.geteuid() != 0:
        print("needs Dovecot (apt-get install dovecot-imapd) and root to run it", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    server = make_dovecot()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="mailbot-imap-bench-") as folder:
            rng = random.Random(options.seed)
            idle = _measure(server, Path(folder) / "idle", "IDLE", options, rng)
            polling = _measure(server, Path(folder) / "poll", "polling", options, rng)
    finally:
        server.stop(graceful=False)
        shutil.rmtree(server.root, ignore_errors=True)
    problems = [problem for result in (idle, polling) for problem in result.problems]
    if problems:
        print("FAILED: messages were lost or doubled; no figures reported", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    _report([idle, polling], options)
    return 0


def _measure(
    server: Dovecot, folder: Path, mode: str, options: argparse.Namespace, rng: random.Random
) -> Latencies:
    """Append `options.messages` messages one by one and time each until it is stored."""
    config = load_config(environ={"MAILBOT_STORAGE__URL": f"sqlite:///{folder / 'mailbot.db'}"})
    app = bootstrap(config)
    upgrade(app.engine)
    store = TimedStore(app)
    imap = ImapConfig(
        enabled=True,
        host=HOST,
        port=server.port,
        security="none",
        username=USERNAME,
        password=PASSWORD,
        idle=mode == "IDLE",
        poll_seconds=options.poll_seconds,
    )
    poller = ImapPoller(store, FolderPositions(app.uow, app.clock), imap, max_message_bytes=10**7)
    client = server.client()
    poller.start()
    try:
        _append(client, 0)  # the first message also waits for the poller to connect
        store.wait(0)
        seconds = []
        for number in range(1, options.messages + 1):
            # A random pause, so that arrivals fall anywhere in the polling interval.
            time.sleep(rng.uniform(0, options.poll_seconds))
            started = time.perf_counter()
            _append(client, number)
            seconds.append(store.wait(number) - started)
    finally:
        poller.stop()
        client.logout()
        with app.uow() as uow:
            stored = uow.session.scalar(select(func.count(InboundMessage.id)))
        app.close()
    appended = options.messages + 1  # with the first, which waits for the connection
    problems = () if stored == appended else (f"{mode}: {stored} stored of {appended} appended",)
    return Latencies(mode, tuple(seconds), problems)


def _append(client: IMAPClient, number: int) -> None:
    raw = (
        f"From: bench@partner.example\r\nTo: orders@distributor.example\r\n"
        f"Subject: latency {number}\r\nMessage-ID: <{number}@bench.example>\r\n\r\n"
        f"ABC-123 x 1\r\n"
    ).encode()
    client.append("INBOX", raw)


def _report(results: Sequence[Latencies], options: argparse.Namespace) -> None:
    idle, polling = results
    ratio = polling.median / idle.median if idle.median else float("inf")
    if options.json:
        figures = {
            "messages": options.messages,
            "poll_seconds": options.poll_seconds,
            "seed": options.seed,
            **{
                r.mode.lower(): {"median": r.median, "p95": r.p95, "seconds": r.seconds}
                for r in results
            },
            "polling_median_over_idle_median": ratio,
        }
        print(json.dumps(figures, indent=2))
        return
    print(f"APPEND to stored, {options.messages} messages each, seed {options.seed}")
    print(f"{'mode':<32} {'median':>8} {'p95':>8}")
    for result in results:
        label = result.mode
        if result is polling:
            label += f" (every {options.poll_seconds} s)"
        print(f"{label:<32} {result.median:>7.3f}s {result.p95:>7.3f}s")
    print(f"polling median / IDLE median: {ratio:.2f}")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="IMAP poller latency, IDLE against polling")
    parser.add_argument("--messages", type=int, default=12, help="per mode (default 12)")
    parser.add_argument("--poll-seconds", type=int, default=1, help="polling interval (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the pauses (default 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.messages < 1 or options.poll_seconds < 1:
        parser.error("--messages and --poll-seconds must be at least 1")
    return options


if __name__ == "__main__":
    sys.exit(main())
