"""Body text and files out of a parsed email tree (the email package's `Message`).

mail-parser's own body and attachment lists do not fit mailbot: they keep base64 text
instead of bytes, invent random names for unnamed parts, lose 8-bit file names, decode
undeclared Windows-1251 bodies as UTF-8, and mix the text of attached messages into the
body. So the tree mail-parser built is walked here instead.
"""

from __future__ import annotations

import binascii
import email
import re
from dataclasses import dataclass, field, replace
from email import errors
from email.message import Message

from mailparser.utils import as_string_safe, decode_base64_payload

from mailbot.parsers.decoding import decode_8bit, decode_header, decode_text, decode_words, unfold

_BODY_TYPES = ("text/plain", "text/html")
_MESSAGE_TYPES = ("message/rfc822", "message/global")
_MESSAGE_DEPTH = 3  # attached messages in attached messages whose text is read
_FILE_HEADERS = ("content-type", "content-disposition")
_PATH = re.compile(r".*[/\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NEWLINE_FIRST = re.compile(r"\A\r?\n")
# A delimiter line (RFC 2046 boundary characters) directly followed by a part's header.
_DELIMITER = re.compile(
    r"^--([0-9A-Za-z'()+_,./:=?-][0-9A-Za-z'()+_,./:=? -]{0,69}?)[ \t]*\r?\n(?i:content-)",
    re.MULTILINE,
)


@dataclass
class Body:
    """The text/plain and text/html bodies of one message, in order."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)


@dataclass
class AttachedMessage:
    """A message attached to another (a forward sent as an attachment): its file name or
    subject as `name`, its decoded subject and its own body (not that of messages in it)."""

    name: str
    subject: str
    sender: str = ""  # its From header, decoded
    body: Body = field(default_factory=Body)


@dataclass
class Parts:
    """What a message carries: its body, the attached messages, files as (name, content
    type, bytes), defects."""

    body: Body = field(default_factory=Body)
    messages: list[AttachedMessage] = field(default_factory=list)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a part sits in the tree: inside an attached message or not, which body its text
    belongs to (None: not read), how many attached messages deep, and whether its parent is
    a delivery or read report (whose returned message is no forward)."""

    embedded: bool
    body: Body | None
    depth: int = 0
    in_report: bool = False


def read_parts(root: Message) -> Parts:
    """Walk the MIME tree: text/plain and text/html bodies, every other leaf part a file.

    message/* parts (attached mail, delivery reports) are files kept whole, not body text.
    The bodies of attached messages (message/rfc822 or message/global, not the returned
    mail of a report) are read as their own, down to three messages deep.
    """
    parts = Parts()
    # An explicit stack, not recursion: the nesting depth is chosen by the sender.
    stack: list[tuple[Message, _Place]] = [(root, _Place(embedded=False, body=parts.body))]
    while stack:
        part, place = stack.pop()
        content_type = part.get_content_type()
        if part.is_multipart():
            if content_type.startswith("multipart/"):
                inner = [*_subparts(part), *_recovered(part, parts)]
                place = replace(place, in_report=content_type == "multipart/report")
            else:
                # An attached message (a forward, a report) is kept whole, and the files in it
                # are files of this message too (a forwarded order); its text is its own.
                if not place.embedded:
                    name = filename(part)
                    parts.files.append((name, content_type, _flatten(part, name, parts)))
                inner = _subparts(part)
                body = _attached(part, inner, place, parts)
                place = _Place(embedded=True, body=body, depth=place.depth + 1)
            stack.extend((sub, place) for sub in reversed(inner))
        elif content_type.startswith("multipart/"):
            found = _guessed_boundary(part, parts)
            if not found:
                parts.defects.append(f"{content_type} part without parts: its content was ignored")
            stack.extend((sub, place) for sub in reversed(found))
        else:
            name = filename(part)
            if content_type in _BODY_TYPES and not name and not _is_attached(part):
                if place.body is not None:
                    _read_body(part, content_type, place.body, parts)
            else:
                label = f"attachment {name!r}" if name else content_type
                parts.files.append((name, content_type, _payload(part, label, parts)))
    return parts


def _attached(part: Message, inner: list[Message], place: _Place, parts: Parts) -> Body | None:
    """The body an attached message's text goes to, or None when it is not read: a report,
    the returned mail of a report, or a message nested too deep."""
    if part.get_content_type() not in _MESSAGE_TYPES or place.in_report or not inner:
        return None
    if place.depth >= _MESSAGE_DEPTH:
        parts.defects.append(
            f"attached message more than {_MESSAGE_DEPTH} deep: its text was not read"
        )
        return None
    subject = decode_header(_raw_header(inner[0], "subject"))[0]
    sender = decode_header(_raw_header(inner[0], "from"))[0]
    attached = AttachedMessage(name=filename(part) or subject, subject=subject, sender=sender)
    parts.messages.append(attached)
    return attached.body


def _raw_header(part: Message, name: str) -> str:
    """The first raw value of header `name`, 8-bit bytes not yet decoded."""
    return next((str(value) for key, value in part.raw_items() if key.lower() == name), "")


def filename(part: Message) -> str:
    """The decoded file name of a part (RFC 2231, RFC 2047 or raw 8-bit), path removed."""
    view = part
    raw = [(name, str(value)) for name, value in part.raw_items()]
    if any(not value.isascii() for name, value in raw if name.lower() in _FILE_HEADERS):
        # The email package turns raw 8-bit bytes into U+FFFD: decode them first.
        view = Message()
        for name, value in raw:
            if name.lower() in _FILE_HEADERS:
                view[name] = decode_8bit(value)[0]
    try:
        name = view.get_filename() or ""
    except (LookupError, UnicodeError, ValueError):  # e.g. filename*=undefined''x
        return ""
    except TypeError:  # CPython's decode_params sorts mixed "filename*0"/"filename*" and fails
        return ""
    # Outlook writes RFC 2047 words inside quoted names; only the base name is a file name.
    name = decode_words(unfold(name))
    return _CONTROL.sub("", _PATH.sub("", name)).strip()


def _read_body(part: Message, content_type: str, body: Body, parts: Parts) -> None:
    data = _payload(part, content_type, parts)
    text, problem = decode_text(data, _charset(part))
    if problem:
        parts.defects.append(f"{content_type} body: {problem}")
    if text.strip():
        (body.plain if content_type == "text/plain" else body.html).append(text)


def _payload(part: Message, label: str, parts: Parts) -> bytes:
    """The decoded bytes of a leaf part; broken base64 is decoded as far as it goes."""
    known = len(part.defects)
    data = _base64(part)
    if data is None:
        decoded = part.get_payload(decode=True)
        data = decoded if isinstance(decoded, bytes) else b""
    payload = data
    for defect in part.defects[known:]:
        parts.defects.append(f"{label}: {_describe(defect)}; decoded what could be")
        if isinstance(defect, errors.InvalidBase64LengthDefect):
            # The email package then returns the base64 text itself: decode leniently.
            raw = part.get_payload(decode=False)
            payload = decode_base64_payload(raw if isinstance(raw, str) else "")
    return payload


def _base64(part: Message) -> bytes | None:
    """A base64 part's bytes, decoded as the email package decodes them (recording the same
    defects on the part), or None for a part that is not base64 text.

    The email package splits the text into one bytes object per line and joins them again
    before decoding: for a big attachment that costs several times its size.
    """
    try:
        text = part.get_payload()
    except (LookupError, ValueError):  # 8-bit text under a charset name Python cannot use
        return None
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if cte != "base64" or not isinstance(text, str):
        return None
    try:
        encoded = text.encode("ascii").translate(None, b"\r\n")
    except UnicodeEncodeError:  # 8-bit bytes in base64 text (rare): the email package's way
        return None
    del text
    padding = -len(encoded) % 4
    try:
        data = binascii.a2b_base64(encoded + b"=" * padding, strict_mode=True)
        found: list[errors.MessageDefect] = [errors.InvalidBase64PaddingDefect()] * bool(padding)
    except binascii.Error:
        found = [errors.InvalidBase64CharactersDefect()]
        for extra, more in ((b"", []), (b"==", [errors.InvalidBase64PaddingDefect()])):
            try:
                data = binascii.a2b_base64(encoded + extra)
                found += more
                break
            except binascii.Error:
                continue
        else:  # a length of 4n + 1 cannot be decoded: the email package keeps the text
            data, found = encoded, [errors.InvalidBase64LengthDefect()]
    for defect in found:
        part.policy.handle_defect(part, defect)
    return data


def _flatten(part: Message, name: str, parts: Parts) -> bytes:
    """The body of a message/* part (an embedded message or report) as bytes."""
    flat: list[bytes] = []
    for inner in _subparts(part):
        try:
            flat.append(inner.as_bytes())
        except Exception:  # the generator trips on some malformed mail; keep what we can
            flat.append(_encode(_as_text(inner)))
            label = name or part.get_content_type()
            parts.defects.append(f"{label}: embedded message could not be kept byte for byte")
    return b"".join(flat)


def _as_text(message: Message) -> str:
    """A message as text when the generator cannot write it: as the generator's safe string, else
    (a header with an embedded header, which no generator writes) its raw header lines and body."""
    try:
        return str(as_string_safe(message))
    except Exception:
        head = "".join(f"{name}: {value}\n" for name, value in message.raw_items())
        body = message.get_payload()
        return head + "\n" + (body if isinstance(body, str) else "")


def _recovered(part: Message, parts: Parts) -> list[Message]:
    """Parts after the closing boundary, where broken mailers reusing a boundary put them."""
    boundary = part.get_boundary()
    epilogue = part.epilogue or ""
    if not boundary or f"--{boundary}" not in epilogue:
        return []
    delimiter = rf"^--{re.escape(boundary)}(?:--)?[ \t\r]*$"
    chunks = re.split(delimiter, epilogue, flags=re.MULTILINE)
    found = [
        email.message_from_string(_NEWLINE_FIRST.sub("", chunk))
        for chunk in chunks
        if chunk.strip()
    ]
    parts.defects.append(f"{len(found)} part(s) recovered from after the closing boundary")
    return found


def _guessed_boundary(part: Message, parts: Parts) -> list[Message]:
    """The parts of a multipart whose boundary is missing or is not the one its body uses,
    split at the first line that looks like a delimiter followed by a part's header."""
    body = part.get_payload()
    if not isinstance(body, str):
        return []
    match = _DELIMITER.search(body)
    if match is None:
        return []
    boundary = match[1]
    header = f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\r\n\r\n'
    rebuilt = email.message_from_bytes(header.encode() + _encode(body))
    found = _subparts(rebuilt)
    if found:
        stated = part.get_boundary()
        said = f"boundary {stated!r} is not used" if stated else "no boundary given"
        parts.defects.append(f"{part.get_content_type()}: {said}; parts split at {boundary!r}")
    return found


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [inner for inner in payload if isinstance(inner, Message)] if part.is_multipart() else []


def _is_attached(part: Message) -> bool:
    return part.get_content_disposition() == "attachment"


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except (LookupError, UnicodeError, ValueError):
        return None


def _encode(text: str) -> bytes:
    """Text from the email package back to bytes: raw bytes are kept as surrogates."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _describe(defect: errors.MessageDefect) -> str:
    doc = (type(defect).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else type(defect).__name__
