"""A message's sender and subject read from its header block alone, for listings: cheap, and
forgiving of a block cut off at the length a listing reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailbot.parsers.decoding import decode_8bit, decode_header

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True, slots=True)
class Head:
    """The From and Subject of a message as a person reads them ("" when absent)."""

    sender: str
    subject: str


def read_head(head: bytes) -> Head:
    """From and Subject from the first bytes of a raw message (its header block)."""
    blank_line = _BLANK_LINE.search(head)
    if blank_line is not None:
        head = head[: blank_line.end()]
    found: dict[str, str] = {}
    for name, raw in BytesHeaderParser(policy=compat32).parsebytes(head).raw_items():
        key = decode_8bit(str(name))[0].strip().lower()
        if key in ("from", "subject") and key not in found:
            found[key] = decode_header(str(raw))[0]
    return Head(found.get("from", ""), found.get("subject", ""))
