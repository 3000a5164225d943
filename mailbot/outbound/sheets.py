"""Spreadsheets mailbot writes for people: a client's price list as XLSX or CSV, row by row.

Both writers take one row at a time and keep none: the XLSX writer uses xlsxwriter's
constant-memory mode (each row goes to a temporary file as it is written), the CSV writer
writes straight through. Text from suppliers is escaped so that no cell can run as a formula
(OWASP "CSV injection"): in XLSX every text cell is written as a string, never a formula; in
CSV a text that starts like a formula gets a leading single quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final, Protocol

import xlsxwriter
from babel.numbers import get_decimal_symbol

from mailbot.domain.money import Money, minor_unit
from mailbot.domain.pricing import StockState
from mailbot.outbound.translations import N_, PACKAGE

# What spreadsheet programs read as the start of a formula (OWASP), tab and CR included.
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

HEADERS: Final = (
    N_("SKU"), N_("Name"), N_("Brand"), N_("Category"), N_("Price"), N_("Currency"),
    N_("Availability"), N_("Stock"),
)  # fmt: skip

# In stock, out of stock (a count of 0), not stated by the supplier.
AVAILABILITY: Final = (N_("in stock"), N_("out of stock"), N_("not stated"))

WIDTHS: Final = (18, 48, 16, 18, 12, 9, 16, 9)


@dataclass(frozen=True, slots=True)
class PriceSheetRow:
    """One SKU of a client's price list: its final net unit price and availability."""

    sku: str
    name: str
    brand: str
    category: str
    price: Money
    stock_state: StockState
    stock: int | None


class PriceSheet(Protocol):
    """A price list being written: rows one at a time, then `close` to finish the file."""

    def write(self, row: PriceSheetRow) -> None: ...

    def close(self) -> None: ...


def escape_text(text: str) -> str:
    """`text` made safe for a CSV cell: a single quote before a formula-like start."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_style(language: str) -> tuple[str, str]:
    """The field delimiter and decimal sign of a CSV file as readers of `language` open it by
    double-click: locales that write decimal commas (ru, ro) put ";" between fields."""
    decimal = get_decimal_symbol(PACKAGE.locale(language))
    return (";" if decimal == "," else ","), decimal


def headers(language: str, ids: Sequence[str] = HEADERS) -> list[str]:
    """The column headings `ids` in `language` (English when it has no catalogue)."""
    translate = PACKAGE.translations(language).gettext
    return [translate(heading) for heading in ids]


def availability(row: PriceSheetRow, language: str) -> str:
    """The row's availability in words of `language`."""
    if row.stock_state is StockState.UNKNOWN:
        words = AVAILABILITY[2]
    else:
        words = AVAILABILITY[1] if row.stock == 0 else AVAILABILITY[0]
    return PACKAGE.translations(language).gettext(words)


class XlsxPriceSheet:
    """Writes an XLSX price list to `target` (a path or a binary file) in constant memory."""

    def __init__(self, target: str | BinaryIO, *, language: str, currency: str) -> None:
        self._language = language
        self._workbook = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                # write() is never called, but a later edit must not turn text into formulas.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._sheet = self._workbook.add_worksheet("Prices")
        decimals = max(0, -minor_unit(currency).as_tuple().exponent)  # type: ignore[operator]
        places = "." + "0" * decimals if decimals else ""
        self._money = self._workbook.add_format({"num_format": f'#,##0{places} "{currency}"'})
        bold = self._workbook.add_format({"bold": True})
        for column, width in enumerate(WIDTHS):
            self._sheet.set_column(column, column, width)
        self._sheet.freeze_panes(1, 0)
        for column, title in enumerate(headers(language)):
            self._sheet.write_string(0, column, title, bold)
        self._row = 0

    def write(self, row: PriceSheetRow) -> None:
        """Add `row`; text cells are strings, so nothing a supplier wrote can be a formula."""
        self._row += 1
        at, sheet = self._row, self._sheet
        for column, text in enumerate((row.sku, row.name, row.brand, row.category)):
            sheet.write_string(at, column, text)
        # XLSX stores every number as a double; prices have at most a few decimals.
        sheet.write_number(at, 4, float(row.price.amount), self._money)
        sheet.write_string(at, 5, row.price.currency)
        sheet.write_string(at, 6, availability(row, self._language))
        if row.stock is not None:
            sheet.write_number(at, 7, row.stock)

    def close(self) -> None:
        self._sheet.autofilter(0, 0, self._row, len(WIDTHS) - 1)
        self._workbook.close()


class CsvPriceSheet:
    """Writes a CSV price list to the binary file `target`: UTF-8 with a BOM, so spreadsheet
    programs detect the encoding, in the delimiter and decimal sign of the client's language."""

    def __init__(self, target: BinaryIO, *, language: str) -> None:
        self._language = language
        self._delimiter, self._decimal = csv_style(language)
        self._text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text, delimiter=self._delimiter, lineterminator="\r\n")
        self._writer.writerow(headers(language))

    def write(self, row: PriceSheetRow) -> None:
        """Add `row`, with formula-like text escaped."""
        texts = (row.sku, row.name, row.brand, row.category)
        self._writer.writerow(
            [
                *(escape_text(text) for text in texts),
                str(row.price.amount).replace(".", self._decimal),
                row.price.currency,
                availability(row, self._language),
                "" if row.stock is None else str(row.stock),
            ]
        )

    def close(self) -> None:
        self._text.flush()
        # Leave the caller's file open: it may be an in-memory buffer still to be read.
        self._text.detach()


def write_text_table(target: BinaryIO, file_format: str, headers: Sequence[str],
                     rows: Iterable[Sequence[str]]) -> int:  # fmt: skip
    """Write rows of text under `headers` as "csv" (UTF-8 with a BOM, commas) or "xlsx"
    (constant memory, every cell a string), formula-like text made harmless; how many rows."""
    count = 0
    if file_format == "csv":
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(headers)
        for count, row in enumerate(rows, 1):  # noqa: B007 - the count is the result
            writer.writerow([escape_text(cell) for cell in row])
        text.flush()
        text.detach()
        return count
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    for column, title in enumerate(headers):
        sheet.write_string(0, column, title, bold)
        sheet.set_column(column, column, 24)
    for count, row in enumerate(rows, 1):
        for column, cell in enumerate(row):
            sheet.write_string(count, column, cell)
    workbook.close()
    return count
