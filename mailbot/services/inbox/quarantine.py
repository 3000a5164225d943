"""Quarantine: messages processing gave up on, kept raw with the reason, replayable by a manager."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.mail import InboundStatus
from mailbot.errors import MailbotError
from mailbot.services.inbox.sender_auth import NOT_AUTHENTICATED
from mailbot.storage.unit_of_work import UnitOfWork


class NotQuarantinedError(MailbotError):
    """The message asked for is not in quarantine."""


def retry_quarantined(
    uow: Callable[[], UnitOfWork], inbound_id: int, *, now: datetime, by: Actor | None = None
) -> None:
    """Put a quarantined message back in line, with a fresh count of attempts; its outcome
    says who retried it (`by`), when a person did."""
    with uow() as unit:
        message = unit.inbox.get(inbound_id)
        if message is None or message.status != InboundStatus.QUARANTINED:
            raise NotQuarantinedError(f"message {inbound_id} is not in quarantine")
        message.status = InboundStatus.STORED
        message.attempts = 0
        message.lease_until = None
        who = "" if by is None else f" by {by.label}"
        message.outcome = f"retried from quarantine{who} (was: {message.outcome})"[:2000]
        payload = signed({"message": inbound_id}, by)
        unit.events.record(EventType.MESSAGE_RETRIED, inbound_id, payload, now)
        unit.commit()


class NotForgedError(NotQuarantinedError):
    """The message is in quarantine for another reason than its sender."""


def let_through(
    uow: Callable[[], UnitOfWork], inbound_id: int, *, now: datetime, by: Actor
) -> None:
    """A manager (`by`) has looked at a message quarantined because its sender was not
    authenticated, and vouches for it: it goes back in line and is processed with its sender
    taken as it is. Only such a message; any other reason is refused (NotForgedError)."""
    with uow() as unit:
        message = unit.inbox.get(inbound_id)
        if message is None or message.status != InboundStatus.QUARANTINED:
            raise NotQuarantinedError(f"message {inbound_id} is not in quarantine")
        if not message.outcome.startswith(NOT_AUTHENTICATED):
            raise NotForgedError(
                f"message {inbound_id} is in quarantine for another reason than its sender: "
                f"{message.outcome}; retry it instead"
            )
        message.vouched_by = by.label
        message.status = InboundStatus.STORED
        message.attempts = 0
        message.lease_until = None
        message.outcome = f"let through by {by.label} (was: {message.outcome})"[:2000]
        payload = signed({"message": inbound_id}, by)
        unit.events.record(EventType.MESSAGE_LET_THROUGH, inbound_id, payload, now)
        unit.commit()
