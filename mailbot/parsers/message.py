"""Raw RFC 5322 bytes to a plain `ParsedMessage` (implementation in progress)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A message as mailbot needs it. Addresses are lower-case; header names are lower-case."""

    message_id: str
    from_address: str
    from_name: str
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    subject: str
    date: datetime | None
    in_reply_to: str
    references: tuple[str, ...]
    text: str
    attachments: tuple[Attachment, ...]
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defects: tuple[str, ...] = ()

    def header(self, name: str) -> str:
        """The first value of header `name` (case-insensitive), or ""."""
        values = self.headers.get(name.lower(), ())
        return values[0] if values else ""
