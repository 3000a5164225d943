"""Composing a rendered reply into RFC 5322 bytes ready for any SMTP relay."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import MIMEPart
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache

from mailbot.outbound.render import RenderedMail

# A msg-id as RFC 5322 allows it, without the angle brackets: printable ASCII, no spaces.
_MSG_ID = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")
_BRACKETED = re.compile(r"<([^<>]*)>")
# The Message-IDs compose makes: a uuid4's 32 hex digits at the desk's domain.
_MADE_HERE = re.compile(r"<?[0-9a-f]{32}@[^<>@\s]+>?")

# Long threads would make References grow without end; RFC 5322 (3.6.4) lets a reply trim it.
# The first id (the thread's root) and the latest ones are what threading needs.
_MAX_REFERENCES = 20

# RFC 5322 (2.1.1): lines should stay within 78 characters.
_LINE = 78

# UTF-8 bytes per RFC 2047 word: 42 bytes are 56 base64 characters, a 68-character word,
# which fits on the first line after "Subject: ".
_WORD_BYTES = 42

# A line break that does not start a folded continuation line, which would start a new field.
_BARE_BREAK = re.compile(r"\r\n(?![ \t])|\r(?!\n)|(?<!\r)\n")

# The bytes quoted-printable writes as they are; every other byte takes three ("=D0").
_QP_LITERAL = bytes([9, 10, 13, *range(32, 61), *range(62, 127)])


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """A mail ready to send: its Message-ID in angle brackets, the recipient, the bytes."""

    message_id: str
    to: str
    raw: bytes


def compose(
    rendered: RenderedMail,
    *,
    sender: str,
    to: str,
    domain: str,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    message_id: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    answering: bool = False,
    now: datetime,
) -> ComposedMail:
    """A multipart/alternative mail (text and HTML) threaded under `in_reply_to`; `answering`
    when it answers a received message (RFC 3834 "auto-replied"), else "auto-generated" (a
    digest, an order file, a reminder, even when threaded under mailbot's own earlier mail).

    `message_id` keeps the id of a mail composed before (a retry); without it a new
    `<random@domain>` is made. `attachments` are (file name, content type, bytes).
    The bytes are 7-bit clean with CRLF line ends: each text part is quoted-printable or
    base64, whichever is shorter; attachments are base64.
    """
    if now.tzinfo is None:
        raise ValueError("compose needs an aware `now`")
    if message_id is None:
        message_id = f"<{uuid.uuid4().hex}@{domain}>"
    else:
        given = _ids(message_id)
        if len(given) != 1:
            raise ValueError(f"not a Message-ID: {message_id!r}")
        message_id = given[0]

    fields = [
        _address_field("From", sender),
        _address_field("To", to),
        _subject_field(rendered.subject),
        f"Date: {format_datetime(now)}\r\n",
        f"Message-ID: {message_id}\r\n",
    ]
    parent = next(iter(_ids(in_reply_to)), None)
    if parent:
        fields.append(_folded("In-Reply-To", [parent]))
    thread = _thread(references, parent)
    if thread:
        fields.append(_folded("References", thread))
    # RFC 3834: marks the mail as automatic so that well-behaved responders stay quiet; the
    # Microsoft header does the same for Exchange out-of-office replies.
    fields.append(f"Auto-Submitted: {'auto-replied' if answering else 'auto-generated'}\r\n")
    fields.append("X-Auto-Response-Suppress: All\r\n")
    fields.append("MIME-Version: 1.0\r\n")
    for field in fields:
        _check_field(field)

    body = _multipart(
        "alternative", [_text_part("plain", rendered.text), _text_part("html", rendered.html)]
    )
    if attachments:
        body = _multipart("mixed", [body, *(_attachment(*item) for item in attachments)])
    raw = "".join(fields).encode("ascii") + body
    return ComposedMail(message_id=message_id, to=to, raw=raw)


def made_here(message_id: str) -> bool:
    """Whether `message_id` has the shape of the ids `compose` makes: only such an id can be
    one of mailbot's own mails coming back, so no other is looked up (every message received
    is asked about)."""
    return _MADE_HERE.fullmatch(message_id.strip()) is not None


def _ids(value: str) -> list[str]:
    """The usable ids in `value` as `<left@right>`: each `<...>` in it, or the bare value.

    Header values from other mailers carry comments and several ids ("<a@x> (note) <b@x>");
    anything that is not a well-formed id is dropped, so it can never reach a header.
    """
    cores = _BRACKETED.findall(value) if "<" in value else [value.strip()]
    return [f"<{core}>" for core in cores if _MSG_ID.fullmatch(core)]


def _thread(references: Iterable[str], parent: str | None) -> list[str]:
    """The References ids: the given ones then the parent, each once, trimmed in the middle."""
    # A dict keeps the first place of each id in linear time (a thread can hold thousands).
    ids = list(dict.fromkeys(i for entry in [*references, parent or ""] for i in _ids(entry)))
    if len(ids) > _MAX_REFERENCES:
        ids = [ids[0], *ids[-(_MAX_REFERENCES - 1) :]]
    return ids


def _folded(name: str, words: Iterable[str]) -> str:
    """The field `name`: `words` joined by spaces, folded before any word that would pass 78."""
    # A word is never split: one longer than a line stands alone on its line.
    lines = [f"{name}:"]
    for word in words:
        if word and len(lines[-1]) + 1 + len(word) > _LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += f" {word}"
    return "\r\n".join(lines) + "\r\n"


# The email package parses a whole address list to write it, the slowest step of composing;
# the sender is always the same and partners write again and again.
@lru_cache(maxsize=1024)
def _address_field(name: str, value: str) -> str:
    """The address field `name`, folded, display names in RFC 2047 words where not ASCII."""
    # header_store_parse refuses line breaks in the value.
    field: str = SMTP.fold(*SMTP.header_store_parse(name, value))
    return field


def _subject_field(subject: str) -> str:
    """Subject as written when it is short-worded printable ASCII, otherwise as RFC 2047 words.

    Text that looks like an encoded word ("=?utf-8?q?...?=", say in a partner's file name) is
    encoded too: the email package would decode it, line breaks included, into the header.
    """
    words = subject.split(" ")
    plain = subject.isascii() and subject.isprintable() and "=?" not in subject
    if plain and max(len(word) for word in words) <= _LINE - len("Subject: "):
        return _folded("Subject", words)
    return _folded("Subject", _encoded_words(subject))


def _encoded_words(text: str) -> list[str]:
    """`text` as base64 RFC 2047 words of whole characters, each short enough for a line."""
    chunks = [b""]
    for char in text:
        data = char.encode("utf-8", "replace")
        if len(chunks[-1]) + len(data) > _WORD_BYTES:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def _check_field(field: str) -> None:
    # The last guard against header injection, whatever produced the field: the email
    # package of Python releases without the fix for CVE-2024-6923 (3.11.7 among them)
    # writes a line break decoded from an encoded word into a header unquoted.
    if not field.isascii() or not field.endswith("\r\n") or _BARE_BREAK.search(field[:-2]):
        raise ValueError(f"refusing to write a header that would break the mail: {field!r}")


def _text_part(subtype: str, text: str) -> bytes:
    """A text/`subtype` UTF-8 part with CRLF line ends, in the shorter transfer encoding.

    Quoted-printable keeps mostly-ASCII text readable in the raw mail, but takes three
    bytes for each byte it escapes: for Cyrillic, base64 is about half its size.
    """
    data = b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"
    # n + 2 * escaped bytes against 4n / 3: the break-even is about one escaped byte in six.
    escaped = len(data.translate(None, _QP_LITERAL))
    if escaped * 6 <= len(data):
        cte, body = "quoted-printable", binascii.b2a_qp(data, istext=True)
    else:
        cte, body = "base64", base64.encodebytes(data).replace(b"\n", b"\r\n")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n'
    return head.encode("ascii") + b"\r\n" + body


def _attachment(filename: str, content_type: str, payload: bytes) -> bytes:
    """An attachment part in base64; the email package writes its fields, file name included."""
    maintype, _, subtype = content_type.partition("/")
    part = MIMEPart(policy=SMTP)
    part.set_content(
        payload,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        filename=filename,
    )
    # Folded and checked here rather than by part.as_bytes(), which would write them unchecked.
    fields = [SMTP.fold(name, value) for name, value in part.items()]
    for field in fields:
        _check_field(field)
    body = str(part.get_payload()).replace("\n", "\r\n")
    return "".join(fields).encode("ascii") + b"\r\n" + body.encode("ascii")


def _multipart(subtype: str, parts: Sequence[bytes]) -> bytes:
    """A multipart/`subtype` entity: its Content-Type field, a blank line and the parts."""
    # "=_" occurs neither in base64 nor in quoted-printable, so no body can hold the boundary.
    boundary = f"=_{secrets.token_hex(12)}"
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'
    delimiter = f"--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            head.encode("ascii"),
            delimiter,
            (b"\r\n" + delimiter).join(parts),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )
