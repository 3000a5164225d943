"""Held-out reading check: the hand-written mails of `tests/holdout_orders.py` through a real
desk, scored like the reading corpus, with what went wrong in each mail.

    .venv/bin/python bench/holdout.py [--all] [--json]

On a fresh SQLite database with the held-out catalogue as the active price list, every mail is
stored and processed; its order is scored by `tests/reading_score.py`. Beyond that score, each
line a person would price but the reader asked about or refused is named, each SKU on no price
list is checked to be reported, and rejected lines that are no order line (phone numbers, dates,
totals) are listed. Exits 1 when a line is priced wrong or vanished silently.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the mails and the score live with the tests

from tests.holdout_check import Verdict, figures, judge_all, summary  # noqa: E402
from tests.holdout_mail import Holdout  # noqa: E402
from tests.holdout_orders import CATALOGUE, blind_mails, probe_mails  # noqa: E402
from tests.reading_desk import fresh_desk  # noqa: E402


def run(mails: Sequence[Holdout]) -> list[Verdict]:
    """The held-out `mails` through a fresh desk on SQLite, judged."""
    with fresh_desk(CATALOGUE) as app:
        verdicts = judge_all(app, mails)
    return verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="held-out order mails through a real desk")
    parser.add_argument("--all", action="store_true", help="describe clean mails too")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    blind, probes = blind_mails(), probe_mails()
    verdicts = run([*blind, *probes])
    sets = {"blind": verdicts[: len(blind)], "probes": verdicts[len(blind) :]}
    counts = {label: figures(group) for label, group in sets.items()}
    if options.json:
        print(json.dumps(counts, indent=2))
    else:
        for label, group in sets.items():
            print(f"--- {label} ---")
            for verdict in group:
                if options.all or not verdict.clean:
                    print(verdict.describe())
        print()
        for label, group_counts in counts.items():
            print(summary(label, group_counts))
    bad = any(c["priced_wrong"] or c["silent_drops"] for c in counts.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
