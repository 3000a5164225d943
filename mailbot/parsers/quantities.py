"""How many of an item a line asks for, read from the words around its SKU.

Clerks write `x 2`, `2x`, `2 pcs`, `4 шт.`, `buc. 2`, `qty: 8`, `Кол-во: 5`, `2,00`, a number at the
end of the line after the product's name, or a number before the SKU. Prices (`à 45.50 EUR`),
pack sizes (`set of 4`), dates and dimensions are not quantities. A range (`2-3 шт`), words
instead of a number (`as many as you have`) or two different numbers that could each be the
quantity make the reading *unclear*: the caller asks rather than guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from mailbot.parsers.numbers import parse_decimal

UNITS = (
    r"(?:pcs|pc|pieces?|units?|ea|nos?|шт|штук[аи]?|ед|компл|buc|bucăți|bucati|bucata|bucată"
    r"|bucăţi|set(?:uri)?)\.?"
)
# Thousands grouped by spaces ("1 000 шт") are one number; other numbers have at most one
# decimal separator.
_NUMBER = r"(?:\d{1,3}(?:[ \u00a0]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
_ALONE = r"(?<![\w.,/\-])"  # not glued to a word, a decimal or a fraction ("D13", "940/20")
_END = r"(?![\w%/]|[.,]\d)"

_PRICE = re.compile(
    rf"\d+[.,]\d\d\s*(?:ea|each|/\s*pcs?|per (?:piece|unit)|за шт\.?)(?!\w)|"
    rf"(?:(?:à|@|по|la|a|price|цена|preț|pret|pretul|prețul|по цене)\s*[:=]?\s*)?"
    rf"(?:[€$£]\s*{_NUMBER}|{_NUMBER}\s*(?:eur|euro|€|lei|ron|mdl|руб\.?|rub|р\.|usd|\$|грн|uah)"
    rf"(?![\w]))"
    rf"|(?:à|@|price|цена|preț|pret)\s*[:=]?\s*{_NUMBER}",
    re.IGNORECASE,
)
_PACK = re.compile(
    rf"(?:set of|pack of|box of|pack|комплект(?: из)?|упак(?:овка)?\.?(?: по)?|уп\.?(?: по)?"
    rf"|set de|pachet de|cutie de)\s*{_NUMBER}"
    rf"|{_NUMBER}\s*(?:{UNITS})?\s*(?:/|per|in a|в)\s*(?:pack|box|set|уп\w*|упак\w*|cutie|set)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2}:\d{2}\b")
_DIMENSION = re.compile(rf"{_NUMBER}\s*(?:[x×х*]\s*{_NUMBER}\s*)+(?:mm|cm|m|мм|см)\b", re.I)
_MEASURE = re.compile(
    rf"{_NUMBER}\s*(?:mm|cm|m|мм|см|kg|кг|g|l|л|v|w|вт|nm|bar|ah|мл|ml|°|\"|inch|dm)(?!\w)", re.I
)
_ASK_WORDS = re.compile(
    r"as many as|all you have|whatever you have|how many|сколько (?:есть|будет|сможете)"
    r"|все что есть|всё что есть|cât (?:aveți|aveti|este|sunt)|cat (?:aveti|este)|tot ce aveți",
    re.IGNORECASE,
)
# "2 boxes of 12", "2 cutii a câte 12 buc": boxes or pieces? A person would ask.
_CONTAINERS = re.compile(
    r"\d+\s*(?:boxes|box|packs?|packages?|cartons?|cutii|cutie|pachete|pachet|коробк\w*"
    r"|упаковк\w*|ящик\w*)(?!\w)",
    re.IGNORECASE,
)
# "1,000" or "1.000" is a thousand in one country and one in another: asked, not guessed.
_THOUSANDS_OR_DECIMALS = re.compile(rf"{_ALONE}\d{{1,3}}[.,]\d{{3}}(?![\d.,])")
# Counts written in words, as clerks write them next to a unit ("four pieces", "две штуки").
NUMBER_WORDS: dict[str, int] = {
    **dict.fromkeys(("one", "один", "одна", "одно", "unu", "una"), 1),
    **dict.fromkeys(("two", "два", "две", "doi", "două", "doua"), 2),
    **dict.fromkeys(("three", "три", "trei"), 3),
    **dict.fromkeys(("four", "четыре", "patru"), 4),
    **dict.fromkeys(("five", "пять", "cinci"), 5),
    **dict.fromkeys(("six", "шесть", "șase", "sase"), 6),
    **dict.fromkeys(("seven", "семь", "șapte", "sapte"), 7),
    **dict.fromkeys(("eight", "восемь", "opt"), 8),
    **dict.fromkeys(("nine", "девять", "nouă", "noua"), 9),
    **dict.fromkeys(("ten", "десять", "zece"), 10),
    **dict.fromkeys(("dozen", "twelve", "дюжина", "двенадцать", "duzină", "douăsprezece"), 12),
}
_WORDS = "|".join(NUMBER_WORDS)
# A count in words is read only where a count stands: before a unit or an "x", after an "x"
# or a label, or right before the SKU ("and one Haldex 950364001"); "the same one" is no count.
_WORD = re.compile(
    rf"(?<!\w)(?:a\s+)?({_WORDS})(?=\s*(?:{UNITS}|[x×х*]|of)(?!\w))"
    rf"|(?<=[x×х*:=] )({_WORDS})(?!\w)|(?<=[x×х*:=])({_WORDS})(?!\w)",
    re.IGNORECASE,
)
_WORD_AT_END = re.compile(rf"(?<!\w)(?:a\s+)?({_WORDS})\s*$", re.IGNORECASE)
_RANGE = re.compile(rf"{_ALONE}\d+\s*(?:[-–—]|до|to|or|или|sau)\s*\d+{_END}", re.IGNORECASE)
_LABEL = (
    r"(?:qty|q-ty|quantity|quantities|amount|pcs|кол-?во|к-во|количество|кол\.?|колич\.?"
    r"|заказ(?:ано)?|шт|cant(?:itate)?|cant\.|buc|nr\.?\s*buc|menge)\.?"
)
_EXPLICIT = (
    re.compile(rf"{_LABEL}\s*[:=\-–]?\s*(?P<n>{_NUMBER}){_END}", re.IGNORECASE),
    re.compile(rf"{_ALONE}(?P<n>{_NUMBER})\s*{UNITS}(?!\w)", re.IGNORECASE),
    # After an "x" a number is taken as written, sign and exponent too ("x -3", "x 1e9"),
    # so that the quote can say why it is refused rather than ask about it.
    re.compile(rf"(?:^|(?<=\s))[x×х*]\s*(?P<n>-?{_NUMBER}(?:e[-+]?\d+)?){_END}", re.IGNORECASE),
    re.compile(rf"{_ALONE}(?P<n>{_NUMBER})\s*[x×х*](?:\s|$)", re.IGNORECASE),
)
_BARE = re.compile(rf"{_ALONE}(?P<n>{_NUMBER}){_END}")


@dataclass(frozen=True, slots=True)
class QuantityReading:
    """A quantity read with certainty (`value`), an unclear one (`unclear`: what was written,
    to ask about), or none at all."""

    value: Decimal | None = None
    unclear: str = ""
    explicit: bool = False

    @property
    def found(self) -> bool:
        return self.value is not None or bool(self.unclear)


NOTHING = QuantityReading()


def read_quantity(before: str, after: str) -> QuantityReading:
    """The quantity in the text `before` and `after` a SKU on one line."""
    before = _WORD_AT_END.sub(_digits, _cleaned(before))
    after = _cleaned(after)
    for side in (after, before):
        asked = (
            _ASK_WORDS.search(side)
            or _RANGE.search(side)
            or _CONTAINERS.search(side)
            or _THOUSANDS_OR_DECIMALS.search(side)
        )
        if asked is not None:
            return QuantityReading(unclear=asked.group(0).strip())
    explicit = _values(_EXPLICIT, after) | _values(_EXPLICIT, before)
    if explicit:
        return _one_of(explicit, before, after, explicit=True)
    bare = _values((_BARE,), after) or _values((_BARE,), before)
    if bare:
        return _one_of(bare, before, after, explicit=False)
    return NOTHING


def counts(text: str) -> bool:
    """Whether `text` plainly counts something ("qty 3", "2 pcs", "x 4", "două bucăți")."""
    return bool(_values(_EXPLICIT, _cleaned(text)))


def read_explicit_quantity(text: str) -> QuantityReading:
    """A quantity on a line of its own ("qty 4", "Кол-во: 5", "4 шт."), as the second line of an
    item written over two lines. A bare number is not enough there."""
    cleaned = _cleaned(text)
    asked = _ASK_WORDS.search(cleaned) or _CONTAINERS.search(cleaned)
    if asked is not None:
        return QuantityReading(unclear=asked.group(0).strip())
    values = _values(_EXPLICIT, cleaned)
    if not values:
        return NOTHING
    return _one_of(values, "", cleaned, explicit=True)


def _cleaned(text: str) -> str:
    """`text` without the numbers that are never quantities (prices, pack sizes, dates), and
    with counts written in words as digits."""
    for pattern in (_PRICE, _PACK, _DATE, _DIMENSION, _MEASURE):
        text = pattern.sub(" ", text)
    return _WORD.sub(_digits, text)


def _digits(found: re.Match[str]) -> str:
    word = next(group for group in found.groups() if group)
    return str(NUMBER_WORDS[word.lower()])


def _values(patterns: tuple[re.Pattern[str], ...], text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = parse_decimal(match["n"].replace("\u00a0", " "))
            if value is not None:
                found.add(
                    value.to_integral_value() if value == value.to_integral_value() else value
                )
    return found


def _one_of(values: set[Decimal], before: str, after: str, *, explicit: bool) -> QuantityReading:
    if len(values) == 1:
        return QuantityReading(value=next(iter(values)), explicit=explicit)
    written = " ".join(part.strip() for part in (before, after) if part.strip())
    return QuantityReading(unclear=" ".join(written.split())[:100])
