"""Forged senders by SMTP: a forged order gets nothing back, an authenticated one a quote; by
default a forged AGREE changes nothing, and the client's own reply does."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, SecurityConfig
from mailbot.demo import seed_demo
from mailbot.runner import Runner
from tests.mail import headers, mail
from tests.pipeline import outbox
from tests.servers import Relay, start_relay, wait_for
from tests.signing import received

EXAMPLE = Path(__file__).parents[2] / "examples" / "order-body-en.eml"
MX = "mx.distributor.example"


@pytest.fixture
def running(config: Config, engine: Engine) -> Iterator[tuple[App, Runner, Relay]]:
    """mailbot requiring sender authentication by mx.distributor.example, replying via a relay."""
    relay, controller = start_relay()
    outgoing = config.smtp_outgoing.model_copy(update={"host": "127.0.0.1", "port": relay.port})
    security = SecurityConfig(require_sender_auth=True, trusted_authserv_ids=(MX,))
    app = bootstrap(
        config.model_copy(update={"smtp_outgoing": outgoing, "security": security}), engine=engine
    )
    seed_demo(app)
    runner = Runner(app)
    runner.start()
    yield app, runner, relay
    runner.stop()
    controller.stop()


def send(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail("buying@fleetparts.example", ["orders@distributor.example"], raw)


def test_forged_order_is_quarantined_and_authenticated_order_is_quoted(
    running: tuple[App, Runner, Relay],
) -> None:
    """Over SMTP, the example order without trusted results is quarantined; with them, quoted."""
    app, runner, relay = running
    assert runner.ingress is not None
    example = EXAMPLE.read_bytes()
    send(runner.ingress.port, example)

    def quarantined() -> bool:
        with app.uow() as uow:
            return bool(uow.inbox.with_status("quarantined"))

    wait_for(quarantined, what="the forged order in quarantine")
    assert outbox(app) == []

    verified = (
        f"{MX}; dkim=pass header.d=fleetparts.example; spf=pass smtp.mailfrom=fleetparts.example"
    )
    send(runner.ingress.port, received(example, verified))
    (reply,) = relay.wait_for_count(1)
    assert reply.recipients == ["buying@fleetparts.example"]
    assert b"Quote ORD-2026-" in reply.raw
    with app.uow() as uow:
        (forged,) = uow.inbox.with_status("quarantined")
        assert forged.outcome == "sender not authenticated: no trusted Authentication-Results"
        assert uow.orders.count() == 1
    assert len(outbox(app)) == 1


@pytest.fixture
def by_default(config: Config, engine: Engine) -> Iterator[tuple[App, Runner, Relay]]:
    """mailbot as installed (no sender authentication configured), replying via a relay."""
    relay, controller = start_relay()
    outgoing = config.smtp_outgoing.model_copy(update={"host": "127.0.0.1", "port": relay.port})
    app = bootstrap(config.model_copy(update={"smtp_outgoing": outgoing}), engine=engine)
    seed_demo(app)
    runner = Runner(app)
    runner.start()
    yield app, runner, relay
    runner.stop()
    controller.stop()


def test_a_forged_agree_changes_nothing_and_the_clients_reply_agrees(
    by_default: tuple[App, Runner, Relay],
) -> None:
    """Over SMTP with the default settings: an AGREE forged from the client's address (no
    thread, no reference, a Reply-To of the forger's) leaves the quote as it was and tells the
    client at its own address; the client's reply to the quote sends the order file."""
    app, runner, relay = by_default
    assert runner.ingress is not None
    send(runner.ingress.port, EXAMPLE.read_bytes())
    (quote,) = relay.wait_for_count(1)
    number = re.search(rb"ORD-2026-\d{6}", quote.raw)
    assert number is not None
    forged = mail(
        sender="Fleet Parts Ltd <buying@fleetparts.example>",
        subject=f"AGREE {number.group().decode()}",
        body="AGREE",
        headers={"Reply-To": "collector@forger.example"},
    )
    send(runner.ingress.port, forged)
    told = relay.wait_for_count(2)[1]
    assert told.recipients == ["buying@fleetparts.example"]
    assert b"please answer by replying to our mail" in told.raw
    with app.uow() as uow:
        (order,) = uow.orders.list(None, 10)
        assert order.status == "quoted"

    send(runner.ingress.port, reply_to(headers(quote.raw), "buying@fleetparts.example"))
    mails = relay.wait_for_count(4)
    assert sorted(m.recipients[0] for m in mails[2:]) == [
        "buying@fleetparts.example",
        "sales@balkan-truck-parts.example",
    ]
    with app.uow() as uow:
        (order,) = uow.orders.list(None, 10)
        assert order.status == "sent"


def reply_to(quote: EmailMessage, sender: str) -> bytes:
    """The client's mail program answering the quote: threaded, "Re:", AGREE on top."""
    return mail(
        sender=sender,
        subject=f"Re: {quote['Subject']}",
        body="AGREE\n\n> Reply AGREE to confirm or CANCEL to cancel.",
        headers={"In-Reply-To": quote["Message-ID"], "References": quote["Message-ID"]},
    )
