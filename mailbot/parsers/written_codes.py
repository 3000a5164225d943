"""Words a client wrote as voucher codes, which every reply answers even when no code fits.

A word is written as a code when it follows a marker ("code", "voucher", "promo code",
"coupon", "промокод", "купон", "cod promo"...) or stands alone on a line of the body (a
subject of one word is more often an order reference). After a marker and a colon any word
counts ("Voucher: WINTER"); without the colon the word needs a digit, so that "cod fiscal" or
"the code below" stay words. A word alone on a line needs letters and digits and no dash
("XMAS2099", not "Sam" nor "SAF-2234"). Words the caller says are SKUs are never
codes: a SKU after "code" is an order line's article number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

from mailbot.domain.vouchers.codes import loose_form

# Longest markers first, so that "promo code: X" is not read as the code "code".
_MARKERS: Final = (
    r"promo\s*code|voucher\s+code|coupon\s+code|cod\s+promo(?:[tţț]ional)?|"
    r"промокод|купон|code|voucher|promo|coupon|cod"
)
_WORD: Final = r"[^\W_]+(?:-[^\W_]+)*"
_MARKED: Final = re.compile(
    rf"(?<![^\W_])(?:{_MARKERS})(?![^\W_])\s*(?P<colon>:?)[ \t]*(?P<code>{_WORD})",
    re.IGNORECASE,
)
_ALONE: Final = re.compile(r"[^\W_]+")
_MIN_CODE, _MAX_CODE = 4, 32


def written_codes(subject: str, body: str, is_sku: Callable[[str], bool]) -> list[str]:
    """The words of `subject` then `body` written as codes, in order of appearance, each once
    (compared without case, spaces and dashes); words for which `is_sku` holds are left out."""
    found: dict[str, str] = {}
    for text, lines in ((subject, False), (body, True)):
        for word in _written(text, lines):
            if _MIN_CODE <= len(word) <= _MAX_CODE and not is_sku(word):
                found.setdefault(loose_form(word), word)
    return list(found.values())


def _written(text: str, lines: bool) -> Iterator[str]:
    """Marked words and, with `lines`, lone code-shaped lines of `text`, in order of
    appearance."""
    marked = {
        match.start("code"): match["code"]
        for match in _MARKED.finditer(text)
        if match["colon"] or any(char.isdigit() for char in match["code"])
    }
    offset = 0
    for line in text.splitlines(keepends=True) if lines else ():
        stripped = line.strip().rstrip(".!")
        if _ALONE.fullmatch(stripped) and _is_code_shaped(stripped):
            marked.setdefault(offset + line.index(stripped), stripped)
        offset += len(line)
    for start in sorted(marked):
        yield marked[start]


def _is_code_shaped(word: str) -> bool:
    """Letters and digits both: "XMAS2099", not a name, a greeting or a number."""
    return any(char.isdigit() for char in word) and any(char.isalpha() for char in word)
