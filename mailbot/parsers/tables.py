"""Spreadsheet attachments (CSV/TSV/TXT, XLSX, XLS, ODS) read as numbered rows of strings:
the first visible sheet streamed, or every visible sheet read whole."""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from python_calamine import CalamineSheet, CalamineWorkbook, SheetVisibleEnum

from mailbot.errors import MailbotError
from mailbot.parsers.legacy_xls import MAGIC as XLS_MAGIC
from mailbot.parsers.legacy_xls import clean_xls
from mailbot.parsers.text_encoding import detect_encoding
from mailbot.parsers.workbook_archive import MAGIC as ZIP_MAGIC
from mailbot.parsers.workbook_archive import (
    UnsafeArchiveError,
    checked_archive,
    is_xlsx,
    repacked_ods,
)
from mailbot.parsers.xlsx_parts import Sheet, TooLongError, XlsxError, visible_sheets
from mailbot.parsers.xlsx_stream import sheet_rows

Row = tuple[int, tuple[str, ...]]

_TEXT_EXTENSIONS = {".csv", ".tsv", ".tab"}
_WORKBOOK_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
_TABLE_TYPES = {
    "text/csv",
    "text/x-csv",
    "text/comma-separated-values",
    "application/csv",
    "application/x-csv",
    "text/tab-separated-values",
    "application/vnd.ms-excel",
    "application/x-msexcel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.oasis.opendocument.spreadsheet",
}
_DELIMITERS = ("\t", ";", ",", "|")  # on a tie, the earlier one wins
_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 20


@dataclass(frozen=True)
class TableLimits:
    """How much of a spreadsheet mailbot is willing to read."""

    max_rows: int = 100_000
    max_unpacked_bytes: int = 50 * 2**20
    # calamine holds each sheet as a dense grid: this bounds its memory (about 32 bytes a cell);
    # XLSX rows are padded to the widest row so far, and this bounds the work of that too.
    max_cells: int = 10_000_000
    # Sheets past this many visible ones are not read by read_sheets.
    max_sheets: int = 20


@dataclass(frozen=True)
class SheetRows:
    """One sheet of a spreadsheet: its name ("" for CSV/TSV) and its rows, numbered from 1."""

    name: str
    rows: tuple[Row, ...]


# A sheet's name and its rows, read lazily.
_LazySheet = tuple[str, Iterator[Row]]


class UnreadableTable(MailbotError):  # noqa: N818 - the name the callers use
    """A spreadsheet that cannot be read; `reason` says why in words a partner understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooManyRows(UnreadableTable):
    """A spreadsheet longer than `TableLimits.max_rows`: refused rather than cut short."""


def is_table(filename: str, content_type: str, payload: bytes | None = None) -> bool:
    """Whether an attachment is a spreadsheet, judged by its extension or MIME type.

    A .txt or text/plain attachment counts only when `payload` is given and holds a table
    (rows split by one of , ; TAB |), so that a note in a .txt file is not taken for an order.
    """
    suffix = PurePosixPath(filename.lower()).suffix
    mime = content_type.lower().split(";")[0].strip()
    if suffix in _TEXT_EXTENSIONS | _WORKBOOK_EXTENSIONS or mime in _TABLE_TYPES:
        return True
    if (suffix == ".txt" or mime == "text/plain") and payload is not None:
        text = payload[:_SNIFF_CHARS].decode(detect_encoding(payload), "replace")
        return _sniff_delimiter(text) is not None
    return False


def read_rows(filename: str, payload: bytes, limits: TableLimits) -> Iterator[Row]:
    """The rows of a spreadsheet's first visible sheet, numbered from 1, cells as stripped text.

    The file's content decides how it is read (a workbook named .csv is read as a workbook).
    Raises UnreadableTable at once for a file that cannot be opened, is not a spreadsheet,
    or is a zip bomb, and for an XLS or ODS workbook with more than `limits.max_rows` rows;
    raises it during iteration, after the rows before the trouble, for a CSV or XLSX sheet
    that has too many rows or cells or breaks off.
    """
    ((_, rows),) = _open_sheets(filename, payload, limits, count=1)
    return rows


def read_sheets(filename: str, payload: bytes, limits: TableLimits) -> tuple[SheetRows, ...]:
    """Every visible sheet of a spreadsheet in workbook order, up to `limits.max_sheets`
    (the first sheet when all are hidden; a CSV file is one sheet named ""), read whole.

    Each sheet's rows are numbered and written as `read_rows` gives them. Raises
    UnreadableTable as `read_rows` does, TooManyRows for any sheet longer than
    `limits.max_rows`, and UnreadableTable when the sheets read span more than
    `limits.max_cells` cells together.
    """
    sheets: list[SheetRows] = []
    cells = 0
    for name, lazy in _open_sheets(filename, payload, limits, count=limits.max_sheets):
        rows = tuple(lazy)
        cells += sum(len(row) for _, row in rows)
        if cells > limits.max_cells:
            raise UnreadableTable(f"the sheets span more than {limits.max_cells} cells")
        sheets.append(SheetRows(name, rows))
    return tuple(sheets)


def _open_sheets(
    filename: str, payload: bytes, limits: TableLimits, *, count: int
) -> list[_LazySheet]:
    """The first `count` visible sheets (at least one), opened: everything that can be
    checked before the rows is checked here, and raises UnreadableTable at once."""
    if payload.startswith(ZIP_MAGIC):
        try:
            archive = checked_archive(payload, max_unpacked_bytes=limits.max_unpacked_bytes)
            if is_xlsx(archive):
                return _xlsx_sheets(archive, limits, count)
            clean = repacked_ods(archive, max_cells=limits.max_cells)
        except UnsafeArchiveError as problem:
            raise UnreadableTable(str(problem)) from None
        return _workbook_sheets(clean, limits, count)
    if payload.startswith(XLS_MAGIC):
        try:
            clean, cells = clean_xls(payload)
        except (ValueError, struct.error) as error:
            raise UnreadableTable(f"not a readable Excel 97-2003 workbook: {error}") from None
        _check_cells(cells, limits)
        return _workbook_sheets(clean, limits, count)
    suffix = PurePosixPath(filename.lower()).suffix
    if suffix in _WORKBOOK_EXTENSIONS:
        raise UnreadableTable(f"not a spreadsheet: the file is named {suffix} but is not one")
    if b"\x00" in payload and not payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableTable("not a spreadsheet: the file holds binary data, not text")
    return [("", _text_rows(payload, limits))]


def _check_cells(cells: int, limits: TableLimits) -> None:
    if cells > limits.max_cells:
        raise UnreadableTable(f"a sheet spans more than {limits.max_cells} cells")


def _xlsx_sheets(archive: zipfile.ZipFile, limits: TableLimits, count: int) -> list[_LazySheet]:
    """The visible sheets, the workbook parts read at once, each sheet's rows lazily."""
    with _xlsx_failures():
        sheets = visible_sheets(archive, count)
    return [(sheet.name, _streamed_rows(archive, sheet, limits)) for sheet in sheets]


def _streamed_rows(archive: zipfile.ZipFile, sheet: Sheet, limits: TableLimits) -> Iterator[Row]:
    with _xlsx_failures():
        yield from sheet_rows(archive, sheet, max_rows=limits.max_rows, max_cells=limits.max_cells)


@contextmanager
def _xlsx_failures() -> Iterator[None]:
    """The streaming reader's errors as UnreadableTable, and a damaged archive's (zipfile,
    zlib, bz2 and lzma each raise their own) as one too."""
    try:
        yield
    except TooLongError as error:
        raise TooManyRows(str(error)) from None
    except XlsxError as error:
        raise UnreadableTable(str(error)) from None
    except Exception as error:
        raise UnreadableTable(f"damaged zip archive: {error}") from None


@contextmanager
def _calamine_failures() -> Iterator[None]:
    """calamine's failures as UnreadableTable: its errors (not all CalamineError), and the
    PanicException, a BaseException, that pyo3 raises when malformed input makes it panic."""
    try:
        yield
    except UnreadableTable:
        raise
    except Exception as error:
        raise UnreadableTable(f"cannot read: {error}") from None
    except BaseException as error:
        if type(error).__name__ != "PanicException":
            raise
        raise UnreadableTable(f"cannot read: {error}") from None


def _workbook_sheets(payload: bytes, limits: TableLimits, count: int) -> list[_LazySheet]:
    """The visible sheets of an XLS or ODS workbook, each loaded and its length checked."""
    with _calamine_failures():
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(payload))
        found = workbook.sheets_metadata
        if not found:
            raise UnreadableTable("the workbook has no sheets")
        visible = [i for i, s in enumerate(found) if s.visible == SheetVisibleEnum.Visible]
        chosen = visible[:count] or [0]
        sheets = [(found[i].name, workbook.get_sheet_by_index(i)) for i in chosen]
    for _, sheet in sheets:
        end = sheet.end
        if end is not None and end[0] + 1 > limits.max_rows:
            raise TooManyRows(f"more than {limits.max_rows} rows")
    return [(name, _sheet_rows(sheet)) for name, sheet in sheets]


def _sheet_rows(sheet: CalamineSheet) -> Iterator[Row]:
    # calamine yields rows from the top of the sheet, so the count is the row people see.
    with _calamine_failures():
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, tuple([_cell_text(cell) for cell in cells])


def _cell_text(cell: object) -> str:
    """A cell as a person reads it: 4.0 is "4", 12.34 stays "12.34", dates in ISO form."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def _text_rows(payload: bytes, limits: TableLimits) -> Iterator[Row]:
    encoding = detect_encoding(payload)
    stream = io.TextIOWrapper(io.BytesIO(payload), encoding, errors="replace", newline="")
    first = stream.readline()
    delimiter = _excel_separator(first)
    if delimiter is None:  # no "sep=;" line: read the first line again as data
        stream.seek(0)
        sample = stream.read(_SNIFF_CHARS)
        delimiter = _sniff_delimiter(sample) or ","
        stream.seek(0)
    return _csv_rows(stream, delimiter, limits)


def _csv_rows(stream: IO[str], delimiter: str, limits: TableLimits) -> Iterator[Row]:
    try:
        for number, cells in enumerate(csv.reader(stream, delimiter=delimiter), start=1):
            if number > limits.max_rows:
                raise TooManyRows(f"more than {limits.max_rows} rows")
            yield number, tuple(map(str.strip, cells))
    except csv.Error as error:
        raise UnreadableTable(f"cannot read the CSV file: {error}") from None


def _excel_separator(line: str) -> str | None:
    """The delimiter Excel's "sep=;" first line names, if the file starts with one."""
    text = line.rstrip("\r\n")
    if text.lower().startswith("sep=") and len(text) == 5:
        return text[4]
    return None


def _sniff_delimiter(sample: str) -> str | None:
    """The delimiter that splits the first rows into the same number (two or more) of fields."""
    if len(sample) >= _SNIFF_CHARS:  # the last line may be cut short
        sample = sample[: sample.rfind("\n") + 1] or sample
    best: tuple[int, int] = (0, 0)
    chosen = None
    for delimiter in _DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
            widths = [len(row) for _, row in zip(range(_SNIFF_ROWS), reader, strict=False) if row]
        except csv.Error:
            continue
        if not widths:
            continue
        # The widest agreement among rows of two or more fields: title lines above the
        # table ("Order 1589", "Date: 20/11/2026") are one field whatever the delimiter.
        counts = [(agreeing, width) for width, agreeing in Counter(widths).items() if width >= 2]
        agreeing, width = max(counts, default=(0, 0))
        if width >= 2 and (agreeing, width) > best:
            best, chosen = (agreeing, width), delimiter
    return chosen
