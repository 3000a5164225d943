"""Forged senders by SMTP: a forged order gets nothing back, an authenticated one a quote."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, SecurityConfig
from mailbot.demo import seed_demo
from mailbot.runner import Runner
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
