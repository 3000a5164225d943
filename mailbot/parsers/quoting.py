"""Quoted earlier mail out of a reply, so that only what the sender wrote is read.

A reply that quotes mailbot's quote must not be read as a new order. Removed:
- lines starting with ">" and the attribution line introducing them
  ("On Fri, 20 Nov 2026 at 10:31, X wrote:", "20.11.2026 10:31, X пишет:", "... a scris:",
  or any "date/address ...:" line directly followed by quoted lines);
- everything from an Outlook separator ("-----Original Message-----", "-----Исходное
  сообщение-----", "-----Mesaj original-----"), an Outlook/Gmail header block ("From: ..."
  with "Sent:"/"Date:" and "To:"/"Subject:" in the next lines), an "On ... wrote:" line not
  followed by quoted lines, or a signature delimiter ("-- ").
Text written below or between quoted lines (bottom-posting, inline answers) is kept.
A header block right after a "Forwarded message" marker is a forward, not a quote: kept.
"""

from __future__ import annotations

import re

_SIGNATURE = "--"  # RFC 3676 says "-- "; many clients trim the space
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|исходное сообщение|mesaj(?:ul)? original"
    r"|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(
    r"forwarded message|begin forwarded message|пересылаемое сообщение|пересланное сообщение"
    r"|mesaj redirecționat|mesaj redirectionat|weitergeleitete nachricht",
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
_HEADER_FROM = re.compile(r"^\s*(?:from|от|de la|de|von|od)\s*:\s*\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*(?:sent|date|отправлено|дата|trimis|data|gesendet|datum|envoyé|wysłano)\s*:",
    re.IGNORECASE,
)
_HEADER_TO = re.compile(
    r"^\s*(?:to|subject|кому|тема|către|catre|subiect|an|betreff|à|objet|do|temat)\s*:",
    re.IGNORECASE,
)
_HEADER_BLOCK_LINES = 4  # Outlook puts Sent/Date within the next few lines after From
_FORWARD_LOOKBACK = 3
_LEFTOVER = re.compile(r"^[\s_\-=*]*$")  # blank lines, "____" rules, html2text's "* * *"


def strip_quoted(text: str) -> str:
    """The part of a reply its sender wrote, without quoted earlier mail or signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if ":" not in line and not line.lstrip().startswith((">", "-")):
            kept.append(line)  # the common line: no rule below can apply to it
            continue
        if _ends_message(lines, index):
            break
        if _is_quoted(line):
            continue
        if _is_attribution(line):
            wrapped = _is_first_half(lines, index)
            if _quote_follows(lines, index):
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


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _ends_message(lines: list[str], index: int) -> bool:
    """True at a signature delimiter, an Outlook separator or a reply header block."""
    line = lines[index]
    if line.rstrip() == _SIGNATURE or _SEPARATOR.match(line):
        return True
    if not _HEADER_FROM.match(line):
        return False
    below = lines[index + 1 : index + 1 + _HEADER_BLOCK_LINES]
    if not any(_HEADER_SENT.match(other) for other in below):
        return False
    if not any(_HEADER_TO.match(other) for other in below):
        return False  # "From: ... Date: ..." alone may be the sender's own order form
    above = lines[max(0, index - _FORWARD_LOOKBACK) : index]
    return not any(_FORWARD_MARKER.search(other) for other in above)


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
    for following in range(index + 1, len(lines)):
        if lines[following].strip():
            return _is_quoted(lines[following])
    return False


def _is_first_half(lines: list[str], index: int) -> bool:
    """True when the line before `index` starts an attribution that `lines[index]` ends."""
    previous = lines[index - 1] if index else ""
    return (
        bool(previous.strip())
        and not _is_quoted(previous)
        and not _ATTRIBUTION_START.match(lines[index])
        and bool(_ATTRIBUTION_START.match(previous))
    )
