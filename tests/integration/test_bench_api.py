"""bench/api.py does the work it times: a short run on each database passes its own check
(every validate answer applied SPRING10, every reservation reserved BENCH10 and the campaign
counts each one, the floor's counter counts every request)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "api.py"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_short_run_checks_its_work_and_prints_the_ratio(database: str) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--requests", "20", "--clients", "2", "--database", database],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "POST /api/v1/vouchers/validate" in run.stdout
    assert "POST /api/v1/vouchers/reservations" in run.stdout
    assert "ratio" in run.stdout
