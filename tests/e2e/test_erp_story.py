"""The whole story with the ERP: an order by email, AGREE by email, a payment from the "ERP"
over RabbitMQ, and the client's BALANCE answered with it; the ERP's queue holds every step of
the order in order. mailbot runs with its listener, relay, publisher and consumer."""

from __future__ import annotations

import json
import smtplib
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from tests.mail import DESK, headers, mail, parts
from tests.rabbit import VirtualHost, rabbitmqctl, virtual_host
from tests.servers import Relay, start_relay, wait_for

CLIENT = "buying@fleetparts.example"

Story = tuple[App, Runner, Relay, VirtualHost]


@pytest.fixture
def story(environ: dict[str, str], engine: Engine) -> Iterator[Story]:
    relay, controller = start_relay()
    with virtual_host() as host:
        host.bind_queue("erp.sees")
        environ = {
            **environ,
            "MAILBOT_SMTP_OUTGOING__HOST": "127.0.0.1",
            "MAILBOT_SMTP_OUTGOING__PORT": str(relay.port),
            "MAILBOT_RABBITMQ__ENABLED": "true",
            "MAILBOT_RABBITMQ__URL": host.url,
            "MAILBOT_RABBITMQ__POLL_SECONDS": "0.1",
        }
        app = bootstrap(load_config(environ=environ), engine=engine)
        seed_demo(app)
        runner = Runner(app)
        runner.start()
        try:
            assert runner.consumer is not None
            wait_for(runner.consumer.consuming.is_set, what="the consumer consuming")
            yield app, runner, relay, host
        finally:
            runner.stop()
            controller.stop()


def send(runner: Runner, raw: bytes) -> None:
    assert runner.ingress is not None
    with smtplib.SMTP("127.0.0.1", runner.ingress.port) as smtp:
        smtp.sendmail(CLIENT, [DESK], raw)


def last_mail(relay: Relay, subject: str) -> bytes:
    found: list[bytes] = []

    def arrived() -> bool:
        found[:] = [m.raw for m in relay.received if subject in str(headers(m.raw)["Subject"])]
        return bool(found)

    wait_for(arrived, what=f"a mail about {subject!r}")
    return found[-1]


def test_an_order_agreed_by_mail_paid_through_the_erp_and_the_balance_answered(
    story: Story,
) -> None:
    """The client's order and AGREE by mail, 500.00 EUR paid in the ERP: the balance reply
    shows the account in credit by 19.40 EUR, and the ERP saw quoted, agreed, sent (and the
    ledger's debit, then the payment) in sequence."""
    app, runner, relay, host = story
    send(runner, mail(sender=CLIENT, subject="Order", body="BPW-0310 x 2\nSAF-2234 x 5"))
    quote = headers(last_mail(relay, "Quote ORD-"))
    number = str(quote["Subject"]).split()[1]
    thread = {"In-Reply-To": str(quote["Message-ID"]), "References": str(quote["Message-ID"])}
    send(runner, mail(sender=CLIENT, subject=f"Re: {quote['Subject']}", body="AGREE",
                      headers=thread))  # fmt: skip
    wait_for(lambda: order_status(app, number) == "sent", what="the order agreed and sent")

    client = app_client_id(app)
    paid = {"partner": client, "amount": {"amount": "500.00", "currency": "EUR"},
            "reference": "BANK-7"}  # fmt: skip
    body = {
        "envelope": "mailbot.event/1",
        "message_id": str(uuid.uuid4()),
        "type": "erp.payment_received",
        "version": 1,
        "occurred_at": "2026-11-20T08:00:00Z",
        "aggregate": {"type": "partner", "id": str(client), "sequence": 1},
        "payload": paid,
    }
    host.send([json.dumps(body).encode()], key="erp.payment_received")
    wait_for(lambda: balance_events(app) == 1, what="the payment booked")

    send(runner, mail(sender=CLIENT, subject="balance", body="BALANCE"))
    answer = parts(last_mail(relay, "balance"))["plain"]
    assert "Your account is in credit by" in answer
    assert "19.40" in answer

    wait_for(lambda: pending(app) == 0, what="every event published")
    seen = host.drain("erp.sees")
    of_order = [m.body["type"] for m in seen if m.body["aggregate"]["id"] == number]
    assert of_order == ["order.quoted", "order.agreed", "order.sent"]
    of_client = [
        (m.body["type"], m.body["aggregate"]["sequence"])
        for m in seen
        if (m.body["aggregate"]["type"], m.body["aggregate"]["id"]) == ("partner", str(client))
    ]
    ledger = [kind for kind, _ in of_client if kind in ("ledger.entry_booked", "payment.booked")]
    assert ledger == ["ledger.entry_booked", "ledger.entry_booked", "payment.booked"]
    assert [sequence for _, sequence in of_client] == list(range(1, len(of_client) + 1))


def order_status(app: App, number: str) -> str:
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        return "" if order is None else order.status


def app_client_id(app: App) -> int:
    with app.uow() as uow:
        client = uow.partners.by_address(CLIENT)
        assert client is not None
        return client.id


def balance_events(app: App) -> int:
    with app.uow() as uow:
        return len(uow.events.listed(kind="payment.booked"))


def pending(app: App) -> int:
    with app.uow() as uow:
        return uow.events.pending_count()


def test_mail_flows_while_the_broker_refuses_mailbot_and_events_leave_after(
    environ: dict[str, str], engine: Engine
) -> None:
    """RabbitMQ refusing mailbot's connections stops nothing: an order by mail is quoted, its
    events wait in the database, and once the broker lets mailbot in they are published."""
    relay, controller = start_relay()
    with virtual_host() as host:
        host.bind_queue("erp.sees")
        rabbitmqctl("clear_permissions", "-p", host.name, "guest")
        settings = {
            **environ,
            "MAILBOT_SMTP_OUTGOING__HOST": "127.0.0.1",
            "MAILBOT_SMTP_OUTGOING__PORT": str(relay.port),
            "MAILBOT_RABBITMQ__ENABLED": "true",
            "MAILBOT_RABBITMQ__URL": host.url,
            "MAILBOT_RABBITMQ__RECONNECT_MAX_SECONDS": "1",
        }
        app = bootstrap(load_config(environ=settings), engine=engine)
        seed_demo(app)
        runner = Runner(app)
        runner.start()
        try:
            send(runner, mail(sender=CLIENT, subject="Order", body="BPW-0310 x 2"))
            number = str(headers(last_mail(relay, "Quote ORD-"))["Subject"]).split()[1]
            assert pending(app) > 0
            host.permit()
            wait_for(lambda: pending(app) == 0, what="the events published")
        finally:
            runner.stop()
            controller.stop()
        seen = host.drain("erp.sees")
    assert [m.body["type"] for m in seen if m.body["aggregate"]["id"] == number] == ["order.quoted"]
