"""Putting outgoing mail back in the queue: a manager re-queues mail that failed (the relay
refused it, or it outlived the queue) once the cause is fixed, or makes pending mail due now
after the relay is back. It goes with its Message-ID and bytes unchanged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.errors import MailbotError
from mailbot.services.outbox.cancelling import GONE
from mailbot.storage.models import OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork


class RetryError(MailbotError):
    """Mail that cannot be put back: unknown, sent, or in the sender's hands."""


def retry_mail(
    uow: Callable[[], UnitOfWork],
    *,
    now: datetime,
    outbound_id: int | None = None,
    by: Actor | None = None,
) -> Sequence[OutboundMessage]:
    """Put the mail `outbound_id` (failed, or pending and not being sent) back in the queue,
    due now, its attempts and queue lifetime starting again; without an id, every failed
    mail. Returns the mail put back as it is now. RetryError for an id that cannot be. `by`
    names who, in each mail's reason and event."""
    who = "a manager" if by is None else by.label
    with uow() as unit:
        requeued = unit.outbox.requeue(now, f"put back in the queue by {who}", outbound_id)
        for requeued_id, error in requeued:
            payload = {"outbound": requeued_id, "previous_error": error}
            unit.events.record(EventType.MAIL_REQUEUED, requeued_id, signed(payload, by), now)
        unit.commit()
        if outbound_id is not None and not requeued:
            message = unit.outbox.get(outbound_id)
            if message is None:
                raise RetryError(f"no outgoing mail {outbound_id}")
            status = OutboundStatus(message.status)
            gone = _HELD if status == OutboundStatus.HELD else GONE.get(status, _BUSY)
            raise RetryError(f"outgoing mail {outbound_id} {gone}; it cannot be put back")
        found = [unit.outbox.get(requeued_id) for requeued_id, _ in requeued]
        return [message for message in found if message is not None]


_HELD = "is held for a digest of replies, which sends it"
_BUSY = "is being sent right now"
