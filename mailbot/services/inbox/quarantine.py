"""Quarantine: messages processing gave up on, kept raw with the reason, replayable by a manager."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.domain.mail import InboundStatus
from mailbot.errors import MailbotError
from mailbot.storage.unit_of_work import UnitOfWork


class NotQuarantinedError(MailbotError):
    """The message asked for is not in quarantine."""


def retry_quarantined(uow: Callable[[], UnitOfWork], inbound_id: int, *, now: datetime) -> None:
    """Put a quarantined message back in line, with a fresh count of attempts."""
    with uow() as unit:
        message = unit.inbox.get(inbound_id)
        if message is None or message.status != InboundStatus.QUARANTINED:
            raise NotQuarantinedError(f"message {inbound_id} is not in quarantine")
        message.status = InboundStatus.STORED
        message.attempts = 0
        message.lease_until = None
        message.outcome = f"retried from quarantine (was: {message.outcome})"[:2000]
        unit.events.record("MessageRetried", {"message": inbound_id}, now)
        unit.commit()
