"""The sender: delivers the outbox with retry and backoff. The bytes never change between tries.

Delivery is at least once, with one Message-ID. Before a mail is handed to the relay its claim
(a lease of `SendingPolicy.lease`) and the moment the attempt began (`sending_since`) are
committed; the relay's 250 is recorded in its own small commit the moment it comes, before
the connection is closed. A sender killed between that 250 and that commit leaves the mail
claimed: after the lease another sender sends it again, with the same Message-ID (receivers
drop the copy by it), and says the earlier attempt was interrupted.

A temporary failure (no connection, 4xx, time up) keeps the mail pending, tried again after
`retry_after`, doubling up to `max_backoff`; it fails only when the relay refuses it for good
(5xx) or it is still not taken `queue_lifetime` after it entered the queue. Then every
manager is mailed once about it (a failed notice of that kind is only logged, so it never
loops), and `mailbot outbox retry` puts it back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.clock import Clock
from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.outbound.transport import DeliveryError, Transport
from mailbot.services.outbox.replies import Replies, mail_managers
from mailbot.storage.models import OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.sender")

# The managers' notice about a mail that failed; one of these failing tells nobody.
NOTICE = "mail_undeliverable"


@dataclass(frozen=True, slots=True)
class SendingPolicy:
    retry_after: timedelta
    max_backoff: timedelta = timedelta(hours=1)
    queue_lifetime: timedelta = timedelta(days=5)
    # Longer than one SMTP transaction may last (`smtp_outgoing.timeout_seconds`).
    lease: timedelta = timedelta(seconds=60)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th try failed: retry_after, doubling, capped."""
        doublings = min(max(attempts - 1, 0), 32)
        wait: timedelta = self.retry_after * 2**doublings
        return min(wait, self.max_backoff)


class Sender:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        transport: Transport,
        *,
        policy: SendingPolicy,
        clock: Clock,
        replies: Replies,
    ) -> None:
        self._uow = uow
        self._transport = transport
        self._policy = policy
        self._clock = clock
        self._replies = replies

    def run_once(self, limit: int = 50) -> int:
        """Try every due outbox message (up to `limit`); returns how many were delivered."""
        with self._uow() as uow:
            due = uow.outbox.due_ids(self._clock.now(), limit)
        return sum(self.deliver(outbound_id) for outbound_id in due)

    def deliver(self, outbound_id: int) -> bool:
        with self._uow() as uow:
            now = self._clock.now()
            if not uow.outbox.claim(outbound_id, now, self._policy.lease):
                return False
            message = uow.outbox.get(outbound_id)
            assert message is not None
            if uow.bouncing.is_suppressed(message.recipient):
                self._suppress(uow, message)
                uow.commit()
                log.warning("outbox %s: not sent, %s is suppressed", message.id, message.recipient)
                return False
            if message.sending_since is not None:
                self._interrupted(uow, message, now)
            message.sending_since = now
            uow.commit()
            sender, recipient, raw = message.sender, message.recipient, message.raw
            kind, message_id = message.kind, message.message_id
        recorded = False

        def accepted() -> None:
            # The relay said 250: record it before anything else, QUIT included.
            nonlocal recorded
            with self._uow() as unit:
                unit.outbox.mark_sent(outbound_id, self._clock.now())
                unit.commit()
            recorded = True

        try:
            self._transport.deliver(sender, [recipient], raw, accepted)
        except DeliveryError as error:
            self._failed(outbound_id, error)
            return False
        if not recorded:  # a transport that returned without saying so: it took the mail
            accepted()
        log.info(
            "outbox %s %s: %s sent to %s",
            outbound_id,
            message_id,
            kind,
            recipient,
            extra={
                "outbound": outbound_id,
                "message_id": message_id.strip("<>"),
                "kind": kind,
                "to": recipient,
            },
        )
        return True

    def _suppress(self, uow: UnitOfWork, message: OutboundMessage) -> None:
        """Keep mail from an address that bounced too often, saying why (outbox/bounces.py)."""
        message.status = OutboundStatus.SUPPRESSED
        message.lease_until = None
        message.sending_since = None
        message.last_error = (
            f"not sent: {message.recipient} bounced too often; "
            f"`mailbot addresses clear {message.recipient}` lets mail to it go again"
        )
        payload = {"outbound": message.id, "recipient": message.recipient}
        uow.events.record(EventType.MAIL_SUPPRESSED, message.id, payload, self._clock.now())

    def _interrupted(self, uow: UnitOfWork, message: OutboundMessage, now: datetime) -> None:
        """The attempt begun at `sending_since` never recorded its outcome: its sender
        stopped, perhaps after the relay took the mail. Say so, then send it again."""
        since = message.sending_since
        payload = {"outbound": message.id, "message_id": message.message_id, "since": str(since)}
        uow.events.record(EventType.MAIL_INTERRUPTED, message.id, payload, now)
        log.warning(
            "outbox %s %s: the attempt begun at %s was interrupted (its sender stopped); the "
            "relay may have taken it, so %s may get it twice with this Message-ID",
            message.id,
            message.message_id,
            since,
            message.recipient,
        )

    def _failed(self, outbound_id: int, error: DeliveryError) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            message = uow.outbox.get(outbound_id)
            assert message is not None
            message.last_error = str(error)[:2000]
            message.lease_until = None
            message.sending_since = None
            expires = message.queued_at + self._policy.queue_lifetime
            if error.permanent or now >= expires:
                if not error.permanent:
                    days = self._policy.queue_lifetime / timedelta(days=1)
                    message.last_error = (
                        f"not taken by the relay in {days:g} days (smtp_outgoing."
                        f"max_queue_days); the last error: {error}"
                    )[:2000]
                message.status = OutboundStatus.FAILED
                uow.events.record(
                    EventType.MAIL_UNDELIVERABLE,
                    outbound_id,
                    {
                        "outbound": outbound_id,
                        "recipient": message.recipient,
                        "error": message.last_error,
                        "permanent": error.permanent,
                    },
                    now,
                )
                told = self._tell_managers(uow, message, error.permanent, now)
                log.warning(
                    "outbox %s: gave up on %s: %s; %d manager(s) told",
                    outbound_id,
                    message.recipient,
                    message.last_error,
                    told,
                )
            else:
                wait = self._policy.backoff(message.attempts)
                message.next_attempt_at = min(now + wait, expires)
                log.info("outbox %s: will retry in %s: %s", outbound_id, wait, error)
            uow.commit()

    def _tell_managers(
        self, uow: UnitOfWork, message: OutboundMessage, permanent: bool, now: datetime
    ) -> int:
        """Mail every manager (but the one the failed mail was for) about it, in the same
        transaction; nobody about a failed notice of this kind."""
        if message.kind == NOTICE:
            return 0
        partner = uow.partners.by_address(message.recipient)
        context = {
            "outbound_id": message.id,
            "address": message.recipient,
            "holder": partner.name if partner else "",
            "subject": message.subject,
            "written_at": message.created_at,
            "error": message.last_error,
            "permanent": permanent,
            "days": self._policy.queue_lifetime / timedelta(days=1),
        }
        excluding = partner.id if partner is not None and partner.role == "manager" else None
        return mail_managers(uow, self._replies, NOTICE, context, now=now, excluding=excluding)
