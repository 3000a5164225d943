"""A supplier's price list read from a table's rows: one PriceRow per good row, else why not."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from functools import cache
from itertools import chain, islice

from babel.numbers import is_currency

from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.domain.pricing import normalise_sku
from mailbot.parsers.columns import (
    HEADER_SEARCH_ROWS,
    ColumnMapping,
    Field,
    find_header,
    header_key,
    is_total_row,
)
from mailbot.parsers.numbers import PLAIN_DECIMAL, parse_decimal

_REQUIRED = (Field.SKU, Field.PRICE)

# "€12.50", "12,50 €", "12.50 EUR", "1 234,50 руб.": a currency word or sign before or after.
_PRICE = re.compile(
    r"(?P<before>[^\W\d_]+\.?|[^\w\s.,'’+\-−])?\s*(?P<number>.*?)\s*"
    r"(?P<after>[^\W\d_]+\.?|[^\w\s.,'’+\-−])?",
    re.DOTALL,
)
_CURRENCY_SIGNS = {
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "₽": "RUB",
    "₴": "UAH",
    "руб": "RUB",
    "р": "RUB",
    "lei": "RON",
    "грн": "UAH",
    "zł": "PLN",
}
_IN_STOCK = {"yes", "y", "instock", "available", "true", "да", "есть", "вналичии", "много"}
_IN_STOCK |= {"da", "instoc", "disponibil", "+", "✓", "✔"}
_OUT_OF_STOCK = {"no", "n", "outofstock", "notavailable", "false", "нет", "нетвналичии"}
_OUT_OF_STOCK |= {"подзаказ", "nu", "stocepuizat", "epuizat", "indisponibil", "-", "—", "–"}
_DAYS = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_WEEKS = re.compile(r"week|wk|нед|s[ăa]pt", re.IGNORECASE)
_HOURS = re.compile(r"[0-9]\s*h\b|hour|hrs|час|\bore\b", re.IGNORECASE)
_MAX_DAYS = 3650  # more is a typo or a code, not a delivery time
_AT_LEAST = re.compile(r"(?:>|≥|более|больше|over|peste)\s*(.+)|(.+?)\s*\+")
_FEWER_THAN = re.compile(r"(?:<|менее|меньше|under|sub)\s*(.+)")
_DIGITS = frozenset("0123456789")
_ABSENT = sys.maxsize  # the column index of a field the table does not have
_CURRENCIES_KEPT = 64


@dataclass(frozen=True)
class PriceRow:
    """One offer of a price list as written. `stock` None: no count given; `in_stock` True
    then says the supplier marked it available, None that availability is not stated."""

    sku: str
    name: str
    price: Decimal
    currency: str
    stock: int | None
    brand: str
    category: str
    row: int
    in_stock: bool | None = None
    delivery_days: int | None = None


def price_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    source: str,
    *,
    default_currency: str,
    custom: Mapping[str, str] | None = None,
) -> Iterator[PriceRow | RejectedLine]:
    """Each data row of a price list table, as a PriceRow or a RejectedLine with its row.

    Rows are read as they come. A SKU seen again with another price is rejected as
    DUPLICATE_SKU (the first stays); seen again with the same price it is skipped. A table
    without SKU and price columns gives a single NO_COLUMNS rejection.
    """
    iterator = iter(rows)
    head = list(islice(iterator, HEADER_SEARCH_ROWS))
    found = find_header(head, _REQUIRED, custom)
    if found is None:
        first = next(((n, c) for n, c in head if any(cell.strip() for cell in c)), None)
        seen = "; ".join(cell.strip() for cell in first[1] if cell.strip()) if first else ""
        detail = f"no SKU and price columns; headers seen: {seen}" if seen else "empty table"
        origin = Origin(source, first[0] if first else 1)
        yield RejectedLine(origin, Rejection.NO_COLUMNS, "", seen, detail)
        return
    header_row, mapping = found
    price_row = _row_reader(mapping, source, default_currency)
    first_seen: dict[str, PriceRow] = {}
    for number, cells in chain(head, iterator):
        if number <= header_row or not any(map(str.strip, cells)):
            continue
        outcome = price_row(number, cells)
        if isinstance(outcome, PriceRow):
            key = normalise_sku(outcome.sku)
            earlier = first_seen.setdefault(key, outcome)
            if earlier is not outcome:
                if (earlier.price, earlier.currency) == (outcome.price, outcome.currency):
                    continue
                detail = f"row {earlier.row} has {earlier.price} {earlier.currency}"
                text = f"{outcome.price} {outcome.currency}"
                origin = Origin(source, number)
                outcome = RejectedLine(origin, Rejection.DUPLICATE_SKU, outcome.sku, text, detail)
        if outcome is not None:
            yield outcome


def _row_reader(
    mapping: ColumnMapping, source: str, default: str
) -> Callable[[int, Sequence[str]], PriceRow | RejectedLine | None]:
    """The reader of one table's rows: column indexes are looked up once, not in every row,
    and each written currency is checked once. It gives a PriceRow, a RejectedLine, or None
    for a row that is no offer (a total, or a heading such as "Brakes" between groups)."""
    # An absent field's index lies past the end of any row, so its cell reads as "".
    at = {name: mapping.columns.get(name, _ABSENT) for name in Field}
    sku_at, price_at, currency_at = at[Field.SKU], at[Field.PRICE], at[Field.CURRENCY]
    name_at, brand_at, category_at = at[Field.NAME], at[Field.BRAND], at[Field.CATEGORY]
    stock_at, days_at = at[Field.STOCK], at[Field.DELIVERY_DAYS]
    currencies: dict[str, str | None] = {}

    def price_row(number: int, cells: Sequence[str]) -> PriceRow | RejectedLine | None:
        width = len(cells)
        sku = cells[sku_at].strip() if sku_at < width else ""
        price_text = cells[price_at].strip() if price_at < width else ""
        if not (sku or price_text) or is_total_row(cells, sku):
            return None
        if not sku:
            text = "; ".join(cell.strip() for cell in cells if cell.strip())
            return RejectedLine(Origin(source, number), Rejection.MISSING_SKU, "", text)
        if not price_text:
            return RejectedLine(Origin(source, number), Rejection.MISSING_PRICE, sku)
        price: Decimal | None
        if PLAIN_DECIMAL.fullmatch(price_text):  # most prices, read without _price's pattern
            price, marked = Decimal(price_text), ""
        else:
            price, marked = _price(price_text)
        if price is None or price <= 0:
            return _bad_price(Origin(source, number), sku, price_text, price)
        written = marked or (cells[currency_at].strip() if currency_at < width else "")
        if written in currencies:
            currency = currencies[written]
        else:
            currency = _checked_currency(written, default)
            if len(currencies) < _CURRENCIES_KEPT:  # a hostile file may write a new one a row
                currencies[written] = currency
        if currency is None:
            return RejectedLine(
                Origin(source, number), Rejection.UNKNOWN_CURRENCY, sku, written or default
            )
        stock_text = cells[stock_at].strip() if stock_at < width else ""
        stock = parse_stock(stock_text) if stock_text else None
        days_text = cells[days_at].strip() if days_at < width else ""
        return PriceRow(
            sku=sku,
            name=cells[name_at].strip() if name_at < width else "",
            price=price,
            currency=currency,
            stock=stock,
            brand=cells[brand_at].strip() if brand_at < width else "",
            category=cells[category_at].strip() if category_at < width else "",
            row=number,
            in_stock=True if stock is None and says_available(stock_text) else None,
            delivery_days=parse_delivery_days(days_text) if days_text else None,
        )

    return price_row


def _bad_price(origin: Origin, sku: str, text: str, price: Decimal | None) -> RejectedLine:
    """The rejection of a price that is unreadable, negative or zero."""
    if price is None:
        return RejectedLine(origin, Rejection.UNREADABLE_PRICE, sku, text)
    if price < 0:
        return RejectedLine(origin, Rejection.NEGATIVE_PRICE, sku, text)
    # "0" stands for "price on request"; quoting it would give goods away
    return RejectedLine(origin, Rejection.MISSING_PRICE, sku, text, "zero price")


def _checked_currency(written: str, default: str) -> str | None:
    """The ISO code of a written currency ("" for none: `default`), or None if unknown."""
    currency = currency_code(written) if written else default
    return currency if currency is not None and _known_currency(currency) else None


@cache
def _known_currency(code: str) -> bool:
    return is_currency(code)


def _price(text: str) -> tuple[Decimal | None, str]:
    """The amount in a price cell and the currency written with it ("" if none)."""
    stripped = text.strip()
    # A currency word or sign cannot start or end with a digit: no need for the pattern.
    if stripped[:1] in _DIGITS and stripped[-1:] in _DIGITS:
        return parse_decimal(stripped), ""
    return _marked_price(stripped)


def _marked_price(stripped: str) -> tuple[Decimal | None, str]:
    """_price by the pattern, for any stripped text."""
    match = _PRICE.fullmatch(stripped)
    if match is None:  # pragma: no cover - the pattern matches any text
        return None, ""
    before, after = match["before"] or "", match["after"] or ""
    if before and after:
        return None, ""
    return parse_decimal(match["number"]), before or after


def currency_code(text: str) -> str | None:
    """The ISO 4217 code for "EUR", "eur", "€", "руб." or "lei", or None for other text."""
    stripped = text.strip().rstrip(".")
    sign = _CURRENCY_SIGNS.get(stripped.casefold())
    if sign is not None:
        return sign
    if len(stripped) == 3 and stripped.isascii() and stripped.isalpha():
        return stripped.upper()
    return None


def parse_stock(text: str) -> int | None:
    """A stock count: words for "yes" and an empty cell give None (count unknown), words
    for "no" give 0; ">10" and "10+" give 10, "<5" gives 4; unreadable text gives None."""
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():  # the common case, quickly
        return int(stripped)
    key = header_key(stripped) or stripped
    if not stripped or key in _IN_STOCK:
        return None
    if key in _OUT_OF_STOCK:
        return 0
    offset = 0
    at_least, fewer = _AT_LEAST.fullmatch(stripped), _FEWER_THAN.fullmatch(stripped)
    if at_least:
        stripped = at_least[1] or at_least[2]
    elif fewer:
        stripped, offset = fewer[1], -1
    count = parse_decimal(stripped)
    if count is None:
        return None
    return max(0, int(count) + offset)


def says_available(text: str) -> bool:
    """Whether a stock cell is a word for yes ("да", "în stoc", "+") rather than a count."""
    stripped = text.strip()
    return bool(stripped) and (header_key(stripped) or stripped) in _IN_STOCK


def parse_delivery_days(text: str) -> int | None:
    """Days to deliver: "3", "3 days", "2-3 дня" (the longer end), "1 week", "1,5 недели" and
    "48h" (in whole days, rounded up); None for an empty cell, one without a number, or an
    absurd number."""
    numbers = [Decimal(found.replace(",", ".")) for found in _DAYS.findall(text)]
    if not numbers:
        return None
    days = max(numbers)
    if _WEEKS.search(text):
        days *= 7
    elif _HOURS.search(text):
        days /= 24
    whole = int(days.to_integral_value(ROUND_CEILING))
    return whole if whole <= _MAX_DAYS else None
