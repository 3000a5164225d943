"""The sender: retries with backoff, never changes a mail between tries, gives up clearly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, ConfigError, load_config
from mailbot.demo import seed_demo
from mailbot.outbound.transport import Accepted, DeliveryError
from mailbot.parsers.mail_summary import read_written
from mailbot.storage.models import Event, OutboundMessage
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail
from tests.pipeline import FLEET, ingest, outbox


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
        names = uow.session.scalars(select(Event.type)).all()
    assert "mail.undeliverable" in names


def test_temporary_failures_keep_the_mail_queued_until_its_lifetime_ends(
    app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """A relay that never takes the mail: tried again and again (far past the 8 tries that
    used to fail it), the wait never above max_retry_seconds, the last try when
    max_queue_days end; then failed with the reason, and the manager is mailed once."""
    outgoing = app.config.smtp_outgoing
    reply = queued_reply(app)
    transport.failures = 10_000
    lifetime = timedelta(days=outgoing.max_queue_days)
    cap = timedelta(seconds=outgoing.max_retry_seconds)
    waits = []
    while status(app, reply.id).status == "pending":
        assert app.sender.run_once() == 0
        waiting = status(app, reply.id)
        if waiting.status == "pending":
            waits.append(waiting.next_attempt_at - clock.now())
            clock.advance(waiting.next_attempt_at - clock.now())
    assert max(waits) == cap
    assert len(waits) > 100  # five days of hourly tries
    assert clock.now() == reply.created_at + lifetime
    failed = status(app, reply.id)
    assert failed.status == "failed"
    assert failed.last_error.startswith("not taken by the relay in 5 days")
    assert "421 try later" in failed.last_error
    (notice,) = [m for m in outbox(app) if m.kind == "mail_undeliverable"]
    assert notice.recipient == "manager@distributor.example"
    assert notice.status == "pending"
    text = read_written(notice.raw).text
    assert f"mailbot outbox retry {reply.id}" in text
    assert "buying@fleetparts.example" in text
    assert "5 days" in text


def test_a_notice_about_failed_mail_that_fails_tells_nobody(
    app: App, transport: RecordingTransport
) -> None:
    """The relay refuses the reply and then the managers' notice for good: the notice fails
    too, and no third mail is written about it."""
    queued_reply(app)
    transport.failures = 2
    transport.error = DeliveryError("550 5.7.1 relaying denied", permanent=True)
    app.sender.run_once()
    assert [(m.kind, m.status) for m in outbox(app)] == [
        ("quote", "failed"),
        ("mail_undeliverable", "pending"),
    ]
    app.sender.run_once()
    assert [(m.kind, m.status) for m in outbox(app)] == [
        ("quote", "failed"),
        ("mail_undeliverable", "failed"),
    ]
    assert app.sender.run_once() == 0
    assert transport.attempts == 2


class Crash(BaseException):
    """The process dies here (kill -9): nothing after it runs, nothing is recorded."""


@dataclass
class CrashAfterRelay:
    """A relay that takes the mail, and a sender that dies before it can record it."""

    repeatable = False

    taken: list[bytes] = field(default_factory=list)

    def deliver(
        self, sender: str, recipients: Sequence[str], raw: bytes, accepted: Accepted | None = None
    ) -> None:
        self.taken.append(raw)
        raise Crash


def test_after_a_crash_the_mail_goes_again_after_the_configured_lease(
    config: Config, engine: Engine, clock: FixedClock, transport: RecordingTransport
) -> None:
    """Killed between the relay's 250 and recording it, the sender leaves the mail claimed:
    another sender sends it again, with the same Message-ID, once smtp_outgoing.lease_seconds
    (here 45) have passed, not 5 minutes, and says the first attempt was interrupted."""
    outgoing = config.smtp_outgoing.model_copy(update={"lease_seconds": 45})
    config = config.model_copy(update={"smtp_outgoing": outgoing})
    relay = CrashAfterRelay()
    crashing = bootstrap(config, engine=engine, transport=relay, clock=clock)
    reply = queued_reply(crashing)
    with pytest.raises(Crash):
        crashing.sender.run_once()
    claimed = status(crashing, reply.id)
    assert (claimed.status, claimed.sending_since) == ("pending", clock.now())
    restarted = bootstrap(config, engine=engine, transport=transport, clock=clock)
    clock.advance(timedelta(seconds=44))
    assert restarted.sender.run_once() == 0  # the lease still holds
    clock.advance(timedelta(seconds=2))
    assert restarted.sender.run_once() == 1
    (again,) = transport.delivered
    assert again.raw == relay.taken[0] == reply.raw  # one Message-ID, the same bytes
    sent = status(restarted, reply.id)
    assert (sent.status, sent.attempts, sent.sending_since) == ("sent", 2, None)
    with restarted.uow() as uow:
        interrupted = uow.session.scalars(
            select(Event).where(Event.type == "mail.interrupted")
        ).one()
    assert interrupted.payload["outbound"] == reply.id


def test_the_sender_lease_defaults_to_a_minute_beyond_the_smtp_timeout(config: Config) -> None:
    """A crashed sender's mail waits a minute, not five; a lease no longer than one SMTP
    transaction is refused, so a slow relay cannot make two senders send one mail."""
    assert config.smtp_outgoing.lease_seconds == 60
    assert config.smtp_outgoing.timeout_seconds == 30
    with pytest.raises(ConfigError, match=r"smtp_outgoing\.lease_seconds"):
        load_config(
            environ={
                "MAILBOT_SMTP_OUTGOING__TIMEOUT_SECONDS": "60",
                "MAILBOT_SMTP_OUTGOING__LEASE_SECONDS": "60",
            }
        )


def test_the_sent_mark_is_committed_before_the_connection_closes(
    app: App, clock: FixedClock
) -> None:
    """The relay's 250 is recorded at once: when the transport says the mail was taken the
    mail is already `sent` in the database, before the transport goes on (QUIT)."""
    reply = queued_reply(app)
    seen: list[str] = []

    class Relay:
        repeatable = False

        def deliver(
            self,
            sender: str,
            recipients: Sequence[str],
            raw: bytes,
            accepted: Accepted | None = None,
        ) -> None:
            assert accepted is not None
            seen.append(status(app, reply.id).status)
            accepted()
            seen.append(status(app, reply.id).status)

    sender = bootstrap(app.config, engine=app.engine, transport=Relay(), clock=clock).sender
    assert sender.run_once() == 1
    assert seen == ["pending", "sent"]


def test_a_folder_like_transport_gets_the_due_mail_as_one_batch(
    app: App, clock: FixedClock
) -> None:
    """A transport where delivering twice leaves one copy gets every due mail of one claim,
    recorded sent together after the last: a sender killed in between delivers them all
    again after the lease, with the same Message-IDs."""
    seed_demo(app)
    for quantity in (1, 2, 3):
        ingest(app, mail(sender=FLEET, body=f"BPW-0310 x {quantity}"))
    replies = outbox(app)
    assert len(replies) == 3

    @dataclass
    class Folder:
        repeatable = True
        files: dict[bytes, int] = field(default_factory=dict)
        crash_after: int | None = None

        def deliver(
            self,
            sender: str,
            recipients: Sequence[str],
            raw: bytes,
            accepted: Accepted | None = None,
        ) -> None:
            message_id = next(line for line in raw.splitlines() if line.startswith(b"Message-ID"))
            self.files[message_id] = self.files.get(message_id, 0) + 1
            assert all(status(app, reply.id).status == "pending" for reply in replies)
            if accepted is not None:
                accepted()
            if self.crash_after is not None and len(self.files) == self.crash_after:
                raise Crash

    folder = Folder(crash_after=2)
    crashing = bootstrap(app.config, engine=app.engine, transport=folder, clock=clock).sender
    with pytest.raises(Crash):
        crashing.run_once()
    assert [status(app, reply.id).status for reply in replies] == ["pending"] * 3
    folder.crash_after = None
    sender = bootstrap(app.config, engine=app.engine, transport=folder, clock=clock).sender
    assert sender.run_once() == 0  # all three are leased by the dead sender
    clock.advance(timedelta(seconds=app.config.smtp_outgoing.lease_seconds + 1))
    assert sender.run_once() == 3
    assert [status(app, reply.id).status for reply in replies] == ["sent"] * 3
    assert sorted(folder.files.values()) == [1, 2, 2]
