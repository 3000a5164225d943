"""A supplier's order file: its lines of an order as XLSX and CSV, with a column to fill in.

The "Confirmed quantity" column is what the supplier sends back (`parsers/supplier_answers`
reads it by the same header). Text is escaped as in every sheet mailbot writes: XLSX cells
are strings, never formulas; a CSV cell that starts like a formula gets a leading quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import xlsxwriter

from mailbot.outbound.sheets import csv_style, escape_text, headers
from mailbot.outbound.translations import N_

# The last column's heading in each language must be one `parsers.supplier_answers` reads as
# the confirmed quantity (its CONFIRMED_HEADERS): a test writes and reads a file per language.
HEADERS: Final = (N_("SKU"), N_("Name"), N_("Quantity"), N_("Confirmed quantity"))
WIDTHS: Final = (18, 48, 12, 22)
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE: Final = "text/csv; charset=utf-8"


@dataclass(frozen=True, slots=True)
class OrderFileLine:
    sku: str
    name: str
    quantity: int


def order_xlsx(lines: Sequence[OrderFileLine], language: str) -> bytes:
    """The lines as an XLSX workbook with an empty confirmed-quantity column."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    sheet = workbook.add_worksheet("Order")
    bold = workbook.add_format({"bold": True})
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    for column, title in enumerate(headers(language, HEADERS)):
        sheet.write_string(0, column, title, bold)
    for row, line in enumerate(lines, 1):
        sheet.write_string(row, 0, line.sku)
        sheet.write_string(row, 1, line.name)
        sheet.write_number(row, 2, line.quantity)
    workbook.close()
    return buffer.getvalue()


def order_csv(lines: Sequence[OrderFileLine], language: str) -> bytes:
    """The lines as UTF-8 CSV with a BOM, in the delimiter of the supplier's language."""
    delimiter = csv_style(language)[0]
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers(language, HEADERS))
    for line in lines:
        writer.writerow([escape_text(line.sku), escape_text(line.name), line.quantity, ""])
    return text.getvalue().encode("utf-8-sig")


def order_files(
    number: str, lines: Sequence[OrderFileLine], language: str
) -> list[tuple[str, str, bytes]]:
    """The attachments of an order file: (file name, content type, bytes), XLSX then CSV."""
    return [
        (f"{number}.xlsx", XLSX_TYPE, order_xlsx(lines, language)),
        (f"{number}.csv", CSV_TYPE, order_csv(lines, language)),
    ]
