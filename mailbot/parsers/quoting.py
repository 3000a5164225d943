"""Quoted earlier mail out of a message, so that only what its sender wrote or forwarded is read.

A reply that quotes mailbot's quote must not be read as a new order. Removed:
- lines starting with ">" and the attribution line introducing them
  ("On Fri, 20 Nov 2026 at 10:31, X wrote:", "20.11.2026 10:31, X пишет:", "... a scris:",
  or any "date/address ...:" line directly followed by quoted lines);
- everything from an Outlook separator ("-----Original Message-----", "-----Исходное
  сообщение-----", "-----Mesaj original-----"), an Outlook/Gmail header block ("From: ..."
  with "Sent:"/"Date:" and "To:"/"Subject:" next to it), or an "On ... wrote:" line not
  followed by quoted lines;
- text below a signature delimiter ("-- "), up to a forward below it.
Text written below or between quoted lines (bottom-posting, inline answers) is kept.

A forward keeps the forwarded text. A forward marker ("---------- Forwarded message
---------", "-------- Forwarded Message --------", "Begin forwarded message:") always starts
one; an Outlook separator or header block starts one only in a message whose subject says it
is a forward. The marker, separator and header block are dropped and the text below them is
kept down to the forwarded message's own history: its next separator or header block is a
quote again, unless the forwarded message's subject (in its header block) is a forward too.
Apple Mail puts ">" before forwarded text; that one level is taken off.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

from mailbot.parsers.forwards import is_forward

_SIGNATURE = "--"  # RFC 3676 says "-- "; many clients trim the space
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|исходное сообщение|mesaj(?:ul)? original"
    r"|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Markers start with dashes or end with a colon: the fast path in `strip_quoted` relies on it.
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|пересылаемое сообщение|пересланное сообщение"
    r"|начало переадресованного сообщения|mesaj(?:ul)? redirec[țţt]ionat"
    r"|weitergeleitete nachricht|message transféré)\s*-{2,}"
    r"|(?:begin forwarded message|начало переадресованного сообщения"
    r"|[îi]nceputul mesajului redirec[țţt]ionat|anfang der weitergeleiteten nachricht)\s*:)\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_END = re.compile(
    r"(?:wrote|writes|пишет|написал|написала|написал\(а\)|a scris|schrieb|escribió"
    r"|a écrit|ha scritto|napisał)\s*:\s*$",
    re.IGNORECASE,
)
# How attribution lines begin ("On ...", "În ...", "Am ...", "пт, 20 нояб.", "20.11.2026"):
# used to find the first half of an attribution that a client wrapped over two lines.
_ATTRIBUTION_START = re.compile(
    r"^\s*(?:on|am|le|el|il|op|în|pe|w|пн|вт|ср|чт|пт|сб|вс|mon|tue|wed|thu|fri|sat|sun"
    r"|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)\b|^\s*\d",
    re.IGNORECASE,
)
# Header lines of a quoted or forwarded mail, by what they say, in the clients' languages.
_FIELDS: dict[str, str] = {
    name: kind
    for kind, names in (
        ("from", ("from", "от", "de la", "de", "von", "od")),
        ("sent", ("sent", "date", "отправлено", "дата", "trimis", "data", "gesendet", "datum")),
        ("sent", ("envoyé", "wysłano")),
        ("to", ("to", "кому", "către", "catre", "an", "à", "do")),
        ("subject", ("subject", "тема", "subiect", "betreff", "objet", "temat")),
        ("other", ("cc", "bcc", "копия", "reply-to", "organization", "importance", "важность")),
    )
    for name in names
}
_HEADER = re.compile(r"\s*([^\W\d_][\w-]*(?: [\w-]+)?)[ \t]*:(.*)")
_HEADER_SPAN = 20  # lines a header block may span (Apple's HTML puts blank lines between)
_WRAPPED = 2  # lines of one header (a long "To:" list) a client may wrap into
_QUOTE_MARK = re.compile(r"^\s*> ?")
_QUOTE_DEPTH = 8  # Apple forwards of forwards nest ">"; deeper levels stay quoted
_LEFTOVER = re.compile(r"^[\s_\-=*]*$")  # blank lines, "____" rules, html2text's "* * *"


def strip_quoted(text: str, *, forward: bool = False, own: Collection[str] = ()) -> str:
    """The part of a mail its sender wrote, without quoted earlier mail or signature.

    Forwarded text is kept without its header block; with `forward` (the subject says the
    mail is a forward) an Outlook separator or header block starts forwarded text too. Mail
    from one of the `own` addresses (mailbot's own quote, forwarded back) is quoted, not
    forwarded: it is never read as an order again.
    """
    lines = _unquote_forwards(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    kept: list[str] = []
    forwarding = forward  # whether the next separator or header block starts a forward
    signed = False  # below a signature: only a forward brings text back
    index = 0
    while index < len(lines):
        line = lines[index]
        if ":" not in line and not line.lstrip().startswith((">", "-")):
            if not signed:
                kept.append(line)  # the common line: no rule below can apply to it
            index += 1
            continue
        block = _header_block(lines, index)
        opened = _forward_start(lines, index, forwarding, block, own)
        if opened is not None:
            start, forwarding = opened
            index, signed = _next_text(lines, start), False
            while kept and _LEFTOVER.match(kept[-1]):
                kept.pop()  # the rule and blank lines Outlook puts above the header block
            if kept:
                kept.append("")  # one blank line between the note and the forwarded text
            continue
        if _SEPARATOR.match(line) or _FORWARD_MARKER.match(line) or block is not None:
            break  # quoted earlier mail (or our own, forwarded back): nothing below is read
        index += 1
        if signed:
            if _is_attribution(line):
                break  # a quote below the signature: a forward below it is old mail too
            continue
        if line.rstrip() == _SIGNATURE:
            signed = True
            continue
        if _is_quoted(line):
            continue
        if _is_attribution(line):
            wrapped = _is_first_half(lines, index - 1)
            if _quote_follows(lines, index - 1):
                if wrapped and kept:
                    kept.pop()
                continue
            if _ATTRIBUTION_END.search(line) and (wrapped or _ATTRIBUTION_START.match(line)):
                # "On ... wrote:" over unmarked old text: nothing below is the sender's.
                if wrapped and kept:
                    kept.pop()
                break
        kept.append(line)
    while kept and _LEFTOVER.match(kept[-1]):
        kept.pop()
    return "\n".join(kept).lstrip("\n")


def _forward_start(
    lines: list[str], index: int, forwarding: bool, block: _Block | None, own: Collection[str]
) -> tuple[int, bool] | None:
    """Where the forwarded text starting at `index` begins, and whether the forwarded mail is
    itself a forward; None when no forward starts at `index`. `block` is the header block
    starting at `index`, if any."""
    line = lines[index]
    marker = bool(_FORWARD_MARKER.match(line))
    if not marker and not forwarding:
        return None
    if marker or _SEPARATOR.match(line):
        block = _header_block(lines, _next_text(lines, index + 1))
        if block is None:
            return index + 1, False
    if block is None or is_own(block.sender, own):
        return None
    return block.end, is_forward(block.subject)


class _Block(NamedTuple):
    end: int
    subject: str
    sender: str


def is_own(sender: str, own: Collection[str]) -> bool:
    """Whether a From text ("Order desk <orders@desk.example>") names one of `own` addresses."""
    lowered = sender.lower()
    return any(address in lowered for address in own)


def _header_block(lines: list[str], index: int) -> _Block | None:
    """The end of a header block ("From:", "Sent:", "To:", "Subject:") starting at `index`,
    with the subject and sender it gives; None when no header block starts there.

    A block begins with "From:" (or "Subject:", as Thunderbird writes it) and holds a sender,
    a date and a recipient or subject: "From: ... Date: ..." alone may be the sender's own form.
    """
    first = _field(lines[index]) if index < len(lines) else None
    if first is None or first[0] not in ("from", "subject") or not first[1]:
        return None
    kinds: set[str] = set()
    subject = sender = ""
    end = index
    spaced = False  # a blank line since the last header line
    for position in range(index, min(len(lines), index + _HEADER_SPAN)):
        found = _field(lines[position])
        if found is not None and found[0] in kinds and found[0] != "other":
            break  # a second "From:" or "Subject:" belongs to another block
        if found is not None:
            kinds.add(found[0])
            if found[0] == "subject" and not subject:
                subject = found[1]
            if found[0] == "from" and not sender:
                sender = found[1]
            end, spaced = position + 1, False
        elif not lines[position].strip():
            spaced = True
        elif spaced or position - end >= _WRAPPED:
            break  # text below the block; a wrapped header has no blank line in it
    if "from" in kinds and "sent" in kinds and kinds & {"to", "subject"}:
        return _Block(end, subject, sender)
    return None


def _field(line: str) -> tuple[str, str] | None:
    """(kind, value) of a header line such as "Sent: Friday, ..."; None for other lines."""
    found = _HEADER.match(line)
    if found is None:
        return None
    kind = _FIELDS.get(found[1].casefold())
    return None if kind is None else (kind, found[2].strip())


def _next_text(lines: list[str], index: int) -> int:
    """The index of the first non-blank line from `index` on (or the end)."""
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _unquote_forwards(lines: list[str]) -> list[str]:
    """`lines` with one ">" level taken off text quoted right after a forward marker, as
    Apple Mail forwards; deeper quotes stay quoted."""
    out: list[str] = []
    depth = 0  # ">" levels taken off the current lines
    pending = False  # a forward marker was just seen: quoted text next is forwarded
    for line in lines:
        text, taken = line, 0
        while taken < depth and _is_quoted(text):
            text, taken = _QUOTE_MARK.sub("", text, count=1), taken + 1
        if taken < depth and text.strip():
            depth, pending = taken, False  # unquoted text: the forwarded block has ended
        if pending and text.strip():
            pending = False
            if _is_quoted(text) and depth < _QUOTE_DEPTH:
                text, depth = _QUOTE_MARK.sub("", text, count=1), depth + 1
        if _FORWARD_MARKER.match(text):
            pending = True
        out.append(text)
    return out


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_attribution(line: str) -> bool:
    """A line that may introduce quoted text: "... wrote:" or "<date or address> ...:"."""
    stripped = line.rstrip()
    if not stripped.endswith(":") or _is_quoted(line):
        return False
    if _ATTRIBUTION_END.search(stripped):
        return True
    return "@" in stripped or any(char.isdigit() for char in stripped)


def _quote_follows(lines: list[str], index: int) -> bool:
    """True when the next non-blank line after `index` is quoted."""
    following = _next_text(lines, index + 1)
    return following < len(lines) and _is_quoted(lines[following])


def _is_first_half(lines: list[str], index: int) -> bool:
    """True when the line before `index` starts an attribution that `lines[index]` ends."""
    previous = lines[index - 1] if index else ""
    return (
        bool(previous.strip())
        and not _is_quoted(previous)
        and not _ATTRIBUTION_START.match(lines[index])
        and bool(_ATTRIBUTION_START.match(previous))
    )
