"""Raw RFC 5322 bytes to a plain `ParsedMessage`.

mail-parser parses the bytes once; its addresses, date and defect reports are used as
they are. Headers are decoded here (mail-parser drops raw 8-bit Windows-1251 text), and
bodies and files are read from the email tree it built (see `mime_parts`). When
mail-parser itself fails on a broken header, the email package's tree is read alone.
"""

from __future__ import annotations

import email
import email.utils
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import errors
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser

import mailparser
from mailparser.utils import get_addresses

from mailbot.parsers.decoding import decode_8bit, decode_header, decode_words
from mailbot.parsers.forwards import is_forward
from mailbot.parsers.html_text import html_to_text
from mailbot.parsers.mime_parts import Body, read_parts
from mailbot.parsers.quoting import is_own, strip_quoted


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class ForwardedText:
    """The text of a message attached to this one (a forward sent as an attachment), named
    by its file name or else its subject, so that a reply can say where a line was read."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A message as mailbot needs it. Addresses are lower-case; header names are lower-case.

    `text` is what the sender wrote, with the text of inline forwards; `forwarded` holds the
    text of each attached message that has any, quoted earlier mail removed from both.
    """

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
    forwarded: tuple[ForwardedText, ...] = ()
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
    # Why the body could not be read at all ("nested", "broken"); "" when it was read.
    unread: str = ""
    # Why a From header that is there gives no address; "" when it does, or there is none.
    sender_problem: str = ""

    def header(self, name: str) -> str:
        """The first value of header `name` (case-insensitive), or ""."""
        values = self.headers.get(name.lower(), ())
        return values[0] if values else ""


_LIBRARY_LOG = logging.getLogger("mailparser")
_MESSAGE_ID = re.compile(r"<([^<>]*)>")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CHUNK = 2**20


def parse_message(raw: bytes, own_addresses: Collection[str] = ()) -> ParsedMessage:
    """Parse raw message bytes. Never raises: what was wrong is listed in `defects`.

    Mail from `own_addresses` forwarded inside this one (mailbot's own quote sent back) is
    quoted text, never forwarded text to read.
    """
    if _LIBRARY_LOG.level == logging.NOTSET:
        # mail-parser logs every odd part at WARNING/ERROR; those are message defects and
        # are reported in `defects`. A deployment that sets the level itself keeps it.
        _LIBRARY_LOG.setLevel(logging.CRITICAL)
    try:
        tree = _tree(raw)
    except Exception as exc:  # hostile nesting (RecursionError): a worker survives
        body = f"the body could not be read ({type(exc).__name__}); headers read alone"
        unread = "nested" if isinstance(exc, RecursionError) else "broken"
        try:
            message = _Reader(_headers_alone(raw), None, [body], own_addresses).message()
        except Exception as second:
            return _unreadable(f"message could not be read: {type(second).__name__}: {second}")
        return replace(message, unread=unread)
    try:
        parsed = mailparser.MailParser(tree)
    except Exception as exc:  # mail-parser raises on some broken headers (a bad encoded word)
        failure = f"mail-parser failed ({type(exc).__name__}: {exc}); read without it"
        try:
            return _Reader(tree, None, [failure], own_addresses).message()
        except Exception as second:
            return _unreadable(f"message could not be read: {type(second).__name__}: {second}")
    try:
        return _Reader(
            parsed.message, parsed, _library_defects(parsed.defects), own_addresses
        ).message()
    except Exception as exc:  # a last guard: one hostile message must not stop a worker
        return _unreadable(f"message could not be read: {type(exc).__name__}: {exc}")


def _tree(raw: bytes) -> Message:
    """The email package's tree of `raw`, as `email.message_from_bytes` builds it, but fed in
    chunks: given the whole message at once, the parser splits all of it into line strings
    first, which costs several times the size of a big attachment."""
    parser = BytesFeedParser()
    for start in range(0, len(raw), _CHUNK):
        parser.feed(raw[start : start + _CHUNK])
    return parser.close()


def _headers_alone(raw: bytes) -> Message:
    """The header block of `raw` with an empty body, so that the sender can still be told."""
    root = BytesHeaderParser().parsebytes(raw)
    root.set_payload("")
    return root


def _unreadable(reason: str) -> ParsedMessage:
    return ParsedMessage(
        unread="broken",
        message_id="",
        from_address="",
        from_name="",
        reply_to=(),
        to=(),
        subject="",
        date=None,
        in_reply_to="",
        references=(),
        text="",
        attachments=(),
        defects=(reason,),
    )


class _Reader:
    """Reads one parsed message; collects defects as it goes."""

    def __init__(
        self,
        root: Message,
        parsed: mailparser.MailParser | None,
        defects: list[str],
        own: Collection[str],
    ) -> None:
        self.root = root
        self.own = own
        self.parsed = parsed
        self.defects = defects
        self.raw_first: dict[str, str] = {}  # header name -> first raw value

    def message(self) -> ParsedMessage:
        headers = self._headers()
        senders = self._addresses("from", "from_")
        from_name, from_address = senders[0] if senders else ("", "")
        sender_problem = ""
        if not from_address:
            self.defects.append("no sender address in From")
            sender_problem = self._sender_problem()
        message_id = _first_id(_first(headers, "message-id"))
        if not message_id:
            self.defects.append("no Message-ID")
        parts = read_parts(self.root)
        self.defects.extend(parts.defects)
        subject = _first(headers, "subject")
        forwarded = (
            ForwardedText(attached.name, _body_text(attached.body, attached.subject, self.own))
            for attached in parts.messages
            if not is_own(attached.sender, self.own)
        )
        return ParsedMessage(
            message_id=message_id,
            from_address=from_address,
            from_name=from_name,
            reply_to=tuple(address for _, address in self._addresses("reply-to", "reply_to")),
            to=tuple(address for _, address in self._addresses("to", "to")),
            subject=subject,
            date=self._date(),
            in_reply_to=_first_id(_first(headers, "in-reply-to")),
            references=tuple(_ids(" ".join(headers.get("references", ())))),
            text=_body_text(parts.body, subject, self.own),
            attachments=tuple(Attachment(*file) for file in parts.files),
            forwarded=tuple(found for found in forwarded if found.text),
            headers=headers,
            defects=tuple(dict.fromkeys(self.defects)),
            sender_problem=sender_problem,
        )

    def _sender_problem(self) -> str:
        """Why the From header gives no address, when there is one that says something."""
        written = " ".join(self.raw_first.get("from", "").split())
        if not written:
            return ""
        cut = any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in self.root.defects)
        if cut:
            # A line break inside the header (in a quoted display name, as a rule) ends the
            # header block: the rest of the From header, the address with it, became body.
            return f"a line break inside the From header cut it short: {written[:200]!r}"
        return f"no address in the From header: {written[:200]!r}"

    def _headers(self) -> dict[str, tuple[str, ...]]:
        collected: dict[str, list[str]] = {}
        for name, raw in self.root.raw_items():
            key = decode_8bit(str(name))[0].strip().lower()
            self.raw_first.setdefault(key, str(raw))
            value, guessed = decode_header(str(raw))
            if guessed:
                self.defects.append(f"header {key}: 8-bit text without charset, read as {guessed}")
            collected.setdefault(key, []).append(value)
        return {key: tuple(values) for key, values in collected.items()}

    def _addresses(self, header: str, attribute: str) -> list[tuple[str, str]]:
        """(name, lower-case address) pairs of the first `header`, names decoded."""
        text, guessed = decode_8bit(self.raw_first.get(header, ""))
        if self.parsed is not None and not guessed:
            pairs = getattr(self.parsed, attribute) or []
        else:
            # Not UTF-8 (mail-parser lost the name) or no mail-parser: read the decoded text.
            try:
                pairs = [pair for pair in get_addresses(text, decode_names=True) if pair[1]]
            except (errors.MessageError, LookupError, ValueError):
                pairs = [
                    (decode_words(name), address)
                    for name, address in email.utils.getaddresses([text])
                    if address
                ]
        return [(_text(name).strip(), _text(address).strip().lower()) for name, address in pairs]

    def _date(self) -> datetime | None:
        if self.parsed is not None:
            date: datetime | None = self.parsed.date
        else:
            try:
                date = email.utils.parsedate_to_datetime(self.raw_first.get("date", ""))
            except (TypeError, ValueError, IndexError, OverflowError):
                date = None
        if date is not None and date.tzinfo is None:
            date = date.replace(tzinfo=UTC)  # no zone given: RFC 5322 says read it as UTC
        return None if date is None else date.astimezone(UTC)


def _body_text(body: Body, subject: str, own: Collection[str]) -> str:
    """The text of a body (its plain parts, else its HTML ones as text), quoted earlier mail
    removed and forwarded text kept when `subject` says the message is a forward."""
    if body.plain:
        text = "\n".join(body.plain)
    else:
        text = "\n".join(html_to_text(markup) for markup in body.html)
    return strip_quoted(text.replace("\x00", ""), forward=is_forward(subject), own=own)


def _text(value: object) -> str:
    """A string without lone surrogates, which no database or JSON encoder accepts."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def _library_defects(reports: list[dict[str, list[str]]]) -> list[str]:
    """mail-parser's defect reports as sentences, without the ones mailbot does not use."""
    found: list[str] = []
    for report in reports:
        for where, items in report.items():
            if where == "received-headers":
                continue  # mailbot does not read Received headers
            for item in items:
                if item.startswith("CharsetDecodeDefect"):
                    continue  # bodies are decoded here, with better guesses
                if where == "date-headers" and ": date[" not in item:
                    continue  # dates in Received headers
                found.append(f"{where}: {item}")
    return found


def _first(headers: dict[str, tuple[str, ...]], name: str) -> str:
    values = headers.get(name, ())
    return values[0] if values else ""


def _first_id(value: str) -> str:
    ids = _ids(value)
    if ids:
        return ids[0]
    tokens = value.split()
    return tokens[0] if len(tokens) == 1 else ""


def _ids(value: str) -> list[str]:
    """Message ids without angle brackets; bare "x@y" tokens when no brackets are used."""
    bracketed = [found.strip() for found in _MESSAGE_ID.findall(value) if found.strip()]
    if bracketed:
        return bracketed
    return [token for token in value.split() if "@" in token]
