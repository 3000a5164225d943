"""The order matrix managers get with the digest: each order and when it reached each status.

Names come from partners, so every text cell is written as a string and can never run as a
formula (see sheets.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import xlsxwriter

from mailbot.domain.money import Money
from mailbot.domain.orders import OrderStatus

STEPS: Final = tuple(OrderStatus)  # the matrix's step columns, in the order's own order
HEADERS: Final = ("Order", "Client", "Status", "Total", "Currency")


@dataclass(slots=True)
class MatrixRow:
    """One order: its figures and the first time it reached each status (aware UTC)."""

    number: str
    client: str
    status: str
    total: Money
    steps: dict[str, datetime] = field(default_factory=dict)


def order_matrix_xlsx(rows: list[MatrixRow]) -> bytes:
    """The matrix as an XLSX workbook: one row per order, one column per status, times in UTC."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    sheet = workbook.add_worksheet("Orders")
    bold = workbook.add_format({"bold": True})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for column, title in enumerate((*HEADERS, *(f"{step} (UTC)" for step in STEPS))):
        sheet.write_string(0, column, title, bold)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 28)
    sheet.set_column(len(HEADERS), len(HEADERS) + len(STEPS) - 1, 17)
    sheet.freeze_panes(1, 2)
    for at, row in enumerate(rows, 1):
        sheet.write_string(at, 0, row.number)
        sheet.write_string(at, 1, row.client)
        sheet.write_string(at, 2, row.status)
        sheet.write_number(at, 3, float(row.total.amount))
        sheet.write_string(at, 4, row.total.currency)
        for offset, step in enumerate(STEPS):
            if step in row.steps:
                naive = row.steps[step].replace(tzinfo=None)  # XLSX times carry no zone
                sheet.write_datetime(at, len(HEADERS) + offset, naive, moment)
    sheet.autofilter(0, 0, len(rows), len(HEADERS) + len(STEPS) - 1)
    workbook.close()
    return buffer.getvalue()
