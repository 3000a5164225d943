"""Order lines in an attached file: a spreadsheet (any of its sheets) or a PDF with a text layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mailbot.domain.lines import Rejection
from mailbot.parsers.catalogue import Catalogue
from mailbot.parsers.order_lines import (
    NO_CATALOGUE,
    LineBudget,
    OrderLines,
    combine,
    order_lines_from_rows,
)
from mailbot.parsers.order_text import order_lines_from_lines
from mailbot.parsers.pdf_order import PdfLimits, is_pdf, read_pdf
from mailbot.parsers.tables import SheetRows, TableLimits, is_table, read_sheets


@dataclass(frozen=True)
class FileLimits:
    """How much of the files attached to an order mailbot is willing to read."""

    tables: TableLimits = field(default_factory=TableLimits)
    pdf: PdfLimits = field(default_factory=PdfLimits)


def is_order_file(filename: str, content_type: str, payload: bytes) -> bool:
    """Whether an attachment may hold order lines: a spreadsheet or a PDF."""
    return is_table(filename, content_type) or is_pdf(filename, content_type, payload)


def read_order_file(
    name: str,
    content_type: str,
    payload: bytes,
    limits: FileLimits,
    catalogue: Catalogue = NO_CATALOGUE,
    budget: LineBudget | None = None,
) -> OrderLines:
    """The order lines of one attached file. Raises UnreadableTable (with a reason for the
    partner) for a file that cannot be read or is past `limits`, and TooManyLinesError when its
    lines use up `budget`."""
    if is_pdf(name, content_type, payload) and not is_table(name, content_type):
        return _pdf_lines(name, payload, limits.pdf, catalogue, budget)
    return _sheet_lines(name, read_sheets(name, payload, limits.tables), catalogue, budget)


def _sheet_lines(
    name: str, sheets: Sequence[SheetRows], catalogue: Catalogue, budget: LineBudget | None
) -> OrderLines:
    """The order on whichever sheets hold one: a sheet of company details, an empty "Лист1"
    or a cover page before the order is passed over without a word."""
    read = [
        (sheet.name, order_lines_from_rows(sheet.rows, name, None, catalogue, budget))
        for sheet in sheets
        if sheet.rows
    ]
    useful = [(sheet, part) for sheet, part in read if not _only_no_columns(part)]
    if not useful:
        return read[0][1] if read else order_lines_from_rows((), name)
    if len(useful) == 1:
        return useful[0][1]
    return combine(*(_renamed(part, f"{name} [{sheet}]") for sheet, part in useful))


def _renamed(part: OrderLines, source: str) -> OrderLines:
    """`part` with every line's origin naming `source` (the file and its sheet)."""
    return OrderLines(
        tuple(replace(line, origin=replace(line.origin, source=source)) for line in part.lines),
        tuple(replace(line, origin=replace(line.origin, source=source)) for line in part.rejected),
        part.codes,
    )


def _pdf_lines(
    name: str, payload: bytes, limits: PdfLimits, catalogue: Catalogue, budget: LineBudget | None
) -> OrderLines:
    """A PDF's tables, each read like a spreadsheet, and its other lines like a mail body. A
    table with no SKU and quantity columns (the letterhead, the addresses) is not the order."""
    content = read_pdf(payload, limits)
    tables = [order_lines_from_rows(rows, name, None, catalogue, budget) for rows in content.tables]
    parts = [part for part in tables if not _only_no_columns(part)]
    parts.append(order_lines_from_lines(content.lines, catalogue, name, budget))
    read = combine(*parts)
    if read.lines or read.rejected or not tables:
        return read
    return tables[0]  # nothing read anywhere: say that the table had no usable columns


def _only_no_columns(part: OrderLines) -> bool:
    return not part.lines and all(r.reason is Rejection.NO_COLUMNS for r in part.rejected)
