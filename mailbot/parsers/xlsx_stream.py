"""XLSX rows read straight from the archive with expat, one row at a time.

The workbook parts (workbook.xml, its relationships, styles.xml and the shared strings) are
read whole when the sheet is opened; the sheet itself is fed to expat in small chunks and each
row is handed on as soon as it closes, so memory holds the strings table and a few rows, never
the sheet. No part may declare a DTD. Limits are enforced as the rows go by, so the rows of a
sheet that is too long or too wide come first and the error after them.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator

from mailbot.parsers.xlsx_parts import (
    CHUNK,
    EPOCH_1900,
    Sheet,
    TooLongError,
    XlsxError,
    feed,
    xml_parser,
)

Row = tuple[int, tuple[str, ...]]

_MAX_COLUMNS = 16_384  # XFD
_MAX_ROW = 1_048_576
_COLUMN = re.compile(r"\$?([A-Za-z]{1,3})\$?\d*")
_COLUMNS: dict[str, int] = {}  # letters of a reference ("AB", "$C$"): column index, once checked


def sheet_rows(
    archive: zipfile.ZipFile, sheet: Sheet, *, max_rows: int, max_cells: int
) -> Iterator[Row]:
    """The rows of `sheet`, numbered as the sheet numbers them, from row 1, cells as stripped
    text from the first column of the sheet's stated dimension (as calamine reads them), each
    padded to the widest row so far; empty rows between filled ones included.

    Raises TooLongError when a filled row lies past `max_rows`, and XlsxError for a sheet of
    more than `max_cells` cells (as a grid), a cell past column XFD, a shared string that
    does not exist, or XML that is broken or declares a DTD, each as soon as it is met.
    """
    finished: list[tuple[int, list[str]]] = []
    parser = xml_parser(sheet.part)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = (
        _row_handlers(sheet, finished)
    )
    emitted = cells = width = 0
    with archive.open(sheet.part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            feed(parser, sheet.part, chunk, not chunk)
            for number, values in finished:
                if number > max_rows:
                    raise TooLongError(f"more than {max_rows} rows")
                width = max(width, len(values))
                cells += (number - emitted) * width
                if cells > max_cells:
                    raise XlsxError(f"a sheet spans more than {max_cells} cells")
                if number > emitted + 1:
                    empty = ("",) * width
                    for gap in range(emitted + 1, number):
                        yield gap, empty
                values.extend([""] * (width - len(values)))
                yield number, tuple(values)
                emitted = number
            finished.clear()
            if not chunk:
                return


def _row_handlers(
    sheet: Sheet, finished: list[tuple[int, list[str]]]
) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None], Callable[[str], None]]:
    """expat handlers that collect the cells of each row and queue rows on `finished` as they
    close. The state lives in the closure, not on an object: these run once per element of
    the sheet, and local lookups are what keeps a 100,000-row sheet quick."""
    strings = sheet.strings
    date_styles = sheet.date_styles
    row: list[str] = []
    number = column = left = 0  # left: the first column of the sheet's <dimension>
    kind = style = "n"
    text = ""
    collecting = inline = phonetic = False

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, number, column, left, kind, style, text, collecting, inline, phonetic
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attributes.get("r")
            column = _column_index(ref) if ref else column + 1
            kind = attributes.get("t", "n")
            style = attributes.get("s", "0")
            text = ""
        elif name == "v":
            collecting = True
        elif name == "t":
            collecting = inline and not phonetic
        elif name == "is":
            inline = True
        elif name == "row":
            ref = attributes.get("r")
            at = int(ref) if ref and ref.isdigit() else number + 1
            if at <= number or at > _MAX_ROW:
                raise XlsxError(f"cannot read: row {at} is out of order or out of the sheet")
            number, column, row = at, -1, []
        elif name == "rPh":
            phonetic = True
        elif name == "dimension" and number == 0:
            # calamine starts its grid at the first used column; so does this reader, taking
            # that column from the <dimension> Excel and others write ahead of the rows.
            first = attributes.get("ref", "").partition(":")[0]
            try:
                left = _column_index(first) if first else 0
            except XlsxError:
                left = 0

    def end(name: str) -> None:
        nonlocal collecting, inline, phonetic
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            if not text:
                return
            value = _cell_value(kind, text, style, strings, date_styles, sheet.epoch)
            if not value:
                return
            at = column - left
            if at < 0:
                raise XlsxError("cannot read: a cell lies left of the sheet's stated dimension")
            if at == len(row):
                row.append(value)
                return
            if at > len(row):
                row.extend([""] * (at - len(row)))
                row.append(value)
                return
            row[at] = value
        elif name == "v" or name == "t":
            collecting = False
        elif name == "is":
            inline = False
        elif name == "row":
            if row:
                finished.append((number, row))
        elif name == "rPh":
            phonetic = False

    def characters(data: str) -> None:
        nonlocal text
        if collecting:
            text += data

    return start, end, characters


def _cell_value(
    kind: str,
    raw: str,
    style: str,
    strings: list[str],
    date_styles: dict[str, bool],
    epoch: dt.datetime,
) -> str:
    """A cell's text from its type (the t attribute), raw value and style."""
    if kind == "n":
        try:
            number = float(raw)
        except ValueError:
            return raw.strip()
        elapsed = date_styles.get(style)
        if elapsed is not None and 0 <= number < 2_958_466:  # up to 9999-12-31
            return _date_text(number, elapsed=elapsed, epoch=epoch)
        return str(int(number)) if number.is_integer() else repr(number)
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            reason = f"cannot read: a cell refers to shared string {raw!r}, which is missing"
            raise XlsxError(reason) from None
    if kind == "b":
        return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
    return raw.strip()  # str, inlineStr, e (the error's text), d (ISO 8601 already)


def _date_text(serial: float, *, elapsed: bool, epoch: dt.datetime) -> str:
    """A date serial as calamine gives it and `tables._cell_text` writes it."""
    if elapsed:
        return str(dt.timedelta(days=serial))
    if serial < 1:
        stamp = EPOCH_1900 + dt.timedelta(milliseconds=round(serial * 86_400_000))
        return stamp.time().isoformat()
    if serial.is_integer():
        return (epoch + dt.timedelta(days=serial)).date().isoformat()
    return (epoch + dt.timedelta(milliseconds=round(serial * 86_400_000))).isoformat()


def _column_index(ref: str) -> int:
    """The 0-based column of a cell reference such as "C7" or "$AB$12"."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is not None:
        return index
    found = _COLUMN.fullmatch(ref)
    if found is None:
        raise XlsxError(f"cannot read: {ref[:20]!r} is not a cell reference")
    number = 0
    for letter in found[1].upper():
        number = number * 26 + ord(letter) - 64
    if number > _MAX_COLUMNS:
        raise XlsxError(f"cannot read: cell {ref} lies past the last column (XFD)")
    if len(_COLUMNS) < _MAX_COLUMNS:
        _COLUMNS[letters] = number - 1
    return number - 1
