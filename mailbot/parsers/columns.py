"""Which column of a table holds what: header names in English, Russian and Romanian."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice

HEADER_SEARCH_ROWS = 20


class Field(StrEnum):
    """What a column holds."""

    SKU = "sku"
    NAME = "name"
    QUANTITY = "quantity"
    PRICE = "price"
    CURRENCY = "currency"
    STOCK = "stock"
    BRAND = "brand"
    CATEGORY = "category"
    DELIVERY_DAYS = "delivery_days"
    VOUCHER = "voucher"


_ALIASES: dict[Field, tuple[str, ...]] = {
    Field.SKU: (
        *("sku", "article", "article no", "article number", "art", "art no", "art nr", "nr art"),
        *("part", "part no", "part nr", "part number", "code", "item", "item no", "item code"),
        *("item number", "product code", "catalog number", "catalogue number", "reference"),
        *("артикул", "код", "код товара", "каталожный номер", "номер детали", "кат номер"),
        *("cod", "cod articol", "articol", "cod produs", "referinta", "nr catalog"),
    ),
    Field.NAME: (
        *("name", "description", "item description", "product", "product name", "title"),
        *("наименование", "название", "описание", "товар", "наименование товара"),
        *("denumire", "descriere", "produs", "denumire produs"),
    ),
    Field.QUANTITY: (
        *("qty", "quantity", "pcs", "count", "order qty", "qty ordered", "units"),
        *("кол во", "количество", "кол", "колво", "шт", "кол во шт"),
        *("cantitate", "cant", "buc", "bucati"),
    ),
    Field.PRICE: (
        *("price", "unit price", "net price", "cost", "price per unit"),
        *("цена", "стоимость", "цена за шт", "цена за единицу"),
        *("pret", "pret unitar", "pret unit"),
    ),
    Field.CURRENCY: ("currency", "curr", "валюта", "moneda", "valuta"),
    Field.STOCK: (
        *("stock", "availability", "in stock", "available", "qty available", "on hand"),
        *("остаток", "наличие", "остатки", "в наличии", "склад"),
        *("stoc", "disponibil", "disponibilitate", "in stoc"),
    ),
    Field.BRAND: (
        *("brand", "make", "manufacturer", "maker"),
        *("бренд", "марка", "производитель"),
        *("marca", "producator", "fabricant"),
    ),
    Field.CATEGORY: ("category", "group", "категория", "группа", "categorie", "grupa"),
    Field.DELIVERY_DAYS: (
        *("delivery days", "delivery time", "lead time", "lead time days", "days"),
        *("срок поставки", "срок", "срок доставки", "дней"),
        *("termen de livrare", "termen", "termen livrare", "zile"),
    ),
    Field.VOUCHER: (
        *("voucher", "promo", "promo code", "code promo", "promocode", "coupon", "coupon code"),
        *("voucher code", "discount code", "промокод", "ваучер", "купон", "промо код"),
        *("cupon", "cod promo", "cod promotional", "cod voucher", "cod reducere"),
    ),
}

_TOTAL_WORDS = {"total", "subtotal", "sum", "totalgeneral", "итого", "всего", "сумма"}
_DIGITS = frozenset("0123456789")

# Text after these marks qualifies a header rather than naming it: "Цена, руб.", "Price (EUR)".
_QUALIFIER = re.compile(r"[,(\[{:;]")
_ALTERNATIVES = re.compile(r"[/|\\]")


def header_key(text: str) -> str:
    """`text` reduced to what tells header names apart: letters and digits, lower case, no
    diacritics ("Preț" and "pret", "Кол-во" and "колво", "Part No." and "partno" match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


_KNOWN: dict[str, Field] = {
    header_key(alias): name for name, aliases in _ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which column (0-based) holds each recognised field."""

    columns: Mapping[Field, int] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def cell(self, cells: Sequence[str], name: Field) -> str:
        """The text in `name`'s column of `cells`, or "" when the column or cell is missing."""
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()


def recognise(header: str) -> Field | None:
    """The field a header names ("Кол-во, шт." is quantity), or None."""
    for candidate in _candidates(header):
        known = _KNOWN.get(header_key(candidate))
        if known is not None:
            return known
    return None


def _candidates(header: str) -> Iterable[str]:
    """The header itself, then without its qualifier, then each of its "A / B" alternatives."""
    yield header
    base = _QUALIFIER.split(header, maxsplit=1)[0]
    yield base
    yield from _ALTERNATIVES.split(base)


def map_columns(cells: Sequence[str], custom: Mapping[str, str] | None = None) -> ColumnMapping:
    """The fields named in one header row. A partner's own header names (`custom`, field to
    header text) win over the built-in ones; where two columns name a field, the first counts.

    Raises ValueError when `custom` names a field that does not exist.
    """
    columns: dict[Field, int] = {}
    taken: set[int] = set()
    for name, header in (custom or {}).items():
        wanted, key = Field(name), header_key(header)
        if not key:
            continue
        for index, cell in enumerate(cells):
            if index not in taken and key in {header_key(c) for c in _candidates(cell)}:
                columns.setdefault(wanted, index)
                taken.add(index)
                break
    for index, cell in enumerate(cells):
        known = recognise(cell) if index not in taken and cell.strip() else None
        if known is not None and known not in columns:
            columns[known] = index
    return ColumnMapping(columns)


def find_header(
    rows: Iterable[tuple[int, Sequence[str]]],
    required: Collection[Field],
    custom: Mapping[str, str] | None = None,
) -> tuple[int, ColumnMapping] | None:
    """The first of the first 20 rows that names all `required` fields, with its mapping."""
    for number, cells in islice(rows, HEADER_SEARCH_ROWS):
        mapping = map_columns(cells, custom)
        if all(name in mapping for name in required):
            return number, mapping
    return None


def is_total_row(cells: Sequence[str], sku: str) -> bool:
    """Whether a row is a "Total: 28" line under a table rather than one of its lines."""
    if sku:
        # A SKU ending in a digit (most do) keeps it in its key, and no total word has one.
        return sku[-1] not in _DIGITS and _total_key(sku) in _TOTAL_WORDS
    return any(_total_key(cell) in _TOTAL_WORDS for cell in cells)


def _total_key(cell: str) -> str:
    # Cheaper than header_key: this runs for every row of a 100,000-row price list.
    return "".join(cell.casefold().split()).rstrip(":.")
