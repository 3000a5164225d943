"""Cancelling outgoing mail that has not gone yet: a manager stops a pending or held mail, and
the sender (or a digest of held replies) never sends it afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.errors import MailbotError
from mailbot.storage.models import OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

# What became of mail that is no longer waiting to be sent, as a refusal says it.
GONE = {
    OutboundStatus.SENT: "was sent",
    OutboundStatus.BOUNCED: "was sent (and bounced)",
    OutboundStatus.DIGESTED: "was sent inside a digest",
    OutboundStatus.FAILED: "was refused by the relay and will not be sent",
    OutboundStatus.SUPPRESSED: "is suppressed and will not be sent",
    OutboundStatus.CANCELLED: "is cancelled already",
}


class CancelError(MailbotError):
    """Mail that cannot be cancelled: unknown, sent, or in the sender's hands."""


def cancel_mail(
    uow: Callable[[], UnitOfWork],
    outbound_id: int,
    *,
    now: datetime,
    note: str = "",
    by: Actor | None = None,
) -> OutboundMessage:
    """Cancel the outbox mail `outbound_id` while it is pending or held; the mail as it is
    now. CancelError naming what became of it otherwise. `by` names who, in the reason."""
    who = "a manager" if by is None else by.label
    reason = f"cancelled by {who}" + (f": {note}" if note else "")
    with uow() as unit:
        cancelled = unit.outbox.cancel(outbound_id, now, reason[:2000])
        if cancelled:
            payload = {"outbound": outbound_id, "note": note}
            unit.events.record(EventType.MAIL_CANCELLED, outbound_id, signed(payload, by), now)
            unit.commit()
        message = unit.outbox.get(outbound_id)
        if message is None:
            raise CancelError(f"no outgoing mail {outbound_id}")
        if not cancelled:
            # Pending or held but not cancelled: a sender holds its lease right now.
            gone = GONE.get(OutboundStatus(message.status), "is being sent right now")
            raise CancelError(f"outgoing mail {outbound_id} {gone}; it cannot be cancelled")
        return message
