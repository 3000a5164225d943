"""Order lines read from a table's rows (a spreadsheet, a PDF table, a table in a mail body).

Columns are found by their header and, where the catalogue is known, by what their cells hold:
the column whose cells are SKUs on offer is the SKU column whatever its header says, and a
table without a recognised header is read by its content alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mailbot.domain.lines import Origin, RejectedLine, Rejection, RequestedLine
from mailbot.errors import MailbotError
from mailbot.parsers.catalogue import Catalogue, Found, exact_key
from mailbot.parsers.columns import (
    HEADER_SEARCH_ROWS,
    ColumnMapping,
    Field,
    find_header,
    is_total_row,
)
from mailbot.parsers.numbers import parse_decimal
from mailbot.parsers.quantities import UNITS, QuantityReading, read_quantity
from mailbot.parsers.voucher_tokens import cell_codes

BODY = "body"
NO_CATALOGUE = Catalogue(())
REQUIRED = (Field.SKU, Field.QUANTITY)
_AMOUNT = re.compile(r"[\d\s]*\d[.,]\d\d")
# How many data rows are looked at to tell columns apart by their content.
_SAMPLE_ROWS = 200


@dataclass(frozen=True)
class OrderLines:
    """What one source (a file or the body) asked for: lines, rejected lines, voucher codes."""

    lines: tuple[RequestedLine, ...] = ()
    rejected: tuple[RejectedLine, ...] = ()
    codes: tuple[str, ...] = ()

    def merge(self, other: OrderLines) -> OrderLines:
        """Both sources' lines, rejections and codes, this one's first."""
        return combine(self, other)

    @staticmethod
    def combine(*parts: OrderLines) -> OrderLines:
        """All `parts` merged in order."""
        return combine(*parts)


def combine(*parts: OrderLines) -> OrderLines:
    """All `parts` merged in order."""
    return OrderLines(
        tuple(line for part in parts for line in part.lines),
        tuple(line for part in parts for line in part.rejected),
        tuple(code for part in parts for code in part.codes),
    )


class TooManyLinesError(MailbotError):
    """A message with more order lines than `LineBudget.limit`: reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} order lines")
        self.limit = limit


@dataclass
class LineBudget:
    """How many order lines (taken, asked about or refused) one message may have, its body
    and all its files together. Each line spends one; the line past the limit raises
    TooManyLinesError, so a message of 200,000 lines is not read through before it is refused."""

    limit: int
    used: int = 0

    def spend(self) -> None:
        self.used += 1
        if self.used > self.limit:
            raise TooManyLinesError(self.limit)


def parse_quantity(text: str) -> Decimal | None:
    """The number in a quantity cell, allowing a unit after it ("5 pcs", "4 шт.", "2 buc")."""
    return parse_decimal(re.sub(rf"\s*{UNITS}$", "", text.strip(), flags=re.IGNORECASE))


def looks_like_sku(text: str) -> bool:
    """Whether `text` has a SKU's shape: a digit, and a letter or five digits; no sentence."""
    stripped = text.strip()
    if not stripped or len(stripped.split()) > 4 or len(stripped) > 40:
        return False
    if _AMOUNT.fullmatch(stripped):
        return False  # "600,00" is money
    digits = sum(char.isdigit() for char in stripped)
    return digits > 0 and (any(char.isalpha() for char in stripped) or digits >= 5)


@dataclass
class Collector:
    """Lines, rejections, questions and codes of one source, as they are read."""

    source: str
    lines: list[RequestedLine] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    budget: LineBudget | None = None

    def take(self, line: RequestedLine) -> None:
        """Keep a requested line (TooManyLinesError past the budget)."""
        if self.budget is not None:
            self.budget.spend()
        self.lines.append(line)

    def reject(self, line: RejectedLine) -> None:
        """Keep a refused line or a question (TooManyLinesError past the budget)."""
        if self.budget is not None:
            self.budget.spend()
        self.rejected.append(line)

    def add(self, row: int, sku: str, quantity_text: str) -> None:
        """One SKU and quantity as written: a requested line, or why it cannot be one."""
        origin = Origin(self.source, row)
        quantity = parse_quantity(quantity_text)
        if quantity is None:
            detail = "no quantity" if not quantity_text else "not a number"
            self.reject(
                RejectedLine(origin, Rejection.UNREADABLE_QUANTITY, sku, quantity_text, detail)
            )
        else:
            self.take(RequestedLine(sku, quantity, origin))

    def add_found(self, row: int, found: Found, quantity: QuantityReading) -> None:
        """A SKU the catalogue knows (or fits several items) with the quantity read beside it:
        a line when both are sure, else a question naming what was read."""
        origin = Origin(self.source, row)
        sku = found.unique
        if sku is None:
            self.reject(
                RejectedLine(
                    origin,
                    Rejection.AMBIGUOUS_SKU,
                    found.written,
                    _quantity_text(quantity),
                    " / ".join(found.skus),
                )
            )
        elif quantity.value is None:
            self.reject(RejectedLine(origin, Rejection.UNCLEAR_QUANTITY, sku, quantity.unclear))
        else:
            written = "" if exact_key(found.written) == exact_key(sku) else found.written
            self.take(RequestedLine(sku, quantity.value, origin, written))

    def add_mapped(
        self, row: int, cells: Sequence[str], mapping: ColumnMapping, catalogue: Catalogue
    ) -> None:
        """One table row read through `mapping`: a line, a question, a rejection, or nothing
        for rows that are no order line (blank, totals, names and signatures under a table)."""
        if not any(cell.strip() for cell in cells):
            return
        codes = cell_codes([mapping.cell(cells, Field.VOUCHER)])
        self.codes += codes
        sku, quantity = mapping.cell(cells, Field.SKU), mapping.cell(cells, Field.QUANTITY)
        if is_total_row(cells, sku) or (codes and not quantity):
            # A row with a code and no quantity carries the code ("Voucher:" in the SKU
            # column is a label, not a line to reject).
            return
        found = find_sku(catalogue, sku) if sku else None
        if found is not None:
            self.add_found(row, found, cell_quantity(quantity))
        elif sku and (looks_like_sku(sku) or not catalogue or parse_quantity(quantity)):
            self.add(row, sku, quantity)
        elif quantity and not sku:
            text = "; ".join(cell.strip() for cell in cells if cell.strip())
            self.refuse(row, Rejection.MISSING_SKU, text)

    def refuse(self, row: int, reason: Rejection, text: str) -> None:
        """A line that cannot be an order line as written, with what was written there."""
        self.reject(RejectedLine(Origin(self.source, row), reason, "", text))

    def result(self) -> OrderLines:
        return OrderLines(tuple(self.lines), tuple(self.rejected), tuple(self.codes))


def find_sku(catalogue: Catalogue, cell: str) -> Found | None:
    """The catalogue SKU a cell names: the whole cell, else a SKU inside it ("Volvo 24231995",
    "BPW-0310-0100 Brake drum"). None when it names none."""
    found = catalogue.find(cell)
    if found.skus:
        return found
    spans = catalogue.find_in(cell.split())
    return spans[0][2] if len(spans) == 1 else None


def cell_quantity(text: str) -> QuantityReading:
    """A quantity cell: a plain number, else what read_quantity makes of the words in it."""
    quantity = parse_quantity(text)
    if quantity is not None:
        return QuantityReading(value=quantity, explicit=True)
    reading = read_quantity("", text)
    if reading.found:
        return reading
    return QuantityReading(unclear=text.strip())


def _quantity_text(quantity: QuantityReading) -> str:
    return quantity.unclear if quantity.value is None else str(quantity.value)


def order_lines_from_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    source: str,
    custom: Mapping[str, str] | None = None,
    catalogue: Catalogue = NO_CATALOGUE,
    budget: LineBudget | None = None,
) -> OrderLines:
    """The order lines of a table read by `read_rows`, with rejected rows by row number;
    each line spends one of `budget` (TooManyLinesError when it runs out).

    Columns are found by their header (or the partner's `custom` header names) and by their
    content (cells that are SKUs of the `catalogue`); a table without either whose rows are all
    "SKU, number" is read as such; any other table gives a single NO_COLUMNS rejection naming
    the headers it has.
    """
    table = list(rows)
    found = columns_of(table, custom, catalogue)
    collector = Collector(source, budget=budget)
    if found is None:
        return OrderLines(rejected=(_no_columns(table, source),))
    first_data_row, mapping = found
    for number, cells in table:
        if number >= first_data_row:
            collector.add_mapped(number, cells, mapping, catalogue)
    return collector.result()


def columns_of(
    table: Sequence[tuple[int, Sequence[str]]],
    custom: Mapping[str, str] | None = None,
    catalogue: Catalogue = NO_CATALOGUE,
) -> tuple[int, ColumnMapping] | None:
    """The first data row of `table` and its column mapping, or None when no SKU and quantity
    columns can be told: by header, by content, or as a bare two-column table."""
    header = find_header(table, REQUIRED, custom)
    start = 0 if header is None else header[0] + 1
    mapping = header[1] if header is not None else ColumnMapping()
    by_content = _by_content(table, start, mapping, catalogue) if catalogue else None
    if by_content is not None:
        return by_content
    if header is not None:
        return start, mapping
    # With a catalogue, a bare two-column table must also look like SKUs and numbers: a sheet
    # of company details ("ИНН | 7701234567") is no order.
    skip = _sku_quantity_header(table[:HEADER_SEARCH_ROWS], shaped_skus=bool(catalogue))
    if skip is not None:
        return skip + 1, ColumnMapping({Field.SKU: 0, Field.QUANTITY: 1})
    return None


def _by_content(
    table: Sequence[tuple[int, Sequence[str]]],
    start: int,
    header: ColumnMapping,
    catalogue: Catalogue,
) -> tuple[int, ColumnMapping] | None:
    """The SKU column as the one holding the most catalogue SKUs, and the quantity column as
    the header's, else the nearest column right of it whose cells are whole numbers."""
    data = [(number, cells) for number, cells in table if number >= start][:_SAMPLE_ROWS]
    hits: dict[int, int] = {}
    first_hit: int | None = None
    for number, cells in data:
        for index, cell in enumerate(cells):
            if cell.strip() and find_sku(catalogue, cell) is not None:
                hits[index] = hits.get(index, 0) + 1
                first_hit = number if first_hit is None else min(first_hit, number)
    if not hits or first_hit is None:
        return None
    sku_column = max(hits, key=lambda index: (hits[index], -index))
    header_sku = header.columns.get(Field.SKU)
    if header_sku is not None and hits.get(header_sku, 0) >= hits[sku_column]:
        sku_column = header_sku
    columns = dict(header.columns)
    columns[Field.SKU] = sku_column
    quantity_column = columns.get(Field.QUANTITY)
    if quantity_column in (None, sku_column) or not _holds_numbers(
        data, sku_column, quantity_column, catalogue
    ):
        # No quantity header, or one over words (a merged header cell shifts the names).
        columns.pop(Field.QUANTITY, None)
        quantity_column = _quantity_column(data, sku_column, catalogue, ColumnMapping(columns))
        if quantity_column is None:
            return None
        columns[Field.QUANTITY] = quantity_column
    # Without a header, data begins at the first row naming a SKU (titles stand above it).
    return (start if header.columns else first_hit), ColumnMapping(columns)


def _holds_numbers(
    data: Sequence[tuple[int, Sequence[str]]],
    sku_column: int,
    column: int | None,
    catalogue: Catalogue,
) -> bool:
    """Whether `column` holds a number on at least half the rows that name a SKU."""
    rows = [
        cells
        for _, cells in data
        if sku_column < len(cells) and find_sku(catalogue, cells[sku_column]) is not None
    ]
    numbers = sum(
        column is not None and column < len(cells) and parse_quantity(cells[column]) is not None
        for cells in rows
    )
    return numbers * 2 >= len(rows)


def _quantity_column(
    data: Sequence[tuple[int, Sequence[str]]],
    sku_column: int,
    catalogue: Catalogue,
    header: ColumnMapping,
) -> int | None:
    taken = set(header.columns.values())
    scores: dict[int, int] = {}
    for _, cells in data:
        if sku_column >= len(cells) or find_sku(catalogue, cells[sku_column]) is None:
            continue
        for index, cell in enumerate(cells):
            if index == sku_column or index in taken:
                continue
            quantity = parse_quantity(cell)
            if quantity is not None and quantity == quantity.to_integral_value() and quantity > 0:
                scores[index] = scores.get(index, 0) + 1
    if not scores:
        return None
    # The nearest column to the right of the SKUs, else to the left ("Qty | SKU").
    best = max(scores.values())
    candidates = [index for index, score in scores.items() if score * 2 >= best]
    right = [index for index in candidates if index > sku_column]
    return min(right) if right else max(candidates)


def _no_columns(table: Sequence[tuple[int, Sequence[str]]], source: str) -> RejectedLine:
    head = table[:HEADER_SEARCH_ROWS]
    first = next(((n, cells) for n, cells in head if any(c.strip() for c in cells)), None)
    seen = "; ".join(cell.strip() for cell in first[1] if cell.strip()) if first else ""
    detail = f"no SKU and quantity columns; headers seen: {seen}" if seen else "the table is empty"
    origin = Origin(source, first[0] if first else 1)
    return RejectedLine(origin, Rejection.NO_COLUMNS, "", seen, detail)


def _sku_quantity_header(
    head: Sequence[tuple[int, Sequence[str]]], *, shaped_skus: bool
) -> int | None:
    """For a headerless table of two columns, mostly a SKU and then a number: the row number
    of an unrecognised header row to skip ("Part;Menge"), or 0. None for any other table."""
    filled = [(n, cells) for n, cells in head if any(cell.strip() for cell in cells)]
    if not filled or any(cell.strip() for _, cells in filled for cell in cells[2:]):
        return None
    shaped = [
        len(cells) >= 2
        and bool(cells[0].strip())
        and parse_quantity(cells[1]) is not None
        and (looks_like_sku(cells[0]) or not shaped_skus)
        for _, cells in filled
    ]
    skip = 0
    if not shaped[0]:
        skip, shaped = filled[0][0], shaped[1:]
    if shaped and sum(shaped) * 2 >= len(shaped):
        return skip
    return None
