"""The ERP's messages over the machine's RabbitMQ: applied once, bad ones dead-lettered with
the reason, a failing database retried; each test on a virtual host of its own."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, RabbitmqConfig
from mailbot.demo import seed_demo
from mailbot.events.consumer import REASON_HEADER, Consumer
from mailbot.heartbeats import Unwatched
from mailbot.services.erp.inbound import Handled, Verdict, apply_message, record_dead_letter
from mailbot.storage.database import Timeouts, make_engine
from mailbot.storage.models import LedgerEntry, Partner
from tests.commands import call
from tests.fakes import FixedClock, RecordingTransport
from tests.rabbit import virtual_host
from tests.servers import wait_for

CLIENT = "buying@fleetparts.example"
DEAD = "mailbot.erp.dead"


def envelope(kind: str, aggregate: str, key: Any, payload: dict[str, Any], **given: Any) -> bytes:
    """An ERP message in mailbot's envelope."""
    body = {
        "envelope": "mailbot.event/1",
        "message_id": given.get("message_id", str(uuid.uuid4())),
        "type": kind,
        "version": 1,
        "occurred_at": "2026-11-20T08:00:00Z",
        "aggregate": {"type": aggregate, "id": str(key), "sequence": 1},
        "payload": payload,
    }
    return json.dumps(body).encode()


def payment(partner: int, amount: str, currency: str = "EUR", **given: Any) -> bytes:
    paid = {"partner": partner, "amount": {"amount": amount, "currency": currency}}
    return envelope(
        "erp.payment_received", "partner", partner, {**paid, "reference": "PP-1"}, **given
    )


@contextmanager
def consuming(app: App, url: str) -> Iterator[Consumer]:
    def apply(body: bytes) -> Handled:
        return apply_message(app.uow, app.desk, body, app.clock.now())

    def dead_lettered(handled: Handled) -> None:
        record_dead_letter(app.uow, handled, app.clock.now())

    config = RabbitmqConfig(enabled=True, url=url, reconnect_max_seconds=1)
    consumer = Consumer(apply, dead_lettered, config, Unwatched())
    consumer.start()
    try:
        wait_for(consumer.consuming.is_set, what="the consumer consuming")
        yield consumer
    finally:
        consumer.stop()


def client_id(app: App) -> int:
    with app.uow() as uow:
        client = uow.partners.by_address(CLIENT)
        assert client is not None
        return client.id


def credits(app: App) -> list[tuple[Decimal, str]]:
    with app.uow() as uow:
        query = select(LedgerEntry).where(LedgerEntry.kind == "credit")
        return [(entry.amount, entry.created_by) for entry in uow.session.scalars(query)]


def dead_letters(app: App) -> int:
    with app.uow() as uow:
        return uow.erp_inbox.dead_letter_count()


def test_a_payment_sent_three_times_is_credited_once(app: App) -> None:
    """The same payment (one message_id) delivered three times credits the client's ledger
    once, by the ERP, with a payment.booked event; every copy is acknowledged."""
    seed_demo(app)
    client = client_id(app)
    same = str(uuid.uuid4())
    with virtual_host() as host, consuming(app, host.url):
        host.send([payment(client, "120.50", message_id=same) for _ in range(3)])
        host.send([payment(client, "9.50")])
        wait_for(lambda: len(credits(app)) == 2, what="two payments credited")
        host.send([payment(client, "120.50", message_id=same)])
        host.send([payment(client, "1.00")])
        wait_for(lambda: len(credits(app)) == 3, what="the last payment credited")
    assert sorted(credits(app)) == [
        (Decimal("1.00"), "erp"), (Decimal("9.50"), "erp"), (Decimal("120.50"), "erp")
    ]  # fmt: skip
    with app.uow() as uow:
        booked = uow.events.listed(kind="payment.booked")
    assert booked[0].payload["amount"] == {"amount": "120.50", "currency": "EUR"}
    assert dead_letters(app) == 0


def test_garbage_and_poison_go_to_the_dead_letter_queue_with_the_reason(
    app: App, cli: CliRunner
) -> None:
    """Not JSON, an unknown type, a schema failure, an unknown partner or order, a foreign
    currency: none is applied, each goes to the dead-letter queue with its reason in a
    header, and `mailbot events list` counts them."""
    seed_demo(app)
    client = client_id(app)
    bad = [
        b"\xff not json",
        envelope("erp.teleport", "partner", client, {}),
        envelope("erp.payment_received", "partner", client,
                 {"partner": client, "amount": {"amount": 5, "currency": "EUR"}, "reference": "x"}),
        payment(999, "5.00"),
        envelope("erp.order_status", "order", "ORD-2026-999999",
                 {"order": "ORD-2026-999999", "status": "closed"}),
        payment(client, "5.00", currency="USD"),
    ]  # fmt: skip
    with virtual_host() as host:
        with consuming(app, host.url):
            host.send(bad)
            wait_for(lambda: dead_letters(app) == len(bad), what="every message dead-lettered")
        reasons = [headers[REASON_HEADER] for headers in host.headers(DEAD)]
    assert reasons[0] == "not JSON"
    assert reasons[1] == "unknown type 'erp.teleport'"
    assert reasons[2].startswith("schema: payload/amount/amount:")
    assert reasons[3] == "unknown client 999"
    assert reasons[4] == "unknown order ORD-2026-999999"
    assert reasons[5] == "a payment in USD; Fleet Parts Ltd is kept in EUR"
    assert credits(app) == []
    listed = call(cli, "events", "list").output
    assert listed.splitlines()[-1].startswith("6 message(s) from the ERP not applied")


def test_a_contract_end_from_the_erp_cuts_the_partner_off(app: App) -> None:
    """A partner changed by the ERP: its credit limit set, and a contract end already past
    cuts it off as `partners deactivate` does (inactive, a partner.deactivated event)."""
    seed_demo(app)
    client = client_id(app)
    change = {
        "partner": client,
        "credit_limit": {"amount": "1500.00", "currency": "EUR"},
        "contract_end": "2026-11-01T00:00:00Z",
    }
    with virtual_host() as host, consuming(app, host.url):
        host.send([envelope("erp.partner_changed", "partner", client, change)])
        wait_for(lambda: not partner(app).active, what="the partner cut off")
    assert partner(app).credit_limit == Decimal("1500.00")
    with app.uow() as uow:
        (cut,) = uow.events.listed(kind="partner.deactivated")
    assert cut.payload["reason"] == "contract_end"


def partner(app: App) -> Partner:
    with app.uow() as uow:
        found = uow.session.get(Partner, client_id(app))
        assert found is not None
        return found


def test_a_payment_is_retried_while_the_database_refuses_it(
    config: Config,
    database_url: str,
    transport: RecordingTransport,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lock held on the ERP inbox makes the payment's transaction fail: the message is given
    back, not dead-lettered, and is applied once the lock is gone."""
    caplog.set_level(logging.INFO, logger="mailbot.events")
    engine = make_engine(database_url, Timeouts(lock=0.2))
    app = bootstrap(config, engine=engine, transport=transport, clock=clock)
    seed_demo(app)
    client = client_id(app)
    holder = make_engine(database_url)
    try:
        with virtual_host() as host, consuming(app, host.url):
            with holder.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("LOCK TABLE erp_inbox IN ACCESS EXCLUSIVE MODE"))
                else:
                    # Any write takes SQLite's one write lock (BEGIN IMMEDIATE).
                    connection.execute(text("DELETE FROM erp_inbox"))
                host.send([payment(client, "42.00")])
                wait_for(lambda: "tried again" in caplog.text, what="a failed attempt")
                connection.rollback()
            wait_for(lambda: len(credits(app)) == 1, what="the payment applied")
    finally:
        holder.dispose()
        engine.dispose()
    assert dead_letters(app) == 0
    with app.uow() as uow:
        assert len(uow.events.listed(kind="payment.booked")) == 1


def test_a_partner_created_by_the_erp_is_registered_and_a_second_one_refused(app: App) -> None:
    """The ERP's new client is registered (partner.added by erp, with its addresses, so the
    ERP learns mailbot's id); another with an address already taken is dead-lettered."""
    created = {
        "name": "Road Kings SRL",
        "role": "client",
        "addresses": ["Orders@RoadKings.example"],
        "language": "ro",
        "currency": "RON",
        "credit_limit": {"amount": "20000.00", "currency": "RON"},
    }
    twice = {**created, "name": "Road Kings again"}
    with virtual_host() as host:
        with consuming(app, host.url):
            host.send([envelope("erp.partner_created", "partner", "ERP-77", created)])
            host.send([envelope("erp.partner_created", "partner", "ERP-78", twice)])
            wait_for(lambda: dead_letters(app) == 1, what="the second one refused")
        (reason,) = [headers[REASON_HEADER] for headers in host.headers(DEAD)]
    assert reason == "already registered: orders@roadkings.example"
    with app.uow() as uow:
        client = uow.partners.by_address("orders@roadkings.example")
        assert client is not None
        (added,) = uow.events.listed(kind="partner.added")
    assert (client.name, client.language, client.credit_limit) == (
        "Road Kings SRL", "ro", Decimal("20000.00")
    )  # fmt: skip
    assert added.payload == {
        "partner": client.id, "role": "client", "name": "Road Kings SRL",
        "addresses": ["orders@roadkings.example"], "by": "erp",
    }  # fmt: skip


def test_the_erp_renames_a_partner_and_moves_its_addresses_all_or_nothing(app: App) -> None:
    """A partner change from the ERP sets the name, language, group and addresses as
    `partners set` does; one it cannot make (an address another partner has) changes nothing
    and is refused with the reason."""
    seed_demo(app)
    client = client_id(app)
    change = {
        "partner": client,
        "name": "Fleet Parts Group",
        "language": "ro",
        "group": "workshop",
        "add_addresses": ["orders@fleetparts.example"],
    }
    applied = apply_message(
        app.uow,
        app.desk,
        envelope("erp.partner_changed", "partner", client, change),
        app.clock.now(),
    )
    assert applied.verdict is Verdict.APPLIED
    renamed = partner(app)
    assert (renamed.name, renamed.language, renamed.group) == (
        "Fleet Parts Group",
        "ro",
        "workshop",
    )
    with app.uow() as uow:
        assert uow.partners.by_address("orders@fleetparts.example") is not None
        (changed,) = uow.events.listed(kind="partner.changed")
    assert set(changed.payload["changed"]) >= {"name", "language", "group", "addresses"}
    taken = {"partner": client, "name": "Nobody", "add_addresses": ["zakaz@vector-trans.example"]}
    refused = apply_message(
        app.uow,
        app.desk,
        envelope("erp.partner_changed", "partner", client, taken),
        app.clock.now(),
    )
    assert refused.verdict is Verdict.DEAD
    assert refused.reason == "already registered: zakaz@vector-trans.example"
    assert partner(app).name == "Fleet Parts Group"
