"""Storing received mail: the raw bytes are committed before anyone acknowledges the message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy.exc import IntegrityError

from mailbot.storage.models import InboundMessage
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    duplicate: bool


def store_message(uow: UnitOfWork, raw: bytes, *, source: str, now: datetime) -> Stored:
    """Commit `raw` to the inbox, once: the same bytes stored again give the first message's id."""
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
    return value.strip().strip("<>").strip()[:998]
