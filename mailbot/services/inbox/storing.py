"""Storing received mail: the raw bytes are committed before anyone acknowledges the message."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy.exc import DataError

from mailbot.domain.mail import InboundStatus
from mailbot.errors import MailbotError
from mailbot.storage.unit_of_work import UnitOfWork

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


class UnstorableMessageError(MailbotError):
    """The database refuses this message's data; storing it again will fail the same way."""


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    duplicate: bool


def store_message(
    uow: Callable[[], UnitOfWork], raw: bytes, *, source: str, now: datetime
) -> Stored:
    """Commit `raw` to the inbox, once: the same bytes stored again give the first message's id.

    Raises UnstorableMessageError when the database refuses the values taken from this message
    (other messages can still be stored); any other error is the database's, not the message's.
    """
    return store_messages(uow, [raw], source=source, now=now)[0]


def store_messages(
    uow: Callable[[], UnitOfWork], raws: Sequence[bytes], *, source: str, now: datetime
) -> list[Stored]:
    """Commit every one of `raws` to the inbox in one transaction, each once, as `store_message`.

    All or nothing: when the database refuses one message (UnstorableMessageError) none of
    them is stored, so a caller with several stores them one by one to tell which.
    """
    with uow() as unit:
        if len(raws) == 1:
            # One message is one INSERT, all or nothing by itself: on PostgreSQL it is sent
            # without BEGIN and COMMIT, a round trip instead of three before its 250.
            unit.commit_each_statement()
        results = []
        try:
            for raw in raws:
                digest = hashlib.sha256(raw).hexdigest()
                new_id = unit.inbox.insert_new(
                    {
                        "sha256": digest,
                        "message_id": header_message_id(raw),
                        "source": source,
                        "raw": raw,
                        "size": len(raw),
                        "received_at": now,
                        "status": InboundStatus.STORED,
                        "attempts": 0,
                        "last_error": "",
                        "outcome": "",
                    }
                )
                if new_id is not None:
                    results.append(Stored(new_id, duplicate=False))
                    continue
                existing = unit.inbox.id_by_sha256(digest)
                if existing is None:  # only if the other copy was deleted meanwhile
                    raise RuntimeError(f"message {digest} neither inserted nor found")
                results.append(Stored(existing, duplicate=True))
            unit.commit()
        except DataError as error:
            raise UnstorableMessageError(f"the database refuses it: {error.orig}") from error
        return results


def header_message_id(raw: bytes) -> str:
    """The Message-ID header without brackets, read from the header block only (cheap), or ""."""
    head = raw[:65536]
    # Only the header block: parsing a large body as well would cost more than the insert.
    blank_line = _BLANK_LINE.search(head)
    if blank_line is not None:
        head = head[: blank_line.end()]
    headers = BytesHeaderParser(policy=compat32).parsebytes(head)
    value = str(headers.get("Message-ID", "") or "")
    # PostgreSQL text cannot hold NUL; a forged id must not make the message unstorable.
    return value.replace("\x00", "").strip().strip("<>").strip()[:998]
