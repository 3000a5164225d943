"""The story of a client who never answers: a quote with a voucher code by SMTP on Friday
afternoon, a reminder on Monday, the managers told, and the quote expired at the right local
time with its code released, all by real mail."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from mailbot.services.vouchers.campaigns import Limits, create_campaign
from mailbot.storage.models import VoucherRedemption
from tests.fakes import FixedClock
from tests.mail import DESK, headers, mail, parts
from tests.servers import Relay, start_relay

FRIDAY_4PM = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 16:00 in Bucharest


@pytest.fixture
def story(
    environ: dict[str, str], engine: Engine
) -> Iterator[tuple[App, Runner, Relay, FixedClock]]:
    """mailbot with its listener, sender and a ticker every second, replying through a relay,
    on a clock that the test moves."""
    relay, controller = start_relay()
    config = load_config(
        environ={
            **environ,
            "MAILBOT_SMTP_OUTGOING__HOST": "127.0.0.1",
            "MAILBOT_SMTP_OUTGOING__PORT": str(relay.port),
            "MAILBOT_SCHEDULER__ENABLED": "true",
            "MAILBOT_SCHEDULER__TICK_SECONDS": "1",
            "MAILBOT_SCHEDULER__DIGEST_TIME": "23:59",
            "MAILBOT_DEADLINES__AGREEMENT_HOURS": "8",
            "MAILBOT_DEADLINES__REMINDER_HOURS_BEFORE": "2",
            "MAILBOT_DEADLINES__ESCALATION_HOURS_AFTER": "1",
            "MAILBOT_DEADLINES__EXPIRY_HOURS_AFTER": "2",
        }
    )
    clock = FixedClock(FRIDAY_4PM)
    app = bootstrap(config, engine=engine, clock=clock)
    seed_demo(app)
    terms = {"benefit": {"kind": "percent", "value": "10"}}
    create_campaign(app.uow, name="Winter", kind="promotional", terms=terms, limits=Limits(),
                    now=FRIDAY_4PM, code="WINTER25")  # fmt: skip
    runner = Runner(app)
    runner.start()
    yield app, runner, relay, clock
    runner.stop()
    controller.stop()


def at_local(clock: FixedClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


def test_an_unanswered_quote_expires_at_the_right_local_time(
    story: tuple[App, Runner, Relay, FixedClock],
) -> None:
    """Quoted Friday 16:00 with 8 business hours to agree: reminded Monday 13:00, managers told
    at 16:00, expired at 17:00 local with its voucher code released, each mail threaded to the
    quote."""
    app, runner, relay, clock = story
    assert runner.ingress is not None
    order = mail(sender="buying@fleetparts.example", subject="Order WINTER25", body="BPW-0310 x 2")
    with smtplib.SMTP("127.0.0.1", runner.ingress.port) as smtp:
        smtp.sendmail("buying@fleetparts.example", [DESK], order)
    (quote,) = relay.wait_for_count(1)
    quote_id = headers(quote.raw)["Message-ID"]
    text = parts(quote.raw)["plain"]
    assert "Please answer by 23 November 2026, 15:00 GMT+02:00" in text
    assert "reserved for you until 23 November 2026, 17:00 GMT+02:00" in text

    at_local(clock, datetime(2026, 11, 23, 11, 0, tzinfo=UTC))  # Monday 13:00
    reminder = relay.wait_for_count(2)[1]
    assert reminder.recipients == ["buying@fleetparts.example"]
    assert headers(reminder.raw)["In-Reply-To"] == quote_id

    # Each stage at its own time: a tick that found escalation and expiry both due would act
    # on the expiry alone (a late tick skips the stages it overtook).
    at_local(clock, datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # Monday 16:00
    told = relay.wait_for_count(3)[2]
    assert told.recipients == ["manager@distributor.example"]
    assert headers(told.raw)["Subject"].startswith("Deadline missed: order ORD-2026-")
    at_local(clock, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # Monday 17:00
    expired = relay.wait_for_count(4)[3]
    assert expired.recipients == ["buying@fleetparts.example"]
    assert headers(expired.raw)["Subject"].endswith("has expired")
    assert headers(expired.raw)["References"] == quote_id
    assert "reserved with it can be used again: WINTER25" in parts(expired.raw)["plain"]
    with app.uow() as uow:
        (stored,) = uow.orders.list()
        assert stored.status == "expired"
        (code,) = uow.session.scalars(select(VoucherRedemption)).all()
        assert (code.status, code.release_reason) == ("released", "quote expired")
