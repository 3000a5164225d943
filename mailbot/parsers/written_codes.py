"""Words a client wrote as voucher codes, which every reply answers even when no code fits.

A word is written as a code when it follows a marker ("code", "voucher", "promo code",
"coupon", "промокод", "купон", "cod promo"...) or stands alone on a line of the body (a
subject of one word is more often an order reference). After a marker and a colon any word
counts ("Voucher: WINTER"); without the colon the word needs the shape of a code: a digit
("code XMAS2099") or capitals in a sentence that is not shouted ("promo code SPRING"), and
not an identifier people name after "cod" ("Cod IBAN", "cod CAEN"), so that "cod fiscal",
"promo code please" or "the code below" stay words. A word alone on a line needs letters and
digits and no dash ("XMAS2099", not "Sam" nor "SAF-2234"). Words the caller says are SKUs are
never codes: a SKU after "code" is an order line's article number.

Some words may be codes: a word of letters after a marker ("promo code sprin", "PROMO CODE
PLEASE") or a word in capitals alone on a line ("SPRNG"). `near_codes` gives them; the caller
answers one only when it is a real code or one slip from one, so prose gets no answer.
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
# Identifiers that follow "cod"/"code" in ordinary mail, in capitals without being vouchers.
_IDENTIFIERS: Final = frozenset(
    {"IBAN", "SWIFT", "CAEN", "IDNO", "IDNP", "ISBN", "GTIN", "EORI", "NACE", "SIRET", "SIREN"}
)


def written_codes(subject: str, body: str, is_sku: Callable[[str], bool]) -> list[str]:
    """The words of `subject` then `body` written as codes, in order of appearance, each once
    (compared without case, spaces and dashes); words for which `is_sku` holds are left out."""
    return _kept(subject, body, is_sku, certain=True)


def near_codes(subject: str, body: str, is_sku: Callable[[str], bool]) -> list[str]:
    """The words of `subject` then `body` that may be written as codes but have no code's
    shape (letters after a marker, a word in capitals alone on a line): to be answered only
    when they are a real code or one slip from one. None of `written_codes` is among them."""
    certain = {loose_form(word) for word in written_codes(subject, body, is_sku)}
    return [
        word
        for word in _kept(subject, body, is_sku, certain=False)
        if loose_form(word) not in certain
    ]


def _kept(subject: str, body: str, is_sku: Callable[[str], bool], *, certain: bool) -> list[str]:
    found: dict[str, str] = {}
    for text, lines in ((subject, False), (body, True)):
        for word, sure in _written(text, lines):
            if sure is certain and _MIN_CODE <= len(word) <= _MAX_CODE and not is_sku(word):
                found.setdefault(loose_form(word), word)
    return list(found.values())


def _written(text: str, lines: bool) -> Iterator[tuple[str, bool]]:
    """Marked words and, with `lines`, lone words of `text`, in order of appearance, each with
    whether it is surely written as a code."""
    marked = {
        match.start("code"): (match["code"], _is_marked_code(match))
        for match in _MARKED.finditer(text)
    }
    offset = 0
    for line in text.splitlines(keepends=True) if lines else ():
        stripped = line.strip().rstrip(".!")
        if _ALONE.fullmatch(stripped) and (_is_code_shaped(stripped) or stripped.isupper()):
            marked.setdefault(offset + line.index(stripped), (stripped, _is_code_shaped(stripped)))
        offset += len(line)
    for start in sorted(marked):
        yield marked[start]


def _is_marked_code(match: re.Match[str]) -> bool:
    """Whether the word after a marker is surely a code: after a colon any word; else a word
    with a digit, or in capitals (not a known identifier) after a marker not in capitals."""
    word = match["code"]
    if match["colon"] or any(char.isdigit() for char in word):
        return True
    shouted = match.group().split(word)[0].isupper()
    return word.isupper() and not shouted and word not in _IDENTIFIERS


def _is_code_shaped(word: str) -> bool:
    """Letters and digits both: "XMAS2099", not a name, a greeting or a number."""
    return any(char.isdigit() for char in word) and any(char.isalpha() for char in word)
