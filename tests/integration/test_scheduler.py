"""`mailbot run`'s scheduler: an APScheduler job that ticks, acts on what is due, and stops."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from mailbot.bootstrap import bootstrap
from mailbot.config import load_config
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import headers, mail
from tests.pipeline import FLEET, ingest
from tests.servers import wait_for


def test_the_runner_ticks_due_deadlines_and_stops_cleanly(
    environ: dict[str, str], engine: Engine
) -> None:
    """With the scheduler on, `run` reminds a client whose quote is nearly due, mails the
    reminder, and stops its ticker with the rest."""
    config = load_config(
        environ={
            **environ,
            "MAILBOT_SCHEDULER__ENABLED": "true",
            "MAILBOT_SCHEDULER__TICK_SECONDS": "1",
            "MAILBOT_SCHEDULER__DIGEST_TIME": "23:59",
            "MAILBOT_SMTP_INGRESS__ENABLED": "false",
            "MAILBOT_DEADLINES__AGREEMENT_HOURS": "8",
            "MAILBOT_DEADLINES__REMINDER_HOURS_BEFORE": "2",
        }
    )
    clock = FixedClock(datetime(2026, 11, 20, 14, 0, tzinfo=UTC))  # Friday 16:00 local
    transport = RecordingTransport()
    app = bootstrap(config, engine=engine, transport=transport, clock=clock)
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 2"))
    clock.advance(datetime(2026, 11, 23, 11, 0, tzinfo=UTC) - clock.now())  # Monday 13:00
    runner = Runner(app)
    runner.start()
    try:
        wait_for(lambda: len(transport.delivered) == 2, what="the quote and the reminder")
    finally:
        runner.stop()
    assert runner.ticker is not None
    assert not runner.ticker.running
    reminder = headers(transport.delivered[1].raw)
    assert reminder["Subject"].startswith("Reminder: order ORD-2026-")
    assert transport.delivered[1].recipients == ("buying@fleetparts.example",)
