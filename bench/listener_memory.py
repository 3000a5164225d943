"""Listener memory benchmark: many large messages at once, against the bound on bytes in flight.

    .venv/bin/python bench/listener_memory.py [--messages 30] [--size-mb 24] [--in-flight-mb 256]
                                              [--no-size] [--no-bare] [--json]

mailbot's real listener (`App.smtp_ingress` with the group commit of `mailbot run`, storing
into a fresh SQLite database) runs in a process of its own (`tests/listener_probe.py`), which
reports its resident memory. N clients send a message of S MB each at the same moment,
streaming it (so that the clients hold none); a client answered 451 (no room among the bytes
in flight) tries again a moment later, as a mail server would, until its message is stored.
The floor is a bare aiosmtpd server in the same kind of process, whose handler drops each
message: what aiosmtpd's own DATA costs with no bound.

Checks: every message stored exactly once, with its size (else no figures); the listener's
peak growth within 1.5 times the bound plus 64 MB, and its size after the burst within 64 MB
of its size before (the figures are printed, which show by how much). A failed check prints
FAILED and the problems on standard error and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the probe lives with the tests

from sqlalchemy import select  # noqa: E402

from mailbot.storage.database import make_engine, upgrade  # noqa: E402
from mailbot.storage.models import InboundMessage  # noqa: E402
from tests.listener_probe import Probe, big_message_size, send_large  # noqa: E402

MB = 2**20
SLACK = 64 * MB
RETRY_WAIT = 0.2  # a mail server waits minutes; the benchmark a moment
DEADLINE = 600.0

BARE = """
import json, sys
from pathlib import Path
from aiosmtpd.controller import Controller
from tests.servers import free_port

def memory():
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found["rss" if name == "VmRSS" else "peak"] = int(value.split()[0]) * 1024
    return found

class Drop:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

port = free_port()
controller = Controller(Drop(), hostname="127.0.0.1", port=port, data_size_limit=int(sys.argv[1]))
controller.start()
Path("/proc/self/clear_refs").write_text("5")
print(json.dumps({"port": port, "in_flight": 0, **memory()}), flush=True)
for _ in sys.stdin:
    print(json.dumps({"port": port, "in_flight": 0, **memory()}), flush=True)
controller.stop()
"""


class BareProbe(Probe):
    """A bare aiosmtpd server in a process of its own, asked like the listener's probe."""

    def __init__(self, max_message_bytes: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", BARE, str(max_message_bytes)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.first = self.ask(wake=False)
        self.port = int(self.first["port"])


@dataclass
class Run:
    server: str
    start_rss: int
    peak_growth: int
    after_growth: int
    first_refusals: int
    retries: int
    seconds: float


def burst(probe: Probe, messages: int, size: int, declare: bool, retry: bool) -> Run:
    """Every client sends at once; with `retry`, a client answered 4xx sends again."""
    start = probe.first["rss"]
    refusals = [0] * messages
    began = time.monotonic()

    def client(number: int) -> None:
        while True:
            code = send_large(probe.port, number, size, declare=declare)
            if code == 250:
                return
            if not (retry and 400 <= code < 500) or time.monotonic() - began > DEADLINE:
                raise RuntimeError(f"message {number}: answered {code}")
            refusals[number] += 1
            time.sleep(RETRY_WAIT)

    with ThreadPoolExecutor(max_workers=messages) as clients:
        for done in [clients.submit(client, number) for number in range(messages)]:
            done.result()
    seconds = time.monotonic() - began
    after = probe.ask()
    return Run(
        server="",
        start_rss=start,
        peak_growth=after["peak"] - start,
        after_growth=after["rss"] - start,
        first_refusals=sum(1 for count in refusals if count),
        retries=sum(refusals),
        seconds=seconds,
    )


def stored_sizes(url: str) -> dict[str, list[int]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(InboundMessage.message_id, InboundMessage.size))
            found: dict[str, list[int]] = {}
            for message_id, size in rows:
                found.setdefault(message_id, []).append(size)
            return found
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--size-mb", type=float, default=24.0)
    parser.add_argument("--in-flight-mb", type=float, default=256.0)
    parser.add_argument("--no-size", action="store_true", help="send no SIZE= with MAIL FROM")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare aiosmtpd floor")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    size = int(options.size_mb * MB)
    bound = int(options.in_flight_mb * MB)
    max_message = max(size + MB, 25 * MB)
    declare = not options.no_size
    load = os.getloadavg()[0]
    runs: list[Run] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'mailbot.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        probe = Probe(
            url,
            f"max_message_bytes={max_message}",
            f"max_bytes_in_flight={bound}",
            f"max_connections_per_client={options.messages}",
        )
        try:
            run = burst(probe, options.messages, size, declare, retry=True)
        finally:
            probe.stop()
        run.server = "mailbot"
        runs.append(run)
        stored = stored_sizes(url)
    for number in range(options.messages):
        sizes = stored.get(f"large-{number}@fleetparts.example", [])
        if sizes != [big_message_size(number, size)]:
            problems.append(f"message {number}: stored with sizes {sizes}")
    if problems:
        if options.json:
            print(json.dumps({"checks": "failed", "problems": problems}, indent=2))
        print("FAILED: messages were lost or doubled; no figures reported", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if run.peak_growth > 1.5 * bound + SLACK:
        problems.append(f"peak growth {run.peak_growth / MB:.0f} MB over 1.5 x the bound + 64 MB")
    if run.after_growth > SLACK:
        problems.append(f"{run.after_growth / MB:.0f} MB still held after the burst")
    if not options.no_bare:
        bare = BareProbe(max_message)
        try:
            floor = burst(bare, options.messages, size, declare, retry=False)
        finally:
            bare.stop()
        floor.server = "bare aiosmtpd"
        runs.append(floor)
    figures = {
        "messages": options.messages,
        "size_mb": options.size_mb,
        "in_flight_mb": options.in_flight_mb,
        "size_declared": declare,
        "runs": [asdict(run) for run in runs],
        "problems": problems,
        "load": [load, os.getloadavg()[0]],
    }
    if options.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{options.messages} messages of {size / MB:.0f} MB at once, bytes in flight bound "
            f"{bound / MB:.0f} MB, SIZE= {'declared' if declare else 'not declared'}"
        )
        report(runs, size, bound)
        print(f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    if problems:
        # The figures above show by how much.
        print("FAILED: the listener's memory passed its bound", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


def report(runs: list[Run], size: int, bound: int) -> None:
    print(
        f"{'server':<14} {'start MB':>9} {'peak +MB':>9} {'after +MB':>10} "
        f"{'x bound':>8} {'x message':>10} {'refused':>8} {'retries':>8} {'seconds':>8}"
    )
    for run in runs:
        print(
            f"{run.server:<14} {run.start_rss / MB:>9.0f} {run.peak_growth / MB:>9.0f} "
            f"{run.after_growth / MB:>10.0f} {run.peak_growth / bound:>8.2f} "
            f"{run.peak_growth / size:>10.1f} {run.first_refusals:>8} {run.retries:>8} "
            f"{run.seconds:>8.1f}"
        )
    if len(runs) == 2:
        ratio = runs[0].peak_growth / runs[1].peak_growth
        print(f"peak growth, mailbot / bare aiosmtpd: {ratio:.2f}")


if __name__ == "__main__":
    sys.exit(main())
