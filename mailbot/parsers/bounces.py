"""Delivery status notifications (bounces) read into the failures they report.

`flufl.bounce` (GNU Mailman's detectors) finds the failed recipients in RFC 3464 reports and
in the common non-standard formats (qmail, old Exchange, Postfix's older text, ...). This
module adds what it leaves out: each failure's status code (from the report's `Status:`
field, else the first enhanced code or SMTP reply near the address in the text) and the
Message-ID of the mail the bounce reports on, from the returned message or its headers.
"""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from flufl.bounce import all_failures

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>")
_ENHANCED = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_SMTP_REPLY = re.compile(r"(?<!\d)([45]\d\d)(?:[ -]|$)")
_RETURNED = frozenset({"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"})


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient the bounce says could not be reached.

    `status` is an RFC 3463 code such as "5.1.1" ("" when the bounce gives none);
    `permanent` is False for a delay or a 4.x.x failure: the address may work later.
    """

    recipient: str
    status: str
    permanent: bool

    @property
    def hard(self) -> bool:
        """A permanent failure that is not a temporary condition (a 5.x.x or no code at all)."""
        return self.permanent and not self.status.startswith("4")


@dataclass(frozen=True, slots=True)
class Bounce:
    """What a bounce reports: its failures, and the Message-ID (without <>) of the mail it
    reports on, or "" when the bounce did not return it."""

    failures: tuple[Failure, ...]
    original_message_id: str


class _DetectorErrors(logging.Filter):
    """Drops flufl.bounce's "Exception in detector" lines: a detector that trips over an
    ordinary mail (an Outlook message makes the Yale detector index past a list) logs an
    ERROR with a traceback, then raises, and `read_bounce` takes that as "not a bounce"."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Exception in detector")


_QUIET = _DetectorErrors()


def read_bounce(raw: bytes) -> Bounce | None:
    """The failures a bounce reports, or None when `raw` reports no failed recipient."""
    detectors = logging.getLogger("flufl.bounce")
    if _QUIET not in detectors.filters:
        detectors.addFilter(_QUIET)
    root = email.message_from_bytes(raw)
    try:
        delayed, failed = all_failures(root)
    except Exception as error:  # a detector tripping over a broken part must not stop anything
        log.debug("not read as a bounce: a flufl.bounce detector failed: %r", error)
        return None
    if not delayed and not failed:
        return None
    statuses = _report_statuses(root)
    text = _text(root)
    failures = [
        _failure(address.decode("ascii").lower(), permanent, statuses, text)
        for permanent, addresses in ((True, failed), (False, delayed - failed))
        for address in sorted(addresses)
    ]
    return Bounce(tuple(f for f in failures if "@" in f.recipient), _original_id(root))


def _failure(recipient: str, permanent: bool, statuses: dict[str, str], text: str) -> Failure:
    return Failure(
        recipient, statuses.get(recipient) or _status_in_text(recipient, text), permanent
    )


def _report_statuses(root: Message) -> dict[str, str]:
    """Status codes of an RFC 3464 report by recipient (lower case)."""
    found: dict[str, str] = {}
    for part in root.walk():
        if part.get_content_type() != "message/delivery-status" or not part.is_multipart():
            continue
        for block in part.get_payload():
            if not isinstance(block, Message):
                continue
            status = _ENHANCED.search(str(block.get("status", "")))
            for field in ("final-recipient", "original-recipient"):
                address = str(block.get(field, "")).partition(";")[2].strip().strip("<>")
                if address and status:
                    found.setdefault(address.lower(), status.group(1))
    return found


def _status_in_text(recipient: str, text: str) -> str:
    """The first enhanced status code on the lines about `recipient`, else in the whole text;
    else an SMTP reply code (550 -> 5.0.0)."""
    lines = text.splitlines()
    near = [
        "\n".join(lines[n : n + 4]) for n, line in enumerate(lines) if recipient in line.lower()
    ]
    for chunk in (*near, text):
        if found := _ENHANCED.search(chunk):
            return found.group(1)
    for chunk in (*near, text):
        if found := _SMTP_REPLY.search(chunk):
            return f"{found.group(1)[0]}.0.0"
    return ""


def _text(root: Message) -> str:
    """The bounce's own text parts, decoded (not those of the returned message)."""
    texts = []
    for part in _own_parts(root):
        if part.get_content_maintype() == "text" and part.get_content_type() not in _RETURNED:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "latin-1"
                texts.append(payload.decode(charset if _known(charset) else "latin-1", "replace"))
    return "\n".join(texts)


def _own_parts(part: Message) -> Iterator[Message]:
    """Leaf parts of the bounce, not descending into a returned message/rfc822."""
    if part.get_content_type() in _RETURNED:
        return
    if part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                yield from _own_parts(child)
    else:
        yield part


def _original_id(root: Message) -> str:
    """The Message-ID of the returned mail: from a message/rfc822 or text/rfc822-headers
    part, else from a copy of its headers pasted into the bounce's text."""
    for part in root.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822" and part.is_multipart():
            returned = part.get_payload(0)
            if isinstance(returned, Message) and (found := _MESSAGE_ID.search(_headers(returned))):
                return found.group(1)
        elif content_type in _RETURNED:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and (
                found := _MESSAGE_ID.search(payload.decode("latin-1"))
            ):
                return found.group(1)
    if found := _MESSAGE_ID.search(_text(root)):
        return found.group(1)
    return ""


def _headers(message: Message) -> str:
    return "".join(f"{name}: {value}\n" for name, value in message.items())


def _known(charset: str) -> bool:
    try:
        "".encode(charset)
    except LookupError:
        return False
    return True
