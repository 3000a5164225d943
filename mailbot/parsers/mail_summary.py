"""What a person needs to see of stored mail without reading it whole: who sent a received
message and its subject (from its header block alone), the headers, text and attachments of a
mail mailbot wrote, and any stored mail opened whole for the cabinet."""

from __future__ import annotations

import email
import email.utils
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser

from mailbot.parsers.decoding import decode_8bit, decode_header
from mailbot.parsers.mime_parts import read_parts

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_SHOWN_HEADERS = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
)
# Where a received message says it came from: what a person judges a held message by.
_ORIGIN_HEADERS = ("Sender", "Return-Path", "Authentication-Results")


@dataclass(frozen=True, slots=True)
class Head:
    """A received message's sender address (lower-case) and its subject, decoded."""

    sender: str
    subject: str


def read_head(head: bytes) -> Head:
    """The sender and subject from the first bytes of a message (its header block; a block
    cut short is read as far as it goes). Never raises: what cannot be read is ""."""
    block = _BLANK_LINE.split(head, maxsplit=1)[0]
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(block + b"\r\n\r\n")
        raw_from = next((str(v) for k, v in headers.raw_items() if k.lower() == "from"), "")
        raw_subject = next((str(v) for k, v in headers.raw_items() if k.lower() == "subject"), "")
    except Exception:  # a header block too broken to split: nothing to show, no failure
        return Head("", "")
    text, _ = decode_8bit(raw_from)
    addresses = [address for _, address in email.utils.getaddresses([text]) if address]
    return Head(addresses[0].lower() if addresses else "", decode_header(raw_subject)[0])


@dataclass(frozen=True, slots=True)
class AttachedFile:
    name: str
    content_type: str
    size: int  # decoded bytes


@dataclass(frozen=True, slots=True)
class MailView:
    """A mail mailbot wrote, as a person reads it: its main headers (in the order above, each
    decoded), the text part, and the attached files."""

    headers: tuple[tuple[str, str], ...]
    text: str
    attachments: tuple[AttachedFile, ...]


def read_written(raw: bytes) -> MailView:
    """Read a mail mailbot composed (well-formed MIME): the headers a person asks about, the
    first text/plain part that is not an attachment, and every attachment's name and size."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    headers = tuple(
        (name, " ".join(str(message[name]).split()))
        for name in _SHOWN_HEADERS
        if message[name] is not None
    )
    text = ""
    files = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if name is None and part.get_content_type() == "text/plain" and not text:
            text = str(part.get_content())
        elif name is not None or part.get_content_disposition() == "attachment":
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            files.append(AttachedFile(name or "", part.get_content_type(), size))
    return MailView(headers, text, tuple(files))


@dataclass(frozen=True, slots=True)
class MailFile:
    name: str  # "" when the part gives none
    content_type: str  # as declared
    payload: bytes


@dataclass(frozen=True, slots=True)
class OpenedMail:
    """A stored mail (received or written) opened for a person: its main headers and the ones
    telling where it came from, each value decoded; its plain text; its HTML as written (markup
    to show as text, never to render); its files. `problem`: why its body could not be read."""

    headers: tuple[tuple[str, str], ...]
    text: str
    html: str
    files: tuple[MailFile, ...]
    problem: str = ""


def open_mail(raw: bytes) -> OpenedMail:
    """Open any stored mail, however broken (the MIME reading of `mime_parts`). Never raises:
    a body too hostile to walk (nested thousands deep) leaves the headers alone and says why."""
    try:
        tree = email.message_from_bytes(raw)
        parts = read_parts(tree)
    except Exception as error:  # RecursionError on hostile nesting, or worse
        problem = f"its body could not be read ({type(error).__name__})"
        try:
            headers = _headers(BytesHeaderParser(policy=policy.compat32).parsebytes(raw))
        except Exception:
            headers = ()
        return OpenedMail(headers, "", "", (), problem)
    files = tuple(MailFile(*found) for found in parts.files)
    text, html = "\n".join(parts.body.plain), "\n".join(parts.body.html)
    return OpenedMail(_headers(tree), text, html, files)


def _headers(tree: Message) -> tuple[tuple[str, str], ...]:
    """The headers a person asks about, each decoded on one line, in the order above."""
    names = (*_SHOWN_HEADERS, *_ORIGIN_HEADERS)
    wanted = {name.lower(): name for name in names}
    found = [
        (wanted[str(key).lower()], " ".join(decode_header(str(value))[0].split()))
        for key, value in tree.raw_items()
        if str(key).lower() in wanted
    ]
    return tuple(sorted(found, key=lambda item: names.index(item[0])))
