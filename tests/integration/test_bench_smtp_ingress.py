"""The SMTP benchmark with the processor running: its figures' shape from a small run, and its
checks, which fail when the backlog is not processed, a processor pass failed or a message
was stored twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from smtp_ingress import _check  # noqa: E402
from smtp_processing import (  # noqa: E402
    LockTimes,
    Processing,
    backlog_app,
    check_backlog,
    finished_between,
)

from mailbot.services.inbox.processing import BATCH_SECONDS  # noqa: E402

MESSAGES = 8
BACKLOG = 40


def test_a_small_run_reports_the_waits_with_and_without_the_processor() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "smtp_ingress.py"),
            "--messages",
            str(MESSAGES),
            "--size",
            "2000",
            "--while-processing",
            str(BACKLOG),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["while_processing"] == BACKLOG
    assert figures["batch_seconds"] == BATCH_SECONDS
    rows = [(row["connections"], row["server"]) for row in figures["waits"]]
    servers = ["bare", "mailbot", "mailbot + processor"]
    assert rows == [(c, server) for c in (1, 8) for server in servers]
    for row in figures["waits"]:
        waits = row["waits"]
        # One wait per message, as the clients timed it; with the processor, those answered
        # before it ran out of work (none when the backlog was gone before the first 250).
        answered = row.get("answered_while_busy", MESSAGES)
        assert 0 <= answered <= MESSAGES
        assert waits["count"] == answered
        assert waits["median_ms"] > 0 if answered else waits["median_ms"] == 0
        assert waits["median_ms"] <= waits["p99_ms"] <= waits["max_ms"]
        assert row["per_second"] > 0
        assert row["deferred"] >= 0  # 451s, each followed by the same message sent again
        if row["server"] == "bare":
            assert "store_lock_waits" not in row
            continue
        assert row["store_lock_waits"]["count"] >= 1  # each group commit's BEGIN IMMEDIATE
        if row["server"] == "mailbot":
            assert "backlog_done" not in row
            continue
        assert set(row["processor_lock_holds"]) == {"count", "median_ms", "p99_ms", "max_ms"}
        assert 0 <= row["backlog_done"] <= BACKLOG
        assert 0 <= row["backlog_left"] <= BACKLOG - row["backlog_done"]


def test_the_backlog_check_fails_until_the_processor_has_drained_it(tmp_path: Path) -> None:
    app, backlog = backlog_app(tmp_path, 6)
    try:
        assert len(set(backlog)) == 6
        assert check_backlog(app, backlog, []) == ["0 of 6 backlog messages processed; 6 stored"]
        locks = LockTimes(app.engine)
        before = app.clock.now()
        with Processing(app) as processing:  # returns after its first pass: all six claimed
            app.store(b"Subject: during\r\n\r\nstored while the processor runs\r\n", "smtp")
        after = app.clock.now()
        taken = locks.take()
        assert processing.handled >= 6
        assert processing.failures == []
        assert finished_between(app, backlog, before, after) == 6
        assert finished_between(app, backlog, after, app.clock.now()) == 0
        assert taken.store_waits.count == 1  # the one store from this (not the processor) thread
        assert taken.processor_holds.count >= 2  # the claim's transaction and the batch's
        assert locks.take().processor_holds.count == 0  # taken once
        assert check_backlog(app, backlog, []) == []
        assert check_backlog(app, backlog, ["OperationalError('database is locked')"]) == [
            "1 processor passes failed, e.g. OperationalError('database is locked')"
        ]
    finally:
        app.close()


def test_a_lost_or_doubled_smtp_message_fails_the_check() -> None:
    assert _check(stored=10, distinct=10, sent=10, kept=20, sent_to_bare=20) == []
    assert _check(stored=10, distinct=9, sent=10, kept=20, sent_to_bare=20) == [
        "mailbot stored 10 messages (9 different) of 10 sent"
    ]
    assert _check(stored=9, distinct=9, sent=10, kept=19, sent_to_bare=20) == [
        "mailbot stored 9 messages (9 different) of 10 sent",
        "the bare server kept 19 of 20",
    ]
