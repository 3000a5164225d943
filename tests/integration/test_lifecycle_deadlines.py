"""Deadlines opened and closed by the order's steps, on SQLite and PostgreSQL: through the
processor and `Jobs.run_due` at chosen moments (quoted on Friday 16:00 in Bucharest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.services.partners.editing import Changes, edit_partner
from mailbot.services.partners.terms import Terms
from mailbot.storage.models import Deadline, OutboundMessage
from tests.fakes import FixedClock, RecordingTransport
from tests.lifecycle import CLIENT, agree_and_send, answer, last_to, quote
from tests.mail import headers, parts
from tests.pipeline import FLEET, outbox

FRIDAY_4PM = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 16:00 in Bucharest (UTC+2)
MANAGER = "manager@distributor.example"
# 24 business hours (09:00-18:00) from Friday 16:00 are due Wednesday 13:00 local: the
# supplier is reminded 2 hours before, the managers told 1 hour after.
CONFIRM_BY = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
REMIND_AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ESCALATE_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def short_app(environ: dict[str, str], engine: Engine, transport: RecordingTransport) -> App:
    """The demo desk with 8-hour agreement windows and short stages, its clock on Friday 16:00."""
    config = load_config(
        environ={
            **environ,
            "MAILBOT_DEADLINES__AGREEMENT_HOURS": "8",
            "MAILBOT_DEADLINES__REMINDER_HOURS_BEFORE": "2",
            "MAILBOT_DEADLINES__ESCALATION_HOURS_AFTER": "1",
            "MAILBOT_DEADLINES__EXPIRY_HOURS_AFTER": "2",
            "MAILBOT_SCHEDULER__DIGEST_TIME": "23:59",
        }
    )
    app = bootstrap(config, engine=engine, transport=transport, clock=FixedClock(FRIDAY_4PM))
    seed_demo(app)
    return app


def tick(app: App, now: datetime) -> list[tuple[str, str, str]]:
    """Run what is due at `now`; each deadline acted on as (kind, stage, summary)."""
    return [(a.kind, a.stage, a.summary) for a in app.jobs.run_due(now).deadlines]


def mails(app: App, kind: str) -> list[OutboundMessage]:
    return [message for message in outbox(app) if message.kind == kind]


def deadlines(app: App) -> list[tuple[str, str, datetime]]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(Deadline).order_by(Deadline.id)).all()
        return [(d.kind, d.status, d.due_at.replace(tzinfo=UTC)) for d in rows]


def test_agree_closes_the_agreement_window_so_no_reminder_follows(short_app: App) -> None:
    """After AGREE the quote's window is done: Monday brings the client no reminder and the
    managers no escalation, and the quote's expiry never comes."""
    number = agree_and_send(short_app)
    assert deadlines(short_app) == [
        ("client_agreement", "done", datetime(2026, 11, 23, 13, 0, tzinfo=UTC)),
        ("supplier_confirmation", "open", CONFIRM_BY),
    ]
    for moment in ("2026-11-23T11:00", "2026-11-23T14:00", "2026-11-23T15:00"):
        assert tick(short_app, datetime.fromisoformat(moment + "+00:00")) == []
    assert [m.recipient for m in mails(short_app, "deadline_reminder")] == []
    assert mails(short_app, "quote_expired") == []
    with short_app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None
        assert order.status == "sent"


def test_a_silent_supplier_is_reminded_then_managers_told_at_the_right_local_times(
    short_app: App,
) -> None:
    """The order file says when to confirm by; the supplier is reminded in Romanian at 11:00
    local on Wednesday and every manager told at 14:00 that the supplier did not confirm."""
    number = agree_and_send(short_app)
    order_file = last_to(short_app, SUPPLIER, "order_file")
    assert "confirmați până la 25 noiembrie 2026, 13:00 GMT+02:00" in parts(order_file.raw)["plain"]

    assert tick(short_app, REMIND_AT - SECOND) == []
    assert tick(short_app, REMIND_AT) == [
        ("supplier_confirmation", "remind", "reminded Balkan Truck Parts SRL")
    ]
    (reminder,) = mails(short_app, "deadline_reminder")
    assert reminder.recipient == SUPPLIER
    assert headers(reminder.raw)["Subject"] == f"Memento: comanda {number}"
    assert headers(reminder.raw)["In-Reply-To"] == order_file.message_id
    assert "Așteptăm încă confirmarea" in parts(reminder.raw)["plain"]
    assert "25 noiembrie 2026, 13:00 GMT+02:00" in parts(reminder.raw)["plain"]

    assert tick(short_app, ESCALATE_AT - SECOND) == []
    assert tick(short_app, ESCALATE_AT) == [
        ("supplier_confirmation", "escalate", "escalated to 1 manager(s)")
    ]
    (escalation,) = mails(short_app, "deadline_escalation")
    assert escalation.recipient == MANAGER
    text = parts(escalation.raw)["plain"]
    assert "Balkan Truck Parts SRL <sales@balkan-truck-parts.example> was to confirm" in text
    assert "Please contact the supplier" in text
    assert tick(short_app, ESCALATE_AT + timedelta(days=7)) == []
    assert len(mails(short_app, "deadline_reminder")) == 1


@pytest.mark.parametrize("body", ["Confirmăm", "Parțial:\nSAF-2234 x 3"])
def test_a_supplier_that_confirms_in_whole_or_in_part_is_not_reminded_to_confirm(
    short_app: App, body: str
) -> None:
    """Once the supplier answers (a whole or a partial confirmation) its window to confirm is
    done: no reminder, no escalation about confirming; a partial one waits on the client, who
    is not reminded either."""
    agree_and_send(short_app)
    assert isinstance(short_app.clock, FixedClock)
    short_app.clock.advance(timedelta(days=3))  # Monday 16:00 local
    outcome = answer(short_app, "order_file", SUPPLIER, body)
    assert "confirmed" in outcome.summary or "partial" in outcome.summary, outcome
    assert [(kind, status) for kind, status, _ in deadlines(short_app)][:2] == [
        ("client_agreement", "done"),
        ("supplier_confirmation", "done"),
    ]
    assert tick(short_app, REMIND_AT) == []
    assert tick(short_app, ESCALATE_AT) == []
    assert mails(short_app, "deadline_reminder") == []
    assert mails(short_app, "deadline_escalation") == []


def test_a_full_confirmation_opens_the_shipping_promise_that_shipping_closes(
    short_app: App,
) -> None:
    """A supplier that confirms all its lines is held to ship within `deadlines.shipping_days`
    (the demo list gives no delivery days): reminded before, managers told after; a partial
    confirmation opens none, and SHIPPED closes it."""
    agree_and_send(short_app)
    assert isinstance(short_app.clock, FixedClock)
    confirmed_at = short_app.clock.now()
    answer(short_app, "order_file", SUPPLIER, "Confirmăm")
    shipping = [(status, due) for kind, status, due in deadlines(short_app) if kind == "shipping"]
    assert shipping == [("open", confirmed_at + timedelta(days=5))]
    due = confirmed_at + timedelta(days=5)
    assert [stage for _, stage, _ in tick(short_app, due)] == ["remind"]
    (reminder,) = mails(short_app, "deadline_reminder")
    assert reminder.recipient == "sales@balkan-truck-parts.example"
    short_app.clock.advance(timedelta(days=5, hours=1))
    outcome = answer(short_app, "order_file", SUPPLIER, "EXPEDIAT 25.11.2026 DPD")
    assert "shipped" in outcome.summary, outcome
    assert [s for k, s, _ in deadlines(short_app) if k == "shipping"] == ["done"]
    assert tick(short_app, due + timedelta(days=7)) == []
    assert mails(short_app, "deadline_escalation") == []


def test_a_cancelled_order_closes_every_open_deadline(short_app: App) -> None:
    """CANCEL after the order files went out closes the suppliers' windows: nothing is due."""
    agree_and_send(short_app)
    outcome = answer(short_app, "order_answer", FLEET, "CANCEL")
    assert "cancelled" in outcome.summary, outcome
    assert [status for _, status, _ in deadlines(short_app)] == ["done", "done"]
    assert tick(short_app, ESCALATE_AT) == []
    assert mails(short_app, "deadline_reminder") == []


def test_times_are_shown_in_each_partners_own_time_zone(short_app: App) -> None:
    """A client in London reads its answer-by time in GMT and a supplier in Moscow its
    confirm-by time in Moscow time; the windows stay in the desk's business hours."""
    now = short_app.clock.now()
    edit_partner(short_app.uow, CLIENT, Changes(terms=Terms(timezone="Europe/London")), now=now)
    edit_partner(short_app.uow, SUPPLIER, Changes(terms=Terms(timezone="Europe/Moscow")), now=now)
    quote(short_app)
    (quoted,) = mails(short_app, "quote")
    assert "Please answer by 23 November 2026, 13:00 GMT" in parts(quoted.raw)["plain"]
    answer(short_app, "quote", FLEET, "AGREE")
    order_file = last_to(short_app, SUPPLIER, "order_file")
    assert "până la 25 noiembrie 2026, 14:00 GMT+03:00" in parts(order_file.raw)["plain"]
    assert tick(short_app, REMIND_AT) == [
        ("supplier_confirmation", "remind", "reminded Balkan Truck Parts SRL")
    ]
    (reminder,) = mails(short_app, "deadline_reminder")
    assert "25 noiembrie 2026, 14:00 GMT+03:00" in parts(reminder.raw)["plain"]


def test_orders_release_opens_the_suppliers_window_too(
    short_app: App, environ: dict[str, str]
) -> None:
    """A held order released by `mailbot orders release` sends its order file with a time to
    confirm by and opens the supplier's window, as an AGREE does."""
    edit_partner(
        short_app.uow, CLIENT, Changes(terms=Terms(credit_limit="100")), now=short_app.clock.now()
    )
    number = quote(short_app)
    assert "held" in answer(short_app, "quote", FLEET, "AGREE").summary
    assert [(kind, status) for kind, status, _ in deadlines(short_app)] == [
        ("client_agreement", "done")
    ]
    cli = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    result = cli.invoke(main, ["orders", "release", number], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [(kind, status) for kind, status, _ in deadlines(short_app)][1:] == [
        ("supplier_confirmation", "open")
    ]
    order_file = last_to(short_app, SUPPLIER, "order_file")
    assert "Vă rugăm să confirmați până la" in parts(order_file.raw)["plain"]
