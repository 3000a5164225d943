"""Commands a partner can send instead of an order: a word alone on the subject or first line.

Which words mean which command is data (`WORDS`), so adding STATUS, BALANCE or CANCEL is a
new table entry. A command must be the whole subject or the whole first non-empty line of
the body, give or take case, punctuation and a "Re:"/"Fwd:" prefix: an order that merely
mentions prices is still an order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum


class Command(StrEnum):
    """What a partner can ask for by a single word."""

    PRICES = "prices"


# The words as people write them; they are normalised (see `normalise_words`) before matching.
WORDS: Mapping[Command, tuple[str, ...]] = {
    Command.PRICES: (
        "PRICES",
        "PRICE LIST",
        "PRICELIST",
        "ЦЕНЫ",
        "ПРАЙС",
        "ПРАЙС-ЛИСТ",
        "ПРАЙСЛИСТ",
        "PREȚURI",
        "PRETURI",
        "LISTA DE PREȚURI",
        "LISTA DE PRETURI",
    ),
}

# Reply and forward prefixes mail clients put before a subject, in several languages.
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.I)
# Punctuation and symbols around or between words ("Prices!", "«ПРАЙС»", "price-list").
_NOT_WORD = re.compile(r"[^\w]+")
# Romanian is often typed with the older cedilla letters instead of comma-below ones.
_CEDILLA = str.maketrans({"ţ": "ț", "ş": "ș", "Ţ": "Ț", "Ş": "Ș"})


def normalise_words(text: str) -> str:
    """`text` as a command key: NFC, comma-below letters, casefolded, words joined by one space."""
    text = unicodedata.normalize("NFC", text).translate(_CEDILLA).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


_BY_WORDS: dict[str, Command] = {
    normalise_words(word): command for command, words in WORDS.items() for word in words
}


def detect_command(subject: str, text: str) -> Command | None:
    """The command a message states in its subject or its first non-empty body line, or None.

    `text` is the body with quoted earlier mail already removed.
    """
    candidates = [_PREFIX.sub("", subject)]
    first = next((line for line in text.splitlines() if line.strip()), "")
    candidates.append(first)
    for candidate in candidates:
        command = _BY_WORDS.get(normalise_words(candidate))
        if command is not None:
            return command
    return None


# Words that, first in a subject, ask for a quote of the order with its voucher codes judged,
# and nothing ordered or reserved.
CHECK_WORDS = frozenset(
    normalise_words(word) for word in ("CHECK", "ПРОВЕРКА", "ПРОВЕРИТЬ", "VERIFICARE", "VERIFICĂ")
)


def is_check(subject: str) -> bool:
    """True when the subject's first word (after any "Re:"/"Fwd:") is CHECK, in any language."""
    words = normalise_words(_PREFIX.sub("", subject)).split()
    return bool(words) and words[0] in CHECK_WORDS
