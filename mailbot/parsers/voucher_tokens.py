"""Candidate voucher codes in a message's subject and body.

Every word-like token may be a promotional code, so all are returned; the service keeps only
known promotional codes and serial-shaped ones, which keeps SKUs and ordinary words out.
Serial codes are also found when typed in groups split by spaces or dashes ("win 7k3m q9tx 4").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from mailbot.domain.vouchers.codes import loose_form, normalise_code

# A serial code is 12 characters once spaces and dashes are dropped: a 3-letter campaign
# prefix, 8 random characters and a check character, from Crockford's base32 alphabet. Only
# the shape is checked here; the check character and the campaign are the lookup's business,
# so the prefix is only required to be three Latin letters as typed.
SERIAL_LENGTH = 12
_PREFIX = re.compile(r"[A-Z]{3}")
_BODY = re.compile(r"[0-9A-HJKMNP-TV-Z]{9}")
# Groups of a serial code as people type them: the prefix alone ("WIN 7K3M Q9TX 4") or
# with more after it ("WIN7K3M Q9TX4"); a first group of 4 to 6 characters is an ordinary
# word ("apply win 7k3m" must not swallow the code that follows).
_FIRST_GROUP = (3, 7)

# Letters and digits with single dashes inside: "WINTER25", "SAF-2234", "заказ".
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_MIN_TOKEN, _MAX_TOKEN = 4, 32


def is_serial_shape(text: str) -> bool:
    """Whether `text` without spaces and dashes has a serial code's shape: three letters, then
    nine characters of the alphabet once O is read as 0 and I and L as 1. A U is not read as V
    here, so that a run of words with a U in it is not taken for a code. The check character
    is not judged."""
    compact = loose_form(text)
    return (
        _PREFIX.fullmatch(compact[:3]) is not None
        and "U" not in compact[3:]
        and _BODY.fullmatch(normalise_code(compact[3:])) is not None
    )


def code_tokens(subject: str, body: str) -> list[str]:
    """The candidate codes in `subject` then `body`, in order of appearance, each once
    (compared without case, spaces and dashes): serial-shaped runs of groups as typed, and
    every other word of 4 to 32 letters, digits and dashes."""
    found: dict[str, str] = {}
    for text in (subject, body):
        for token in _tokens(text):
            found.setdefault(loose_form(token), token)
    return list(found.values())


def _tokens(text: str) -> Iterator[str]:
    words = [(match.start(), match.end()) for match in _WORD.finditer(text)]
    index = 0
    while index < len(words):
        end = _serial_run(text, words, index)
        if end is not None:
            yield text[words[index][0] : words[end][1]]
            index = end + 1
            continue
        start, stop = words[index]
        if _MIN_TOKEN <= stop - start <= _MAX_TOKEN:
            yield text[start:stop]
        index += 1


def _serial_run(text: str, words: list[tuple[int, int]], first: int) -> int | None:
    """The index of the last word of a serial code starting at word `first`, or None. Groups
    must be joined by one space or dash and add up to exactly a serial code's length."""
    first_group = len(text[words[first][0] : words[first][1]].split("-")[0])
    if first_group != _FIRST_GROUP[0] and first_group < _FIRST_GROUP[1]:
        return None
    length = 0
    for index in range(first, len(words)):
        start, stop = words[index]
        if index > first and text[words[index - 1][1] : start] not in (" ", "-"):
            return None
        length += sum(1 for char in text[start:stop] if char != "-")
        if length == SERIAL_LENGTH:
            return index if is_serial_shape(text[words[first][0] : stop]) else None
        if length > SERIAL_LENGTH:
            return None
    return None


def cell_codes(cells: Iterable[str]) -> list[str]:
    """The codes written in spreadsheet cells of a voucher column: several in one cell may be
    split by commas, semicolons or line breaks."""
    return [part.strip() for cell in cells for part in re.split(r"[,;\n]", cell) if part.strip()]
