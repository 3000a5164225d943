"""Outgoing mail through a real relay (aiosmtpd) that goes away, puts mail off and refuses
it: temporary failures keep a reply queued until the relay takes it, a permanent one fails
it at once and the managers are told, and `mailbot outbox retry` puts failed mail back."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.clock import Clock, SystemClock
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.parsers.mail_summary import read_written
from mailbot.storage.models import Event, OutboundMessage
from tests.fakes import FixedClock
from tests.mail import mail
from tests.pipeline import FLEET, ingest, outbox
from tests.servers import FlakyRelay, free_port, start_flaky_relay

CLIENT = "buying@fleetparts.example"
MANAGER = "manager@distributor.example"


@pytest.fixture
def relay_port() -> int:
    return free_port()


@pytest.fixture
def relay(relay_port: int) -> Iterator[FlakyRelay]:
    running = FlakyRelay()
    controller = start_flaky_relay(relay_port, running)
    yield running
    controller.stop()


def relayed(config: Config, engine: Engine, port: int, clock: Clock) -> App:
    """The application sending through the relay on `port`, as `smtp_outgoing` configures."""
    outgoing = config.smtp_outgoing.model_copy(
        update={"host": "127.0.0.1", "port": port, "timeout_seconds": 5}
    )
    return bootstrap(
        config.model_copy(update={"smtp_outgoing": outgoing}), engine=engine, clock=clock
    )


def queued_reply(app: App) -> OutboundMessage:
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    (reply,) = outbox(app)
    return reply


def mail_now(app: App, outbound_id: int) -> OutboundMessage:
    with app.uow() as uow:
        message = uow.outbox.get(outbound_id)
        assert message is not None
        return message


def try_until_due(app: App, clock: FixedClock, outbound_id: int) -> None:
    """One sender pass that does not deliver, then the clock moved to the next try."""
    assert app.sender.run_once() == 0
    waiting = mail_now(app, outbound_id)
    assert waiting.status == "pending", waiting.last_error
    clock.advance(waiting.next_attempt_at - clock.now())


def test_a_reply_outlasts_a_relay_outage_and_goes_when_the_relay_is_back(
    config: Config, engine: Engine, clock: FixedClock, relay_port: int
) -> None:
    """The relay is down (connection refused), then up but answering 451 and 421 for a while:
    the reply stays pending through 13 failed tries, far past the 8 that used to fail it,
    and is delivered once, with its Message-ID, when the relay takes mail again."""
    app = relayed(config, engine, relay_port, clock)
    reply = queued_reply(app)
    for _ in range(4):
        try_until_due(app, clock, reply.id)
    assert "Connection refused" in mail_now(app, reply.id).last_error
    relay = FlakyRelay(answers=["451 4.3.0 try again later", "421 4.3.2 going down"] * 5)
    controller = start_flaky_relay(relay_port, relay)
    try:
        while relay.answers:
            try_until_due(app, clock, reply.id)
        assert "421" in mail_now(app, reply.id).last_error
        assert app.sender.run_once() == 1
    finally:
        controller.stop()
    (received,) = relay.received
    assert received.recipients == [CLIENT]
    assert read_written(received.raw).headers == read_written(reply.raw).headers
    sent = mail_now(app, reply.id)
    assert (sent.status, sent.attempts, sent.message_id) == ("sent", 15, reply.message_id)
    assert [m.kind for m in outbox(app)] == ["quote"]  # nobody was told of a failure


def test_a_550_fails_the_reply_at_once_and_the_managers_are_told(
    config: Config, engine: Engine, clock: FixedClock, relay: FlakyRelay, relay_port: int
) -> None:
    """A permanent refusal is not retried: the reply fails with the relay's answer, and the
    managers get a short notice (through the same relay) naming it and how to send it
    again."""
    relay.refused.add(CLIENT)
    app = relayed(config, engine, relay_port, clock)
    reply = queued_reply(app)
    assert app.sender.run_once() == 0
    failed = mail_now(app, reply.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "550" in failed.last_error
    assert app.sender.run_once() == 1  # the notice
    (notice,) = relay.received
    assert notice.recipients == [MANAGER]
    text = read_written(notice.raw).text
    assert f"{CLIENT} (Fleet Parts Ltd) for good" in text
    assert "550 5.1.1 no such user here" in text
    assert f"mailbot outbox retry {reply.id}" in text
    assert app.sender.run_once() == 0


@pytest.fixture
def cli(environ: dict[str, str]) -> CliRunner:
    return CliRunner(env={**environ, "MAILBOT_CONFIG": ""})


def call(cli: CliRunner, *args: str, code: int = 0) -> Result:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_outbox_retry_puts_a_failed_reply_back_and_it_goes(
    config: Config,
    engine: Engine,
    relay: FlakyRelay,
    relay_port: int,
    cli: CliRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refused for good, then the address is fixed at the relay: `mailbot --by alice outbox
    retry ID` makes the reply pending and due with its attempts from zero, says who did it,
    and the sender delivers it with its Message-ID unchanged."""
    relay.refused.add(CLIENT)
    app = relayed(config, engine, relay_port, SystemClock())
    reply = queued_reply(app)
    app.sender.run_once()
    assert mail_now(app, reply.id).status == "failed"
    relay.refused.clear()
    caplog.set_level(logging.INFO, logger="mailbot.cli")
    done = call(cli, "--by", "alice", "outbox", "retry", str(reply.id)).output
    assert done == f"outgoing mail {reply.id} to {CLIENT} put back in the queue (quote)\n"
    requeued = mail_now(app, reply.id)
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    assert requeued.last_error == "put back in the queue by alice (command line)"
    logged = [r.getMessage() for r in caplog.records if r.name == "mailbot.cli"]
    assert logged == [f"{done.strip()} by alice (command line)"]
    with app.uow() as uow:
        event = uow.session.scalars(select(Event).where(Event.type == "mail.requeued")).one()
    assert event.payload["by"] == "alice (command line)"
    assert "550" in event.payload["previous_error"]
    delivered = app.sender.run_once()
    assert delivered == 2  # the reply, and the managers' notice of its failure
    assert [r.recipients for r in relay.received] == [[CLIENT], [MANAGER]]
    assert relay.received[0].raw.rstrip(b"\r\n") == reply.raw.rstrip(b"\r\n")
    assert mail_now(app, reply.id).status == "sent"


def test_outbox_retry_failed_puts_every_failed_mail_back_and_refuses_the_rest(
    config: Config, engine: Engine, relay: FlakyRelay, relay_port: int, cli: CliRunner
) -> None:
    """`outbox retry --failed` re-queues each failed mail; mail that went cannot be put back
    (exit 1), an unknown one neither, and an ID with --failed or neither is wrong usage."""
    relay.refused.update({CLIENT, MANAGER})
    app = relayed(config, engine, relay_port, SystemClock())
    reply = queued_reply(app)
    app.sender.run_once()  # the reply fails, then the notice about it fails too
    app.sender.run_once()
    assert [m.status for m in outbox(app)] == ["failed", "failed"]
    output = call(cli, "outbox", "retry", "--failed").output
    assert output.endswith("2 failed mail(s) put back in the queue\n")
    assert [(m.status, m.attempts) for m in outbox(app)] == [("pending", 0), ("pending", 0)]
    assert "0 failed mail(s)" in call(cli, "outbox", "retry", "--failed").output
    relay.refused.clear()
    assert app.sender.run_once() == 2
    refused = call(cli, "outbox", "retry", str(reply.id), code=1).output
    assert f"outgoing mail {reply.id} was sent; it cannot be put back" in refused
    assert "no outgoing mail 999" in call(cli, "outbox", "retry", "999", code=1).output
    call(cli, "outbox", "retry", code=2)
    call(cli, "outbox", "retry", "1", "--failed", code=2)


def test_a_pending_mail_retried_by_id_is_due_at_once(
    config: Config, engine: Engine, relay_port: int, cli: CliRunner
) -> None:
    """A reply waiting for its next try (the relay down) is made due now by `outbox retry
    ID`, its attempts from zero."""
    app = relayed(config, engine, relay_port, SystemClock())  # nothing listens there
    reply = queued_reply(app)
    assert app.sender.run_once() == 0
    waiting = mail_now(app, reply.id)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at > SystemClock().now()
    call(cli, "outbox", "retry", str(reply.id))
    due = mail_now(app, reply.id)
    assert (due.status, due.attempts) == ("pending", 0)
    assert due.next_attempt_at <= SystemClock().now()
