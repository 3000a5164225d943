"""Deadlines on SQLite and PostgreSQL: reminders, escalations and expiry at the right local
time, through `jobs run-due --now`; exactly once with two instances, a crash or a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.config import Config, load_config
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.deadlines import DeadlineKind
from mailbot.services.schedule.deadlines import Acted, close_deadlines, open_deadline, run_due
from mailbot.storage.database import make_engine
from mailbot.storage.models import Deadline, OrderTransition, OutboundMessage
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import headers, mail, parts
from tests.pipeline import FLEET, ingest, order_of, outbox

# Friday 20 November 2026, 16:00 in Bucharest (EET, UTC+2).
FRIDAY_4PM = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
SHORT = {
    "MAILBOT_DEADLINES__AGREEMENT_HOURS": "8",
    "MAILBOT_DEADLINES__REMINDER_HOURS_BEFORE": "2",
    "MAILBOT_DEADLINES__ESCALATION_HOURS_AFTER": "1",
    "MAILBOT_DEADLINES__EXPIRY_HOURS_AFTER": "2",
}


@pytest.fixture
def short_environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, **SHORT}


@pytest.fixture
def short_app(short_environ: dict[str, str], engine: Engine, transport: RecordingTransport) -> App:
    """The app with 8-hour agreement windows, quoting on Friday at 16:00 local time."""
    config = load_config(environ=short_environ)
    return bootstrap(config, engine=engine, transport=transport, clock=FixedClock(FRIDAY_4PM))


def run_due_at(cli: CliRunner, now: str) -> str:
    """What `jobs run-due --now` did with deadlines (digests and reports left out)."""
    result = cli.invoke(main, ["jobs", "run-due", "--now", now], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return "".join(line for line in result.output.splitlines(True) if line.startswith("deadline"))


def mails(app: App, kind: str) -> list[OutboundMessage]:
    return [message for message in outbox(app) if message.kind == kind]


def test_quote_on_friday_afternoon_is_reminded_escalated_and_expires_on_monday(
    short_app: App, short_environ: dict[str, str]
) -> None:
    """8 business hours from Friday 16:00 are due Monday 15:00: reminder at 13:00, managers at
    16:00, expiry at 17:00 local, each once, and the quote said when to answer by."""
    seed_demo(short_app)
    _, outcome = ingest(short_app, mail(sender=FLEET, body="BPW-0310 x 2"))
    number = order_of(short_app, outcome)["number"]
    (quote,) = outbox(short_app)
    assert "Please answer by 23 November 2026, 15:00 GMT+02:00" in parts(quote.raw)["plain"]
    cli = CliRunner(env={**short_environ, "MAILBOT_CONFIG": ""})

    assert run_due_at(cli, "2026-11-20T16:01:00+02:00") == ""
    assert run_due_at(cli, "2026-11-23T12:59:00+02:00") == ""
    reminded = run_due_at(cli, "2026-11-23T13:00:00+02:00")
    assert f"{number} client_agreement: remind: reminded Fleet Parts Ltd" in reminded
    assert run_due_at(cli, "2026-11-23T13:30:00+02:00") == ""
    (reminder,) = mails(short_app, "deadline_reminder")
    assert reminder.recipient == "buying@fleetparts.example"
    assert headers(reminder.raw)["In-Reply-To"] == quote.message_id
    assert "by 23 November 2026, 15:00 GMT+02:00" in parts(reminder.raw)["plain"]

    assert run_due_at(cli, "2026-11-23T15:59:00+02:00") == ""
    assert "escalated to 1 manager(s)" in run_due_at(cli, "2026-11-23T16:00:00+02:00")
    (escalation,) = mails(short_app, "deadline_escalation")
    assert escalation.recipient == "manager@distributor.example"
    assert headers(escalation.raw)["References"] == quote.message_id

    expired = json.loads(
        cli.invoke(main, ["jobs", "run-due", "--now", "2026-11-23T17:00:00+02:00", "--json"]).output
    )
    assert [(d["order"], d["stage"]) for d in expired["deadlines"]] == [(number, "expire")]
    (notice,) = mails(short_app, "quote_expired")
    assert "has expired" in headers(notice.raw)["Subject"]
    assert "send us your order as a new message" in parts(notice.raw)["plain"]
    shown = json.loads(cli.invoke(main, ["orders", "show", number, "--json"]).output)
    assert shown["status"] == "expired"
    with short_app.uow() as uow:
        steps = uow.session.scalars(select(OrderTransition).order_by(OrderTransition.id)).all()
        assert [(s.status, s.actor_id, s.at) for s in steps][-1] == (
            "expired",
            None,
            datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        )
        assert [s.status for s in steps] == ["quoted", "expired"]
    assert run_due_at(cli, "2026-11-30T12:00:00+02:00") == ""
    assert len(mails(short_app, "deadline_reminder")) == 1


def quote_orders(app: App, count: int) -> None:
    seed_demo(app)
    for n in range(count):
        ingest(app, mail(sender=FLEET, body=f"BPW-0310 x {n + 1}"))


def reminders_by_order(app: App) -> dict[int | None, int]:
    counted: dict[int | None, int] = {}
    for message in mails(app, "deadline_reminder"):
        counted[message.order_id] = counted.get(message.order_id, 0) + 1
    return counted


def other_instance(config: Config, database_url: str) -> App:
    """A second mailbot process's app: its own engine and connections to the same database."""
    return bootstrap(
        config,
        engine=make_engine(database_url),
        transport=RecordingTransport(),
        clock=FixedClock(FRIDAY_4PM),
    )


LATER = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # Monday 13:30 local: reminders are due


def test_two_instances_remind_each_deadline_once(
    short_app: App, short_environ: dict[str, str], database_url: str
) -> None:
    """Two instances running the due deadlines at the same moment send one reminder each, and
    a restarted instance goes on with the next stage instead of reminding again."""
    quote_orders(short_app, 8)
    config = load_config(environ=short_environ)
    instances = [other_instance(config, database_url) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[list[Acted]] = [[], []]

    def tick(n: int) -> None:
        app = instances[n]
        with app.uow() as uow:  # open the connection before the race
            uow.deadlines.due(LATER, 1)
        start.wait()
        results[n] = run_due(app.uow, LATER, settings=app.deadlines, replies=app.replies)

    threads = [threading.Thread(target=tick, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in instances:
        app.close()
    acted = [a.deadline_id for a in results[0] + results[1]]
    assert sorted(acted) == list(range(1, 9))
    assert reminders_by_order(short_app) == dict.fromkeys(range(1, 9), 1)

    restarted = other_instance(config, database_url)
    again = run_due(restarted.uow, LATER, settings=restarted.deadlines, replies=restarted.replies)
    restarted.close()
    assert again == []  # escalations come at 16:00, and the reminders are not repeated
    assert reminders_by_order(short_app) == dict.fromkeys(range(1, 9), 1)


def test_a_crash_after_the_claim_is_made_good_once_the_lease_runs_out(short_app: App) -> None:
    """A deadline claimed by an instance that died is left alone while its lease lasts, then
    reminded exactly once."""
    quote_orders(short_app, 1)
    app, settings = short_app, short_app.deadlines
    assert run_due(app.uow, FRIDAY_4PM, settings=settings, replies=app.replies) == []
    with app.uow() as uow:
        (deadline,) = uow.session.scalars(select(Deadline)).all()
        assert uow.deadlines.claim(deadline.id, "remind", LATER, LATER + settings.lease)
        uow.commit()  # ... and that instance dies before it sends anything
    assert run_due(app.uow, LATER, settings=settings, replies=app.replies) == []
    during = LATER + settings.lease - timedelta(seconds=1)
    assert run_due(app.uow, during, settings=settings, replies=app.replies) == []
    assert mails(app, "deadline_reminder") == []
    after = LATER + settings.lease + timedelta(seconds=1)
    (acted,) = run_due(app.uow, after, settings=settings, replies=app.replies)
    assert acted.stage == "remind"
    assert run_due(app.uow, after, settings=settings, replies=app.replies) == []
    assert len(mails(app, "deadline_reminder")) == 1
    with app.uow() as uow:
        (deadline,) = uow.session.scalars(select(Deadline)).all()
        assert (deadline.stage, deadline.lease_until, deadline.attempts) == ("escalate", None, 0)


def test_a_quote_answered_meanwhile_closes_its_deadline_quietly(short_app: App) -> None:
    """A deadline whose order no longer waits (agreed, cancelled) is closed without a mail."""
    quote_orders(short_app, 1)
    with short_app.uow() as uow:
        (order,) = uow.orders.list()
        order.status = "agreed"
        uow.commit()
    (acted,) = run_due(
        short_app.uow, LATER, settings=short_app.deadlines, replies=short_app.replies
    )
    assert acted.summary == "closed: order is agreed"
    assert mails(short_app, "deadline_reminder") == []
    with short_app.uow() as uow:
        (deadline,) = uow.session.scalars(select(Deadline)).all()
        assert deadline.status == "done"


def test_a_supplier_is_reminded_until_its_deadline_is_closed(short_app: App) -> None:
    """A supplier confirmation deadline reminds the supplier in its language; once closed
    (the supplier answered) nothing more happens, no escalation either."""
    quote_orders(short_app, 1)
    app, settings = short_app, short_app.deadlines
    kind = "supplier_confirmation"
    with app.uow() as uow:
        (order,) = uow.orders.list()
        order.status = "sent"
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        due_at = settings.due(DeadlineKind.SUPPLIER_CONFIRMATION, FRIDAY_4PM)
        open_deadline(uow, kind=kind, order_id=order.id, partner_id=supplier.id,
                      due_at=due_at, now=FRIDAY_4PM)  # fmt: skip
        uow.commit()
    # 24 business hours from Friday 16:00: Wednesday 13:00 local; reminded 2 hours before.
    assert due_at == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    run_due(app.uow, FRIDAY_4PM, settings=settings, replies=app.replies)
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    acted = run_due(app.uow, wednesday, settings=settings, replies=app.replies)
    assert [(a.kind, a.stage, a.summary) for a in acted] == [
        ("client_agreement", "remind", "closed: order is sent"),
        (kind, "remind", "reminded Balkan Truck Parts SRL"),
    ]
    (reminder,) = mails(app, "deadline_reminder")
    assert reminder.recipient == SUPPLIER
    assert headers(reminder.raw)["Subject"].startswith("Memento: comanda ORD-2026-")
    with app.uow() as uow:
        assert close_deadlines(uow, order_id=order.id, kinds=[kind], now=wednesday) == 1
        uow.commit()
    week_later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert run_due(app.uow, week_later, settings=settings, replies=app.replies) == []
    assert mails(app, "deadline_escalation") == []


def test_a_stage_that_fails_is_retried_after_its_lease(
    short_app: App, short_environ: dict[str, str], tmp_path: Path
) -> None:
    """A reminder that cannot be written keeps its error and is tried again once the lease
    runs out, then sent once."""
    quote_orders(short_app, 1)
    broken = tmp_path / "templates" / "mail"
    broken.mkdir(parents=True)
    (broken / "deadline_reminder.txt.j2").write_text("{{ no_such_thing.attribute }}")
    environ = {**short_environ, "MAILBOT_TEMPLATES__FOLDER": str(tmp_path / "templates")}
    failing = bootstrap(load_config(environ=environ), engine=short_app.engine,
                        clock=FixedClock(LATER))  # fmt: skip
    settings = failing.deadlines
    assert run_due(failing.uow, LATER, settings=settings, replies=failing.replies) == []
    with short_app.uow() as uow:
        (deadline,) = uow.session.scalars(select(Deadline)).all()
        assert "no_such_thing" in deadline.last_error
        assert (deadline.stage, deadline.attempts) == ("remind", 1)
    after = LATER + settings.lease + timedelta(seconds=1)
    (acted,) = run_due(short_app.uow, after, settings=settings, replies=short_app.replies)
    assert acted.stage == "remind"
    assert len(mails(short_app, "deadline_reminder")) == 1


def test_two_mailbot_processes_remind_each_deadline_once(
    short_app: App, short_environ: dict[str, str]
) -> None:
    """Two `mailbot jobs run-due` processes started together on one database between them
    remind each client once."""
    quote_orders(short_app, 6)
    environ = {**os.environ, **short_environ, "MAILBOT_CONFIG": ""}
    command = [sys.executable, "-m", "mailbot", "jobs", "run-due", "--json",
               "--now", "2026-11-23T13:30:00+02:00"]  # fmt: skip
    processes = [
        subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    acted = [d["order"] for out in outputs for d in json.loads(out)["deadlines"]]
    assert sorted(acted) == [f"ORD-2026-{n:06d}" for n in range(1, 7)]
    assert reminders_by_order(short_app) == dict.fromkeys(range(1, 7), 1)


def order_mail(app: App) -> list[str]:
    """The kinds of mail sent about orders, in order (the managers' digest left out)."""
    return [message.kind for message in outbox(app) if message.kind != "digest"]


def test_after_a_day_down_one_tick_sends_only_the_expiry_notice(
    short_app: App, short_environ: dict[str, str]
) -> None:
    """Down from Friday until Tuesday 16:00, a day past the quote's expiry (Monday 17:00): the
    first tick expires the quote and tells the client, with no stale reminder to answer by
    Monday 15:00 and no escalation; later ticks send nothing more."""
    seed_demo(short_app)
    _, outcome = ingest(short_app, mail(sender=FLEET, body="BPW-0310 x 2"))
    number = order_of(short_app, outcome)["number"]
    cli = CliRunner(env={**short_environ, "MAILBOT_CONFIG": ""})

    done = run_due_at(cli, "2026-11-24T16:00:00+02:00")
    assert f"{number} client_agreement: expire: expired; Fleet Parts Ltd told" in done
    assert "skipped, overtaken: remind, escalate" in done
    assert order_mail(short_app) == ["quote", "quote_expired"]
    (notice,) = mails(short_app, "quote_expired")
    assert notice.recipient == "buying@fleetparts.example"
    with short_app.uow() as uow:
        (deadline,) = uow.session.scalars(select(Deadline)).all()
        assert (deadline.status, deadline.stage, deadline.lease_until) == ("done", None, None)
    for later in ("2026-11-24T16:01:00+02:00", "2026-11-25T09:00:00+02:00"):
        assert run_due_at(cli, later) == ""
    assert order_mail(short_app) == ["quote", "quote_expired"]


def test_a_tick_after_the_escalation_time_skips_the_reminder(
    short_app: App, short_environ: dict[str, str]
) -> None:
    """Down from Friday until Monday 16:30, past the answer-by time (15:00) and the escalation
    (16:00): the managers are told, the client gets no reminder, and the expiry still comes at
    17:00."""
    seed_demo(short_app)
    _, outcome = ingest(short_app, mail(sender=FLEET, body="BPW-0310 x 2"))
    number = order_of(short_app, outcome)["number"]
    cli = CliRunner(env={**short_environ, "MAILBOT_CONFIG": ""})

    done = run_due_at(cli, "2026-11-23T16:30:00+02:00")
    assert f"{number} client_agreement: escalate: escalated to 1 manager(s)" in done
    assert mails(short_app, "deadline_reminder") == []
    assert len(mails(short_app, "deadline_escalation")) == 1
    assert run_due_at(cli, "2026-11-23T16:59:00+02:00") == ""
    assert ": expire: " in run_due_at(cli, "2026-11-23T17:00:00+02:00")
    assert order_mail(short_app) == [
        "quote",
        "deadline_escalation",
        "quote_expired",
    ]
