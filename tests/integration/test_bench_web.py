"""bench/web.py does the work it times: a short run on each database passes its own check
(every page lists the orders and supplier parts the generator wrote, the bare query the same)
and prints a ratio for each page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "web.py"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_short_run_checks_its_pages_and_prints_the_ratios(database: str) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--orders", "300", "--runs", "2", "--database", database],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    for page in ("first page", "page 6", "status shipped", "one client"):
        assert page in run.stdout
    assert "ratio" in run.stdout
