"""The sender: retries with backoff, never changes a mail between tries, gives up clearly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.outbound.transport import DeliveryError
from mailbot.storage.models import Event, OutboundMessage
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail
from tests.pipeline import FLEET, ingest


def queued_reply(app: App) -> OutboundMessage:
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    with app.uow() as uow:
        return uow.session.scalars(select(OutboundMessage)).one()


def status(app: App, outbound_id: int) -> OutboundMessage:
    with app.uow() as uow:
        message = uow.outbox.get(outbound_id)
        assert message is not None
        return message


def test_a_queued_reply_is_delivered_once(app: App, transport: RecordingTransport) -> None:
    """A pending reply goes out with its stored bytes and is marked sent, not sent again."""
    reply = queued_reply(app)
    assert app.sender.run_once() == 1
    assert app.sender.run_once() == 0
    (delivery,) = transport.delivered
    assert delivery.raw == reply.raw
    assert delivery.recipients == ("buying@fleetparts.example",)
    assert status(app, reply.id).status == "sent"


def test_temporary_failures_back_off_and_resend_the_same_bytes(
    app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """After 4xx-like failures the reply waits 1, then 2 retry periods, then goes out unchanged."""
    reply = queued_reply(app)
    transport.failures = 2
    retry = timedelta(seconds=app.config.smtp_outgoing.retry_seconds)
    assert app.sender.run_once() == 0
    assert status(app, reply.id).next_attempt_at == clock.now() + retry
    clock.advance(retry - timedelta(seconds=1))
    assert app.sender.run_once() == 0
    assert transport.attempts == 1  # not due yet: not even tried
    clock.advance(timedelta(seconds=1))
    assert app.sender.run_once() == 0
    assert status(app, reply.id).next_attempt_at == clock.now() + 2 * retry
    clock.advance(2 * retry)
    assert app.sender.run_once() == 1
    assert [d.raw for d in transport.delivered] == [reply.raw]
    sent = status(app, reply.id)
    assert (sent.status, sent.attempts, sent.message_id) == ("sent", 3, reply.message_id)


def test_a_permanent_failure_marks_the_reply_undeliverable(
    app: App, transport: RecordingTransport
) -> None:
    """A 5xx refusal is not retried: the reply is failed with the error, and an event recorded."""
    reply = queued_reply(app)
    transport.failures = 1
    transport.error = DeliveryError("550 5.1.1 no such user", permanent=True)
    assert app.sender.run_once() == 0
    failed = status(app, reply.id)
    assert (failed.status, failed.last_error) == ("failed", "550 5.1.1 no such user")
    with app.uow() as uow:
        names = uow.session.scalars(select(Event.name)).all()
    assert "ReplyUndeliverable" in names


def test_temporary_failures_give_up_after_max_attempts(
    app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """A relay that never takes the mail leaves it failed after smtp_outgoing.max_attempts."""
    reply = queued_reply(app)
    transport.failures = 1000
    for _ in range(app.config.smtp_outgoing.max_attempts):
        app.sender.run_once()
        clock.advance(timedelta(hours=7))  # beyond the longest backoff
    assert transport.attempts == app.config.smtp_outgoing.max_attempts
    assert status(app, reply.id).status == "failed"
