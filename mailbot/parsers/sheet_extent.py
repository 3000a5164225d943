"""How many cells a workbook will make its reader allocate, measured before it is opened.

calamine holds a sheet as a dense grid from the first to the last filled cell, so a tiny file
with one cell in A1 and one in XFD1048576 (or an ODS cell repeated a million times) asks for
hundreds of gigabytes and aborts the process. These scanners read cell addresses only. (XLSX
is streamed by `xlsx_stream`, which counts cells as it goes.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Box:
    """The bounding box of filled cells, 0-based and inclusive; empty while `top` is None."""

    top: int | None = None
    bottom: int = 0
    left: int = 0
    right: int = 0

    def add(self, top: int, bottom: int, left: int, right: int) -> None:
        if self.top is None:
            self.top, self.bottom, self.left, self.right = top, bottom, left, right
            return
        self.top = min(self.top, top)
        self.bottom = max(self.bottom, bottom)
        self.left = min(self.left, left)
        self.right = max(self.right, right)

    @property
    def cells(self) -> int:
        if self.top is None:
            return 0
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)


_TOKENS = rb"""(?:[^>"']|"[^"]*"|'[^']*')*?"""  # attributes, quoted values kept whole
_ATTRIBUTES = b"(" + _TOKENS + b")"
_ODS_TAG = re.compile(
    rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
    + _ATTRIBUTES
    + rb"(/?)>"
)
_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"'](\d+)")
_COLUMNS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"'](\d+)")


def ods_cells(xml: bytes) -> int:
    """Cells in the dense grids of all tables of an ODS content.xml (calamine reads them all)."""
    total = 0
    box, row_box = Box(), Box()
    row = column = rows_repeated = 0
    for closing, name, attributes, empty in _ODS_TAG.findall(xml):
        if name == b"table":
            if closing or empty:
                total += box.cells
            box, row = Box(), 0
        elif name == b"table-row" and not closing:
            rows_repeated = _repeat(_ROWS_REPEATED, attributes)
            row_box, column = Box(), 0
            if empty:
                row += rows_repeated
        elif name == b"table-row":
            if row_box.top is not None:
                box.add(row, row + rows_repeated - 1, row_box.left, row_box.right)
            row += rows_repeated
        elif not closing:
            repeated = _repeat(_COLUMNS_REPEATED, attributes)
            # A cell has a value when it says its type or has content; LibreOffice
            # writes the empty padding cells as self-closing elements without a type.
            if not empty or b"value-type" in attributes:
                row_box.add(0, 0, column, column + repeated - 1)
            column += repeated
    return total + box.cells


def _repeat(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    found = pattern.search(attributes)
    return max(1, int(found[1])) if found else 1
