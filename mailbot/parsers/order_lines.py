"""Order lines read from a spreadsheet's rows or from the lines of a message body."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice

from mailbot.domain.lines import Origin, RejectedLine, Rejection, RequestedLine
from mailbot.parsers.columns import (
    HEADER_SEARCH_ROWS,
    ColumnMapping,
    Field,
    find_header,
    is_total_row,
)
from mailbot.parsers.numbers import parse_decimal
from mailbot.parsers.voucher_tokens import cell_codes

BODY = "body"
_REQUIRED = (Field.SKU, Field.QUANTITY)
_UNIT = r"(?:pcs|pc|pieces?|units?|шт|штук[аи]?|ед|buc|bucăți|bucati|bucata|bucată)\.?"


@dataclass(frozen=True)
class OrderLines:
    """What one source (a file or the body) asked for: lines, rejected lines, voucher codes."""

    lines: tuple[RequestedLine, ...] = ()
    rejected: tuple[RejectedLine, ...] = ()
    codes: tuple[str, ...] = ()

    def merge(self, other: OrderLines) -> OrderLines:
        """Both sources' lines, rejections and codes, this one's first."""
        return OrderLines(
            self.lines + other.lines, self.rejected + other.rejected, self.codes + other.codes
        )

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


def parse_quantity(text: str) -> Decimal | None:
    """The number in a quantity cell, allowing a unit after it ("5 pcs", "4 шт.", "2 buc")."""
    return parse_decimal(re.sub(rf"\s*{_UNIT}$", "", text.strip(), flags=re.IGNORECASE))


@dataclass
class _Collector:
    source: str
    lines: list[RequestedLine] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    def add(self, row: int, sku: str, quantity_text: str) -> None:
        """One SKU and quantity as written: a requested line, or why it cannot be one."""
        origin = Origin(self.source, row)
        quantity = parse_quantity(quantity_text)
        if quantity is None:
            detail = "no quantity" if not quantity_text else "not a number"
            self.rejected.append(
                RejectedLine(origin, Rejection.UNREADABLE_QUANTITY, sku, quantity_text, detail)
            )
        else:
            self.lines.append(RequestedLine(sku, quantity, origin))

    def add_mapped(self, row: int, cells: Sequence[str], mapping: ColumnMapping) -> None:
        if not any(cell.strip() for cell in cells):
            return
        codes = cell_codes([mapping.cell(cells, Field.VOUCHER)])
        self.codes += codes
        sku, quantity = mapping.cell(cells, Field.SKU), mapping.cell(cells, Field.QUANTITY)
        if is_total_row(cells, sku) or (codes and not quantity):
            # A row with a code and no quantity carries the code ("Voucher:" in the SKU
            # column is a label, not a line to reject).
            return
        if sku:
            self.add(row, sku, quantity)
        elif quantity:
            text = "; ".join(cell.strip() for cell in cells if cell.strip())
            self.rejected.append(
                RejectedLine(Origin(self.source, row), Rejection.MISSING_SKU, "", text)
            )

    def result(self) -> OrderLines:
        return OrderLines(tuple(self.lines), tuple(self.rejected), tuple(self.codes))


def order_lines_from_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    source: str,
    custom: Mapping[str, str] | None = None,
) -> OrderLines:
    """The order lines of a table read by `read_rows`, with rejected rows by row number.

    Columns are found by their header (or the partner's `custom` header names); a table
    without one whose rows are all "SKU, number" is read as such; any other table gives a
    single NO_COLUMNS rejection naming the headers it has.
    """
    iterator = iter(rows)
    head = list(islice(iterator, HEADER_SEARCH_ROWS))
    collector = _Collector(source)
    found = find_header(head, _REQUIRED, custom)
    if found is not None:
        header_row, mapping = found
        for number, cells in chain(head, iterator):
            if number > header_row:
                collector.add_mapped(number, cells, mapping)
        return collector.result()
    skip = _sku_quantity_header(head)
    if skip is not None:
        mapping = ColumnMapping({Field.SKU: 0, Field.QUANTITY: 1})
        for number, cells in chain(head, iterator):
            if number > skip:
                collector.add_mapped(number, cells, mapping)
        return collector.result()
    first = next(((n, cells) for n, cells in head if any(c.strip() for c in cells)), None)
    seen = "; ".join(cell.strip() for cell in first[1] if cell.strip()) if first else ""
    detail = f"no SKU and quantity columns; headers seen: {seen}" if seen else "the table is empty"
    origin = Origin(source, first[0] if first else 1)
    return OrderLines(rejected=(RejectedLine(origin, Rejection.NO_COLUMNS, "", seen, detail),))


def _sku_quantity_header(head: Sequence[tuple[int, Sequence[str]]]) -> int | None:
    """For a headerless table of two columns, mostly a SKU and then a number: the row number
    of an unrecognised header row to skip ("Part;Menge"), or 0. None for any other table."""
    filled = [(n, cells) for n, cells in head if any(cell.strip() for cell in cells)]
    if not filled or any(cell.strip() for _, cells in filled for cell in cells[2:]):
        return None
    shaped = [
        len(cells) >= 2 and bool(cells[0].strip()) and parse_quantity(cells[1]) is not None
        for _, cells in filled
    ]
    skip = 0
    if not shaped[0]:
        skip, shaped = filled[0][0], shaped[1:]
    if shaped and sum(shaped) * 2 >= len(shaped):
        return skip
    return None


def _sku(name: str) -> str:
    """A SKU in free text: letters, digits and . - / _ inside. It must also hold a letter and
    a digit (checked apart), which keeps dates, times, phone numbers and plain words out."""
    return rf"(?P<{name}>\w(?:[\w.\-/]*\w)?)"


def _quantity(name: str) -> str:
    """No "+" and no leading zero: "+40 721…" and "0721…" are phone numbers, not quantities."""
    return rf"(?P<{name}>-?(?:[1-9][\d.,]*|0(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)"


_SEPARATOR = r"(?:\s+[xх]\s*|\s*[×*;,|:=\t]\s*|\s*[–—]\s*|\s+-\s+)"
_ORDER_LINE = re.compile(
    rf"(?:{_sku('sku1')}{_SEPARATOR}{_quantity('quantity1')}(?:\s*{_UNIT})?"
    rf"|{_sku('sku2')}\s+{_quantity('quantity2')}\s*{_UNIT}"
    rf"|{_quantity('quantity3')}(?:\s*{_UNIT})?\s*[xх×*]\s*{_sku('sku3')})"
    r"(?:\s*\([^()]*\))?\s*[.!]?",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"(?:[-*•·]|\d{1,3}[.)])\s+")
_RULE_CELL = re.compile(r":?-{2,}:?")
_MAX_LINE = 200


def order_lines_from_text(text: str) -> OrderLines:
    """The order lines written in a message body, with Origin("body", line number).

    Reads "SKU x 5", "5 x SKU", "SKU; 5", "SKU — 5 pcs", "SKU<TAB>5" and the like, one a
    line, and tables with a header row whose cells are split by "|" or TAB (as html2text
    renders HTML tables). Prose, dates, phone numbers and addresses are not lines.
    """
    collector = _Collector(BODY)
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and _is_table_line(lines[end]):
            end += 1
        if end - index >= 2:
            _read_block(collector, lines, index, end)
            index = end
        else:
            _read_line(collector, index + 1, lines[index])
            index += 1
    return collector.result()


def _is_table_line(line: str) -> bool:
    return ("|" in line or "\t" in line.strip()) and not line.lstrip().startswith(">")


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if "|" not in stripped:
        return [cell.strip() for cell in stripped.split("\t")]
    cells = [cell.strip() for cell in stripped.strip("|").split("|")]
    return ["" if _RULE_CELL.fullmatch(cell) else cell for cell in cells]


def _read_block(collector: _Collector, lines: Sequence[str], start: int, end: int) -> None:
    """Lines start..end-1 of the body, all table rows: by their header if they have one."""
    rows = [(number + 1, _cells(lines[number])) for number in range(start, end)]
    found = find_header(rows, _REQUIRED)
    if found is None:
        for number, _ in rows:
            _read_line(collector, number, lines[number - 1])
        return
    header_row, mapping = found
    for number, cells in rows:
        if number > header_row:
            collector.add_mapped(number, cells, mapping)
        elif number < header_row:
            _read_line(collector, number, lines[number - 1])


def _read_line(collector: _Collector, number: int, line: str) -> None:
    """One body line: a requested (or rejected) line if it has an order line's shape."""
    text = line.strip()
    if not text or text.startswith(">") or len(text) > _MAX_LINE:
        return
    marker = _LIST_MARKER.match(text)
    if marker is not None:
        text = text[marker.end() :]
    match = _ORDER_LINE.fullmatch(text.strip("|").strip())
    if match is None:
        return
    sku = match["sku1"] or match["sku2"] or match["sku3"]
    quantity = match["quantity1"] or match["quantity2"] or match["quantity3"]
    if any(char.isalpha() for char in sku) and any(char.isdigit() for char in sku):
        collector.add(number, sku, quantity)
