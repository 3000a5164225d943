"""Which column of a table holds what: header names in English, Russian and Romanian."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from mailbot.parsers.header_match import header_parts, header_strengths
from mailbot.parsers.header_words import Field as Field

HEADER_SEARCH_ROWS = 20
PARTNER_STRENGTH = 1.0  # a partner's own header name for a field

_TOTAL_WORDS = {"total", "subtotal", "sum", "totalgeneral", "итого", "всего", "сумма"}
_DIGITS = frozenset("0123456789")


def header_key(text: str) -> str:
    """`text` reduced to what tells header names apart: letters and digits, lower case, no
    diacritics ("Preț" and "pret", "Кол-во" and "колво", "Part No." and "partno" match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


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
    """The field a header names most strongly ("Кол-во, шт." is quantity), or None."""
    strengths = header_strengths(header)
    if not strengths:
        return None
    return max(Field, key=lambda name: strengths.get(name, 0.0))  # on a tie, the earlier field


def score_header(
    cells: Sequence[str], custom: Mapping[str, str] | None = None
) -> dict[Field, tuple[int, float]]:
    """The column (0-based) of each field named in one header row, with how strongly its
    header names it (0 to 1). Each column holds one field and each field one column: the
    strongest claim is settled first, so in "Item | SKU | Qty" the SKU is "SKU" and "Item"
    the name; on a tie the leftmost column and then the earlier field win. A partner's own
    header names (`custom`, field to header text) are settled before the built-in ones.

    Raises ValueError when `custom` names a field that does not exist.
    """
    found: dict[Field, tuple[int, float]] = {}
    taken: set[int] = set()
    for name, header in (custom or {}).items():
        wanted, key = Field(name), header_key(header)
        if not key or wanted in found:
            continue
        for index, cell in enumerate(cells):
            if index not in taken and key in {header_key(part) for part, _ in header_parts(cell)}:
                found[wanted] = (index, PARTNER_STRENGTH)
                taken.add(index)
                break
    order = {name: rank for rank, name in enumerate(Field)}
    claims = [
        (-strength, index, order[name], name)
        for index, cell in enumerate(cells)
        if index not in taken and cell.strip()
        for name, strength in header_strengths(cell).items()
    ]
    for negative, index, _, name in sorted(claims):
        if index not in taken and name not in found:
            found[name] = (index, -negative)
            taken.add(index)
    return found


def map_columns(cells: Sequence[str], custom: Mapping[str, str] | None = None) -> ColumnMapping:
    """The fields named in one header row, settled as `score_header` settles them.

    Raises ValueError when `custom` names a field that does not exist.
    """
    return ColumnMapping({name: index for name, (index, _) in score_header(cells, custom).items()})


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
