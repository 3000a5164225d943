"""Every event type mailbot declares is written by some real action: four stories (an order's
life, deadlines and the daily jobs, a manager's desk, mail going wrong) each drive the
changes that write their types, and between them they cover `EventType`. Every event they
write passes its schema (the `database_url` fixture checks it)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, load_config
from mailbot.demo import PRICE_LIST, SUPPLIER, seed_demo
from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.outbound.transport import Accepted, DeliveryError
from mailbot.services.erp.inbound import Verdict, apply_message
from mailbot.services.inbox.quarantine import retry_quarantined
from mailbot.services.orders import agreement
from mailbot.services.orders.matrix import correct_matrix
from mailbot.services.outbox.bounces import clear_address
from mailbot.services.outbox.cancelling import cancel_mail
from mailbot.services.outbox.retrying import retry_mail
from mailbot.services.partners.editing import Changes, edit_partner
from mailbot.services.partners.terms import Terms
from mailbot.services.vouchers.compensation import compensate
from mailbot.storage.models import Event, OutboundMessage
from tests import bounces
from tests.commands import call
from tests.events.test_erp_items import items_message
from tests.fakes import FixedClock, RecordingTransport
from tests.lifecycle import CLIENT, answer, quote
from tests.mail import mail
from tests.pipeline import FLEET, ingest, outbox

WITH_CODE = "Hello,\n\nthe code SPRING10:\n\nBPW-0310 x 2\nSAF-2234 x 4\n\nSam"

ORDER_STORY = {
    EventType.ORDER_QUOTED, EventType.VOUCHER_CODE_RESERVED, EventType.ORDER_CANCELLED,
    EventType.VOUCHER_CODE_RELEASED, EventType.ORDER_AGREED, EventType.VOUCHER_CODE_REDEEMED,
    EventType.LEDGER_ENTRY_BOOKED, EventType.ORDER_SENT, EventType.ORDER_SUPPLIER_CONFIRMED,
    EventType.ORDER_PARTIAL_ACCEPTED, EventType.ORDER_CONFIRMED, EventType.ORDER_SUPPLIER_SHIPPED,
    EventType.ORDER_SHIPPED, EventType.ORDER_CLOSED, EventType.ORDER_MATRIX_CORRECTED,
    EventType.ORDER_ACT_NOT_PROVEN, EventType.ORDER_HELD, EventType.ORDER_RELEASED,
    EventType.PARTNER_CHANGED,
}  # fmt: skip
DEADLINE_STORY = {
    EventType.ORDER_DEADLINE_REMINDED, EventType.ORDER_DEADLINE_ESCALATED,
    EventType.ORDER_EXPIRED, EventType.DESK_DIGEST_SENT, EventType.DESK_STALE_PRICE_LISTS,
}  # fmt: skip
DESK_STORY = {
    EventType.PARTNER_ADDED, EventType.PARTNER_CHANGED, EventType.PARTNER_DEACTIVATED,
    EventType.PARTNER_REACTIVATED, EventType.PRICE_LIST_IMPORTED, EventType.PRICE_LIST_ACTIVATED,
    EventType.PRICE_LIST_HELD, EventType.PRICE_LIST_RELEASED, EventType.PRICE_LIST_REJECTED,
    EventType.PRICE_LIST_ITEMS_UPDATED, EventType.PAYMENT_BOOKED,
    EventType.VOUCHER_CAMPAIGN_CREATED, EventType.VOUCHER_CODES_ISSUED,
    EventType.VOUCHER_COMPENSATION_ISSUED,
    EventType.API_KEY_ISSUED, EventType.API_KEY_REVOKED, EventType.PARTNER_PRICE_LIST_SENT,
}  # fmt: skip
MAIL_STORY = {
    EventType.MESSAGE_QUARANTINED, EventType.MESSAGE_RETRIED, EventType.MAIL_BOUNCED,
    EventType.ADDRESS_SUPPRESSED, EventType.MAIL_SUPPRESSED, EventType.ADDRESS_CLEARED,
    EventType.MAIL_UNDELIVERABLE, EventType.MAIL_REQUEUED, EventType.MAIL_CANCELLED,
    EventType.MAIL_INTERRUPTED, EventType.MAIL_TOO_LARGE, EventType.MAIL_DIGESTED,
}  # fmt: skip


FORGED_STORY = {EventType.MESSAGE_QUARANTINED, EventType.MESSAGE_LET_THROUGH}


def written(app: App) -> set[str]:
    """The types of every event in the database."""
    with app.uow() as uow:
        return set(uow.session.scalars(select(Event.type)))


def test_the_stories_cover_every_declared_type() -> None:
    """No type is declared that none of the stories below writes: a new type needs an action
    that writes it here, or it is not in use and goes."""
    covered = ORDER_STORY | DEADLINE_STORY | DESK_STORY | MAIL_STORY | FORGED_STORY
    assert sorted(set(EventType) - covered) == []


def test_an_orders_life_writes_its_events(app: App) -> None:
    """A code reserved and released by a CANCEL, redeemed by an AGREE; a partial confirmation
    taken, the order shipped, closed and its matrix corrected; a forged AGREE refused; an order
    above the credit limit held and released."""
    seed_demo(app)
    now = app.clock.now()
    quote(app, body=WITH_CODE)
    assert "cancelled" in answer(app, "quote", FLEET, "CANCEL").summary
    number = quote(app, body=WITH_CODE)
    assert "agreed" in answer(app, "quote", FLEET, "AGREE").summary
    assert "partial" in answer(app, "order_file", SUPPLIER, "Parțial:\nSAF-2234 x 3").summary
    assert "confirmed" in answer(app, "order_answer", FLEET, "AGREE").summary
    assert "shipped" in answer(app, "order_file", SUPPLIER, "EXPEDIAT 20.11.2026 DPD").summary
    agreement.close(app.uow, number, now=now)
    correct_matrix(
        app.uow, number, supplier=SUPPLIER, field="ship_method", value="DHL",
        reason="the driver said so", now=now, by=None,
    )  # fmt: skip
    forged = quote(app)
    _, outcome = ingest(app, mail(sender=FLEET, subject=f"AGREE {forged}", body="AGREE"))
    assert "not carried out" in outcome.summary
    edit_partner(app.uow, CLIENT, Changes(terms=Terms(credit_limit="100")), now=now)
    held = quote(app)
    assert "held" in answer(app, "quote", FLEET, "AGREE").summary
    agreement.release(app.uow, app.desk, held, now=now)
    assert written(app) >= ORDER_STORY


def test_deadlines_and_the_daily_jobs_write_their_events(
    environ: dict[str, str], engine: Engine, transport: RecordingTransport
) -> None:
    """A quote never agreed: its client reminded, the managers told, the quote expired; the
    managers' digest sent and the stale price lists reported, all by the scheduler's jobs."""
    friday = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    config = load_config(
        environ={
            **environ,
            "MAILBOT_DEADLINES__AGREEMENT_HOURS": "8",
            "MAILBOT_DEADLINES__REMINDER_HOURS_BEFORE": "2",
            "MAILBOT_DEADLINES__ESCALATION_HOURS_AFTER": "1",
            "MAILBOT_DEADLINES__EXPIRY_HOURS_AFTER": "2",
        }
    )
    app = bootstrap(config, engine=engine, transport=transport, clock=FixedClock(friday))
    seed_demo(app)
    quote(app)
    moment = friday
    while moment < friday + timedelta(days=40):
        moment += timedelta(hours=1)
        app.jobs.run_due(moment)
    assert written(app) >= DEADLINE_STORY


def test_a_managers_desk_writes_its_events(app: App, cli: CliRunner, tmp_path: Path) -> None:
    """Partners added, changed, cut off and taken back; price lists held then released or
    rejected, and changed by the ERP; a payment; a serial campaign and its codes; a
    compensation; an API key issued and revoked; a client's PRICES answered."""
    seed_demo(app)
    call(cli, "partners", "add", "new@client.example", "--role", "client", "--name", "New")
    call(cli, "partners", "set", "new@client.example", "--name", "Newer")
    call(cli, "partners", "deactivate", "new@client.example")
    call(cli, "partners", "reactivate", "new@client.example")
    tenfold = PRICE_LIST.replace("84.00", "840.00").replace("46.50", "465.00")
    for decision, listed in (("release", tenfold), ("reject", PRICE_LIST)):
        prices = tmp_path / f"{decision}.csv"
        prices.write_text(listed)  # ten times the active prices, then a tenth of them
        out = call(cli, "pricelist", "import", str(prices), "--supplier", SUPPLIER).output
        assert "HELD as version" in out, out
        (version,) = [v for v in history(cli) if v["status"] == "held"]
        call(cli, "pricelist", decision, str(version["id"]))
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
    items = [{"sku": "BPW-0310", "stock": 1}]
    applied = apply_message(app.uow, app.desk, items_message(supplier.id, items), app.clock.now())
    assert applied.verdict is Verdict.APPLIED
    call(cli, "payments", "add", CLIENT, "50.00")
    call(cli, "vouchers", "create", "Winter", "--kind", "serial", "--prefix", "WNT",
         "--percent", "5")  # fmt: skip
    call(cli, "vouchers", "generate", "Winter", "--count", "2")
    eur = Money(Decimal("10.00"), "EUR")
    compensate(
        app.uow, client=CLIENT, amount=eur, cap=Money(Decimal("50.00"), "EUR"),
        reason="late delivery", now=app.clock.now(), by=None, rng=random.Random(1),
    )  # fmt: skip
    call(cli, "apikeys", "add", "erp-bridge", "--role", "shop")
    call(cli, "apikeys", "revoke", "erp-bridge")
    _, outcome = ingest(app, mail(sender=FLEET, subject="PRICES", body="PRICES"))
    assert outcome.summary.startswith("price list sent"), outcome
    assert written(app) >= DESK_STORY


def history(cli: CliRunner) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        call(cli, "pricelist", "history", SUPPLIER, "--json").output
    )
    return rows


def test_mail_going_wrong_writes_its_events(
    config: Config, app: App, tmp_path: Path, transport: RecordingTransport, clock: FixedClock
) -> None:
    """A message quarantined and retried; three hard bounces suppress an address, a manager
    clears it; a mail refused for good and queued again, one cancelled."""
    seed_demo(app)
    broken = tmp_path / "templates" / "mail"
    broken.mkdir(parents=True)
    (broken / "quote.txt.j2").write_text("{{ no_such_variable.attribute }}")
    failing = changed(app, config, clock, templates={"folder": tmp_path / "templates"})
    stored = failing.store(mail(sender=FLEET, body="BPW-0310 x 1"), "smtp")
    for _ in range(config.processing.max_attempts):
        failing.processor.run_once()
        clock.advance(timedelta(seconds=config.processing.retry_seconds + 1))
    retry_quarantined(app.uow, stored.id, now=clock.now())
    assert app.processor.run_once() == 1
    for n, build in enumerate((bounces.rfc3464, bounces.postfix, bounces.qmail), 1):
        ingest(app, mail(sender=FLEET, body=f"BPW-0310 x {n}"))
        app.sender.run_once()
        ingest(app, build(last(app, "quote").message_id, CLIENT))
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 4"))
    app.sender.run_once()
    assert last(app, "quote").status == "suppressed"
    clear_address(app.uow, CLIENT, now=clock.now())
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 5"))
    transport.failures = 1
    transport.error = DeliveryError("550 5.1.1 no such user", permanent=True)
    app.sender.run_once()
    (requeued,) = retry_mail(app.uow, outbound_id=last(app, "quote").id, now=clock.now())
    assert requeued.status == "pending"
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 6"))
    cancel_mail(app.uow, last(app, "quote").id, now=clock.now())
    assert written(app) >= MAIL_STORY - HELD_BACK_MAIL


def test_a_forged_message_let_through_writes_its_events(
    config: Config, app: App, cli: CliRunner, clock: FixedClock
) -> None:
    """A message from a client's address that nothing authenticates is quarantined; a manager
    lets it through at the command line, and it is quoted."""
    seed_demo(app)
    security = {"require_sender_auth": True, "trusted_authserv_ids": ["mx.distributor.example"]}
    guarded = changed(app, config, clock, security=security)
    message_id, outcome = ingest(guarded, mail(sender=FLEET, body="BPW-0310 x 1"))
    assert outcome.status == "quarantined"
    said = call(cli, "--by", "alice", "quarantine", "let-through", str(message_id)).output
    assert "taken as it is" in said
    assert guarded.processor.run_once() == 1
    assert last(guarded, "quote").recipient == CLIENT
    assert written(app) >= FORGED_STORY


HELD_BACK_MAIL = {EventType.MAIL_INTERRUPTED, EventType.MAIL_TOO_LARGE, EventType.MAIL_DIGESTED}


def test_mail_held_back_writes_its_events(
    config: Config, app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """A sender that dies after the relay took a mail (sent again, interrupted), a price list
    too large to mail, replies past the hourly limit sent as one digest."""
    seed_demo(app)
    crashing = bootstrap(config, engine=app.engine, transport=CrashAfterRelay(), clock=clock)
    ingest(crashing, mail(sender=FLEET, body="BPW-0310 x 1"))
    with pytest.raises(Crash):
        crashing.sender.run_once()
    clock.advance(timedelta(seconds=config.smtp_outgoing.lease_seconds + 1))
    assert app.sender.run_once() == 1
    small = changed(app, config, clock, smtp_outgoing={"max_message_bytes": 6000})
    ingest(small, mail(sender=FLEET, subject="PRICES", body="PRICES"))
    assert last(app, "too_large").status == "pending"
    limited = changed(app, config, clock, replies={"max_per_hour": 1})
    for n in range(3):
        ingest(limited, mail(sender=FLEET, body=f"BPW-0310 x {n + 1}"))
    clock.advance(timedelta(hours=1, minutes=1))
    limited.processor.run_once()
    assert last(app, "reply_digest").status == "pending"
    assert written(app) >= HELD_BACK_MAIL


class Crash(BaseException):
    """The process dies here (kill -9): nothing after it runs, nothing is recorded."""


class CrashAfterRelay:
    """A relay that takes the mail, and a sender that dies before it can record it."""

    repeatable = False

    def deliver(
        self, sender: str, recipients: Sequence[str], raw: bytes, accepted: Accepted | None = None
    ) -> None:
        raise Crash


def changed(app: App, config: Config, clock: FixedClock, **sections: dict[str, object]) -> App:
    """The app with some keys of `config` changed, on the same database and clock."""
    updated = config.model_copy(
        update={
            name: getattr(config, name).model_copy(update=keys) for name, keys in sections.items()
        }
    )
    return bootstrap(updated, engine=app.engine, transport=RecordingTransport(), clock=clock)


def last(app: App, kind: str) -> OutboundMessage:
    """The newest mail of template `kind` in the outbox."""
    return [m for m in outbox(app) if m.kind == kind][-1]
