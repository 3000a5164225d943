"""The sender: delivers the outbox with retry and backoff. The bytes never change between tries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from mailbot.clock import Clock
from mailbot.domain.mail import OutboundStatus
from mailbot.outbound.transport import DeliveryError, Transport
from mailbot.storage.models import OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.sender")

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class SendingPolicy:
    max_attempts: int
    retry_after: timedelta
    lease: timedelta = timedelta(minutes=5)


class Sender:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        transport: Transport,
        *,
        policy: SendingPolicy,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._transport = transport
        self._policy = policy
        self._clock = clock

    def run_once(self, limit: int = 50) -> int:
        """Try every due outbox message (up to `limit`); returns how many were delivered."""
        with self._uow() as uow:
            due = uow.outbox.due_ids(self._clock.now(), limit)
        return sum(self.deliver(outbound_id) for outbound_id in due)

    def deliver(self, outbound_id: int) -> bool:
        with self._uow() as uow:
            if not uow.outbox.claim(outbound_id, self._clock.now(), self._policy.lease):
                return False
            message = uow.outbox.get(outbound_id)
            assert message is not None
            if uow.bouncing.is_suppressed(message.recipient):
                self._suppress(uow, message)
                uow.commit()
                log.warning("outbox %s: not sent, %s is suppressed", message.id, message.recipient)
                return False
            uow.commit()
            sender, recipient, raw = message.sender, message.recipient, message.raw
            kind, message_id = message.kind, message.message_id
        try:
            self._transport.deliver(sender, [recipient], raw)
        except DeliveryError as error:
            self._failed(outbound_id, error)
            return False
        with self._uow() as uow:
            uow.outbox.mark_sent(outbound_id, self._clock.now())
            uow.commit()
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
        message.last_error = (
            f"not sent: {message.recipient} bounced too often; "
            f"`mailbot addresses clear {message.recipient}` lets mail to it go again"
        )
        uow.events.record(
            "MailSuppressed",
            {"outbound": message.id, "recipient": message.recipient},
            self._clock.now(),
        )

    def _failed(self, outbound_id: int, error: DeliveryError) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            message = uow.outbox.get(outbound_id)
            assert message is not None
            message.last_error = str(error)[:2000]
            message.lease_until = None
            if error.permanent or message.attempts >= self._policy.max_attempts:
                message.status = OutboundStatus.FAILED
                uow.events.record(
                    "ReplyUndeliverable",
                    {"outbound": outbound_id, "recipient": message.recipient, "error": str(error)},
                    now,
                )
                log.warning("outbox %s: gave up on %s: %s", outbound_id, message.recipient, error)
            else:
                backoff = min(self._policy.retry_after * 2 ** (message.attempts - 1), MAX_BACKOFF)
                message.next_attempt_at = now + backoff
                log.info("outbox %s: will retry in %s: %s", outbound_id, backoff, error)
            uow.commit()
