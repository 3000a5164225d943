"""Reading benchmark: how many order lines of the reading corpus mailbot prices right, and how
long reading a message takes, against the reader of commit 76352b6 in the same run.

    .venv/bin/python bench/reading.py [--count N] [--seed S] [--no-baseline] [--json]

The corpus (`tests/reading_corpus.py`) is order mail written the way purchasing clerks write
it, each mail with the lines a person would price and the lines a person would ask about. On
a fresh SQLite database with the corpus's catalogue as the active price list, every mail is
stored and processed; the order it became is scored by `tests/reading_score.py`. The old
reader runs the same script in a child process (`--child`) from a temporary git worktree.
Exits 1 when a line is priced wrong or vanished silently (the new code's figures only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import mailbot  # first: in the child, PYTHONPATH decides which mailbot this is

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the corpus and the score live with the tests

from tests.reading_corpus import catalogue, corpus  # noqa: E402
from tests.reading_desk import fresh_desk, read_mail  # noqa: E402
from tests.reading_score import GOAL, score  # noqa: E402

BASELINE = "76352b6"  # the reader before issue 10


@dataclass(frozen=True)
class Run:
    """One reader's figures over the corpus: where its mailbot was imported from, the score's
    figures (`Score.as_json`), reading times in ms, and the first failing mails."""

    code: str
    corpus_sha256: str
    figures: dict[str, Any]
    median_ms: float
    mean_ms: float
    failures: str

    @property
    def meets_goal(self) -> bool:
        f = self.figures
        return bool(
            f["automation"] >= GOAL
            and not f["wrong_lines"]
            and not f["silent_drops"]
            and f["asked"] == f["asks"]
        )


def measure(count: int, seed: int) -> Run:
    """Run the corpus through a fresh desk: the score and how long each message's processing
    (parse, read, price, quote) took."""
    mails = corpus(count, seed)
    with fresh_desk(catalogue(seed)) as app:
        results = [read_mail(app, mail.raw) for mail in mails]
    result = score(mails, [reading for reading, _ in results])
    ms = [1000 * seconds for _, seconds in results]
    digest = hashlib.sha256(b"".join(hashlib.sha256(m.raw).digest() for m in mails)).hexdigest()
    return Run(
        code=str(Path(mailbot.__file__).resolve().parents[1]),
        corpus_sha256=digest,
        figures=result.as_json(),
        median_ms=statistics.median(ms),
        mean_ms=statistics.mean(ms),
        failures=result.failures(limit=10),
    )


def baseline(count: int, seed: int) -> Run:
    """The same measurement on the old reader: this script as a child process whose mailbot is
    imported from a temporary worktree of `BASELINE`."""
    with tempfile.TemporaryDirectory(prefix="mailbot-baseline-") as folder:
        tree = Path(folder) / "tree"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), BASELINE],
                       check=True, capture_output=True)  # fmt: skip
        try:
            child = subprocess.run(
                [sys.executable, __file__, "--child", "--count", str(count), "--seed", str(seed)],
                env={**os.environ, "PYTHONPATH": str(tree)},
                check=True,
                capture_output=True,
                text=True,
            )
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=True)
    run = Run(**json.loads(child.stdout))
    if run.code != str(tree):
        raise SystemExit(f"the child imported mailbot from {run.code}, not from {tree}")
    return run


def _row(label: str, values: Sequence[object]) -> str:
    return f"{label:36}" + "".join(f"{value!s:>18}" for value in values)


def table(runs: Mapping[str, Run]) -> str:
    """The figures side by side, one column per reader, then the share right per shape."""
    new, *_ = runs.values()
    f = new.figures

    def each(key: str) -> list[object]:
        return [run.figures[key] for run in runs.values()]

    rows = [
        f"mailbot reading benchmark: {f['mails']} mails, {f['expected_lines']} expected lines, "
        f"{f['asks']} asks, corpus {new.corpus_sha256[:12]}",
        "",
        _row("", list(runs)),
        _row("lines priced right", [f"{100 * a:.1f} %" for a in each("automation")]),  # type: ignore[operator]
        _row("wrong lines", each("wrong_lines")),
        _row("silent drops", each("silent_drops")),
        _row("asks asked", [f"{run.figures['asked']}/{f['asks']}" for run in runs.values()]),
        _row("asks rejected instead of asked", each("rejected_instead_of_asked")),
        _row("rejected lines that are no line", each("rejected_non_lines")),
        _row("mails fully right", [f"{m}/{f['mails']}" for m in each("mails_fully_right")]),
        _row("reading ms per message, median", [f"{run.median_ms:.1f}" for run in runs.values()]),
        _row("reading ms per message, mean", [f"{run.mean_ms:.1f}" for run in runs.values()]),
    ]
    if len(runs) == 2:
        old = list(runs.values())[1]
        rows.append(
            f"reading time new/old: {new.median_ms / old.median_ms:.2f} (median), "
            f"{new.mean_ms / old.mean_ms:.2f} (mean)"
        )
    rows += ["", "lines priced right by shape of mail (mails, lines):"]
    for shape, counts in f["by_shape"].items():
        shares = [
            f"{100 * run.figures['by_shape'][shape]['right'] / max(counts['expected'], 1):.0f} %"
            for run in runs.values()
        ]
        rows.append(_row(f"  {shape} ({counts['mails']}, {counts['expected']})", shares))
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    options = _arguments(argv)
    new = measure(options.count, options.seed)
    if options.child:
        print(json.dumps(asdict(new)))
        return 0
    runs = {"now": new}
    if options.baseline:
        runs[f"old ({BASELINE})"] = baseline(options.count, options.seed)
    if options.json:
        print(json.dumps({name: asdict(run) for name, run in runs.items()}, indent=2))
    else:
        print(table(runs))
        if new.failures:
            print(f"\nfirst mails not read fully right (now):\n{new.failures}")
        verdict = "met" if new.meets_goal else "NOT met"
        goal = f">= {100 * GOAL:.0f} % right, 0 wrong, 0 silent, every ask asked"
        print(f"\ngoal ({goal}): {verdict}")
    return 1 if new.figures["wrong_lines"] or new.figures["silent_drops"] else 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="order lines read right, against the old reader")
    parser.add_argument("--count", type=int, default=200, help="mails in the corpus (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument(
        "--no-baseline", dest="baseline", action="store_false", help="skip the old reader's run"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.count < 1:
        parser.error("--count must be at least 1")
    return options


if __name__ == "__main__":
    sys.exit(main())
