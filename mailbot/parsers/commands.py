"""Commands a partner can send instead of an order: a word alone on the subject or first line.

Which words mean which command is data (`WORDS`). A command must be the whole subject or the
whole first non-empty line of the body, give or take case, punctuation and a "Re:"/"Fwd:"
prefix: an order that merely mentions prices is still an order. An order number may stand
beside the words ("STATUS ORD-2026-000001", "CANCEL ORD-2026-000001") and is the argument; so
may the order's reference ("AGREE ORD-2026-000001 REF-K7M3Q9TXAB"), which is no part of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    """What a partner can ask for by a single word."""

    PRICES = "prices"
    AGREE = "agree"
    CANCEL = "cancel"
    STATUS = "status"
    BALANCE = "balance"


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
    Command.AGREE: (
        *("AGREE", "AGREED", "I AGREE", "WE AGREE", "ACCEPT", "ACCEPTED", "OK AGREE"),
        *("СОГЛАСЕН", "СОГЛАСНА", "СОГЛАСНЫ", "ПОДТВЕРЖДАЮ", "ПОДТВЕРЖДАЕМ", "ДА СОГЛАСЕН"),
        *("DE ACORD", "SUNT DE ACORD", "SUNTEM DE ACORD", "ACCEPT", "ACCEPTĂM", "ACCEPTAM"),
        *("CONFIRM", "CONFIRMĂM", "CONFIRMAM"),
    ),
    Command.CANCEL: (
        *("CANCEL", "CANCEL ORDER", "CANCEL THE ORDER"),
        *("ОТМЕНА", "ОТМЕНИТЬ", "ОТМЕНИТЕ", "ОТМЕНИТЬ ЗАКАЗ", "ОТМЕНЯЕМ"),
        *("ANULARE", "ANULEAZĂ", "ANULEAZA", "ANULAȚI", "ANULATI", "ANULAȚI COMANDA"),
        *("ANULATI COMANDA", "ANULEAZĂ COMANDA", "ANULEAZA COMANDA"),
    ),
    Command.STATUS: (
        *("STATUS", "ORDER STATUS"),
        *("СТАТУС", "СТАТУС ЗАКАЗА"),
        *("STARE", "STAREA COMENZII", "STATUS COMANDĂ", "STATUS COMANDA"),
    ),
    Command.BALANCE: (
        *("BALANCE", "ACCOUNT BALANCE"),
        *("БАЛАНС", "САЛЬДО"),
        *("SOLD", "SOLDUL"),
    ),
}

# An order number as mailbot gives them (`ORD-2026-000001`), in any case.
ORDER_NUMBER = re.compile(r"\bORD-\d{4}-\d{6}\b", re.I)
# An order's reference for one partner (`REF-K7M3Q9TXAB`, see services/orders/proof.py): it
# may stand beside a command and is no part of it.
REFERENCE = re.compile(r"\bREF-([0-9A-Z]{10})\b", re.I)
# Crockford's base32 reads look-alikes as the digits they stand for.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def references_in(*texts: str) -> frozenset[str]:
    """The order references written in `texts`, as "REF-" and ten upper-case characters."""
    return frozenset(
        "REF-" + found.upper().translate(_LOOK_ALIKES)
        for text in texts
        for found in REFERENCE.findall(text)
    )


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """A command and the order number written beside it ("" when none was)."""

    command: Command
    order_number: str = ""


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


def read_command(subject: str, text: str) -> CommandRequest | None:
    """The command a message states in its subject or its first non-empty body line, with the
    order number written beside it, or None.

    `text` is the body with quoted earlier mail already removed.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in (_PREFIX.sub("", subject), first):
        numbers = ORDER_NUMBER.findall(candidate)
        if len(numbers) > 1:
            continue
        bare = REFERENCE.sub(" ", ORDER_NUMBER.sub(" ", candidate))
        command = _BY_WORDS.get(normalise_words(bare))
        if command is not None:
            return CommandRequest(command, numbers[0].upper() if numbers else "")
    return None


def detect_command(subject: str, text: str) -> Command | None:
    """The command a message states (see `read_command`), without its argument."""
    request = read_command(subject, text)
    return None if request is None else request.command


def order_number_in(text: str) -> str:
    """The one order number `text` (a subject) names, upper-case, or "" for none or several."""
    numbers = {number.upper() for number in ORDER_NUMBER.findall(text)}
    return numbers.pop() if len(numbers) == 1 else ""


# Words that, first in a subject, ask for a quote of the order with its voucher codes judged,
# and nothing ordered or reserved.
CHECK_WORDS = frozenset(
    normalise_words(word) for word in ("CHECK", "ПРОВЕРКА", "ПРОВЕРИТЬ", "VERIFICARE", "VERIFICĂ")
)


def is_check(subject: str) -> bool:
    """True when the subject's first word (after any "Re:"/"Fwd:") is CHECK, in any language."""
    words = normalise_words(_PREFIX.sub("", subject)).split()
    return bool(words) and words[0] in CHECK_WORDS
