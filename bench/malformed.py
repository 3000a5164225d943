"""Malformed-mail benchmark: each case of tests/malformed.py through the pipeline, against a
bare mail-parser parse of the same bytes, plus how the cost grows with the size of the cases
that could hide quadratic work, and the peak memory of the 40 MB attachment.

    .venv/bin/python bench/malformed.py [--json] [--no-memory]

Each case is stored, processed and answered on a fresh SQLite database with the demo data
(`tests/malformed.py` says what must become of it). A case that ends otherwise, at full size or
at the half size of the growth check, fails the run: it prints FAILED and exits 1. Times are
reported against the floor measured in the same run, never checked against a limit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the corpus lives with the tests

import mailparser  # noqa: E402

from mailbot.bootstrap import App, bootstrap  # noqa: E402
from mailbot.config import load_config  # noqa: E402
from mailbot.demo import seed_demo  # noqa: E402
from mailbot.storage.database import make_engine, upgrade  # noqa: E402
from tests import malformed  # noqa: E402
from tests.fakes import RecordingTransport  # noqa: E402
from tests.mail import mail  # noqa: E402

# Cases whose size is a parameter: (name, builder of a given size, full size, the case in
# tests/malformed.py that says what must become of it).
SCALED: tuple[tuple[str, Callable[[int], bytes], int, str], ...] = (
    ("attachments", malformed.many_attachments, malformed.MANY_ATTACHMENTS, "2,000 attachments"),
    ("header bytes", malformed.huge_header, malformed.BIG_HEADER, "1 MB header"),
    ("References bytes", malformed.huge_references, malformed.BIG_HEADER, "1 MB References"),
    ("multipart depth", malformed.deep_multipart, 3_000, "multipart 3,000 deep"),
)


@dataclass(frozen=True, slots=True)
class Row:
    """One case: its size, the floor and the pipeline in seconds, and what became of it."""

    name: str
    size: int
    bare: float
    pipeline: float
    outcome: str
    expected: bool

    @property
    def ratio(self) -> float:
        return self.pipeline / self.bare if self.bare else float("inf")


def fresh_app(folder: Path) -> App:
    """mailbot on a new, migrated SQLite database in `folder`, with the demo data."""
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    config = load_config(environ={"MAILBOT_STORAGE__URL": url})
    app = bootstrap(config, engine=engine, transport=RecordingTransport())
    seed_demo(app)
    return app


def bare_parse(raw: bytes) -> float:
    """Best of three bare mail-parser parses (one for messages over 10 MB), failures included."""
    runs = 1 if len(raw) > 10 * 2**20 else 3
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        with contextlib.suppress(Exception):  # mail-parser gives up on the deep case
            mailparser.parse_from_bytes(raw)
        best = min(best, time.perf_counter() - start)
    return best


def through_pipeline(raw: bytes) -> tuple[float, str, str]:
    """Seconds to store, process and answer `raw` on a fresh database (after one warm-up
    order); its status and outcome."""
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(Path(folder))
        # One good order first, so that the time is the message's, not the first render's.
        app.store(mail(sender=malformed.FLEET, body="BPW-0310 x 1"), "file")
        app.processor.run_once()
        app.sender.run_once()
        start = time.perf_counter()
        stored = app.store(raw, "file")
        app.processor.run_once()
        app.sender.run_once()
        seconds = time.perf_counter() - start
        with app.uow() as uow:
            inbound = uow.inbox.get(stored.id)
            assert inbound is not None
            status, outcome = inbound.status, inbound.outcome
        app.close()
    return seconds, status, outcome


def as_expected(case: malformed.Case, status: str, outcome: str) -> bool:
    return status == case.status and outcome.startswith(case.summary)


def run_case(case: malformed.Case) -> Row:
    raw = case.build()
    seconds, status, outcome = through_pipeline(raw)
    expected = as_expected(case, status, outcome)
    return Row(case.name, len(raw), bare_parse(raw), seconds, outcome, expected)


def scaling(problems: list[str]) -> list[dict[str, float | str]]:
    """Pipeline seconds at half and at full size: linear work about doubles. A run that ends
    otherwise than its case says is added to `problems`."""
    cases = {case.name: case for case in malformed.CASES}
    found: list[dict[str, float | str]] = []
    for what, build, full, name in SCALED:
        seconds = []
        for size in (full // 2, full):
            taken, status, outcome = through_pipeline(build(size))
            if not as_expected(cases[name], status, outcome):
                problems.append(f"{name} at {what} {size}: ended {status}: {outcome[:80]!r}")
            seconds.append(taken)
        half_seconds, full_seconds = seconds
        found.append(
            {
                "what": what,
                "half": half_seconds,
                "full": full_seconds,
                "growth": full_seconds / half_seconds,
            }
        )
    return found


def memory() -> dict[str, float]:
    """Peak RSS of a process that takes the 40 MB attachment, over one that only starts up."""
    with tempfile.TemporaryDirectory() as folder:
        message = Path(folder) / "big.eml"
        message.write_bytes(malformed.big_attachment())
        peaks = []
        for flags in ([], ["--baseline"]):
            url = f"sqlite:///{Path(folder) / f'memory{len(flags)}.db'}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            command = [sys.executable, "-m", "tests.memory_probe", str(message), url, *flags]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            peaks.append(json.loads(done.stdout)["peak"])
    grown = peaks[0] - peaks[1]
    return {
        "attachment_mib": malformed.BIG_ATTACHMENT / 2**20,
        "baseline_mib": peaks[1] / 2**20,
        "peak_mib": peaks[0] / 2**20,
        "grown_mib": grown / 2**20,
        "times_attachment": grown / malformed.BIG_ATTACHMENT,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="malformed mail through mailbot's pipeline")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probe")
    args = parser.parse_args(argv)
    rows = [run_case(case) for case in malformed.CASES]
    problems = [
        f"{row.name}: ended {row.outcome[:80]!r}, not as tests/malformed.py says"
        for row in rows
        if not row.expected
    ]
    grown = scaling(problems)
    peak = {} if args.no_memory else memory()
    if args.json:
        figures = {"cases": [asdict(r) for r in rows], "scaling": grown, "memory": peak}
        print(json.dumps({**figures, "problems": problems}))
        return _verdict(problems)
    print(f"{'case':28} {'bytes':>11} {'bare ms':>9} {'pipeline ms':>12} {'ratio':>7}  outcome")
    for row in rows:
        print(
            f"{row.name:28} {row.size:>11,} {row.bare * 1000:>9.1f} {row.pipeline * 1000:>12.1f}"
            f" {row.ratio:>7.1f}  {row.outcome[:60]}"
        )
        if not row.expected:
            print(f"{'':28} ^ ended otherwise than tests/malformed.py says")
    print("\ngrowth from half to full size (about 2 for linear work):")
    for entry in grown:
        print(
            f"  {entry['what']:18} {float(entry['half']) * 1000:8.1f} ms -> "
            f"{float(entry['full']) * 1000:8.1f} ms  x{float(entry['growth']):.2f}"
        )
    if peak:
        print(
            f"\n40 MiB attachment: peak RSS {peak['peak_mib']:.0f} MiB, baseline "
            f"{peak['baseline_mib']:.0f} MiB, grown {peak['grown_mib']:.0f} MiB = "
            f"{peak['times_attachment']:.1f} x the attachment (goal: under 10)"
        )
    return _verdict(problems)


def _verdict(problems: Sequence[str]) -> int:
    """1, saying why, when a case ended otherwise than it must: its times measured other work."""
    if not problems:
        return 0
    print("FAILED: cases ended otherwise than tests/malformed.py says", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
