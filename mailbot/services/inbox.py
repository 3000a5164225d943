"""Storing received mail: the raw bytes are committed before anyone acknowledges the message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy.exc import DataError, IntegrityError

from mailbot.errors import MailbotError
from mailbot.storage.models import InboundMessage
from mailbot.storage.unit_of_work import UnitOfWork


class UnstorableMessageError(MailbotError):
    """The database refuses this message's data; storing it again will fail the same way."""


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    duplicate: bool


def store_message(uow: UnitOfWork, raw: bytes, *, source: str, now: datetime) -> Stored:
    """Commit `raw` to the inbox, once: the same bytes stored again give the first message's id.

    Raises UnstorableMessageError when the database refuses the values taken from this message
    (other messages can still be stored); any other error is the database's, not the message's.
    """
    digest = hashlib.sha256(raw).hexdigest()
    with uow:
        existing = uow.inbox.by_sha256(digest)
        if existing is not None:
            return Stored(existing.id, duplicate=True)
        message = InboundMessage(
            sha256=digest,
            message_id=header_message_id(raw),
            source=source,
            raw=raw,
            size=len(raw),
            received_at=now,
            status="stored",
            attempts=0,
            last_error="",
            outcome="",
        )
        try:
            uow.inbox.add(message)
            uow.commit()
        except DataError as error:
            raise UnstorableMessageError(f"the database refuses it: {error.orig}") from error
        except IntegrityError:
            # Another process stored the same bytes between our look-up and our insert.
            uow.rollback()
            winner = uow.inbox.by_sha256(digest)
            if winner is None:
                raise
            return Stored(winner.id, duplicate=True)
        return Stored(message.id, duplicate=False)


def header_message_id(raw: bytes) -> str:
    """The Message-ID header without brackets, read from the header block only (cheap), or ""."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536])
    value = str(headers.get("Message-ID", "") or "")
    # PostgreSQL text cannot hold NUL; a forged id must not make the message unstorable.
    return value.replace("\x00", "").strip().strip("<>").strip()[:998]
