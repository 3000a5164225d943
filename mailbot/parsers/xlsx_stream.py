"""XLSX rows read straight from the archive with expat, one row at a time.

The workbook parts (workbook.xml, its relationships, styles.xml and the shared strings) are
read whole when the sheet is opened; the sheet itself is fed to expat in small chunks and each
row is handed on as soon as it closes, so memory holds the strings table and a few rows, never
the sheet. No part may declare a DTD. Limits are enforced as the rows go by, so the rows of a
sheet that is too long or too wide come first and the error after them.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.parsers import expat

Row = tuple[int, tuple[str, ...]]

_CHUNK = 64 * 1024
_MAX_COLUMNS = 16_384  # XFD
_MAX_ROW = 1_048_576
_RELATIONS = "xl/_rels/workbook.xml.rels"
# Built-in number formats that show dates or times (ECMA-376 18.8.30; the CJK ones as calamine).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_ELAPSED_FORMAT_IDS = frozenset([46])
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.')  # literal text, padding and fill characters
_FORMAT_BRACKETS = re.compile(r"\[[^\]]*\]")  # colours, conditions, locales; [h] is elapsed time
_DATE_LETTERS = re.compile(r"[dmyhs]", re.IGNORECASE)
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_COLUMN = re.compile(r"\$?([A-Za-z]{1,3})\$?\d*")
_COLUMNS: dict[str, int] = {}  # letters of a reference ("AB", "$C$"): column index, once checked
_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


class XlsxError(ValueError):
    """Why an XLSX workbook cannot be read, in words for the partner."""


class TooLongError(XlsxError):
    """A sheet with more rows than the limit."""


@dataclass(frozen=True)
class Sheet:
    """The first visible sheet of a workbook and what its cells refer to."""

    part: str
    strings: list[str]
    date_styles: dict[str, bool]  # style index (the s attribute): whether it shows elapsed time
    epoch: dt.datetime


def first_visible_sheet(archive: zipfile.ZipFile) -> Sheet:
    """The workbook's first visible sheet (or its first, when all are hidden), ready to stream.

    Reads workbook.xml, its relationships, styles.xml and sharedStrings.xml whole; the
    caller has bounded their unpacked size. Raises XlsxError.
    """
    names = {name.lower(): name for name in archive.namelist()}
    sheets: list[tuple[str, str]] = []  # (relationship id, state)
    epoch = [_EPOCH]

    def workbook_element(name: str, attributes: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        if name == "sheet":
            relation = next((v for k, v in attributes.items() if k.endswith(":id")), "")
            sheets.append((relation, attributes.get("state", "visible")))
        elif name == "workbookPr" and attributes.get("date1904") in ("1", "true"):
            epoch[0] = _EPOCH_1904

    _parse_whole(archive, "xl/workbook.xml", workbook_element)
    if not sheets:
        raise XlsxError("cannot read: the workbook lists no sheets")
    targets: dict[str, str] = {}
    kinds: dict[str, str] = {}

    def relation_element(name: str, attributes: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "Relationship":
            target = _part_path(attributes.get("Target", ""))
            targets[attributes.get("Id", "")] = target
            kinds[attributes.get("Type", "").rpartition("/")[2]] = target

    if _RELATIONS in archive.namelist():
        _parse_whole(archive, _RELATIONS, relation_element)
    visible = [relation for relation, state in sheets if state == "visible"]
    relation = visible[0] if visible else sheets[0][0]
    part = names.get(targets.get(relation, "").lower())
    if part is None:
        raise XlsxError("cannot read: the workbook's first sheet is missing from the file")
    strings_part = names.get(kinds.get("sharedStrings", "xl/sharedStrings.xml").lower())
    styles_part = names.get(kinds.get("styles", "xl/styles.xml").lower())
    strings = _shared_strings(archive, strings_part) if strings_part else []
    date_styles = _date_styles(archive, styles_part) if styles_part else {}
    return Sheet(part, strings, date_styles, epoch[0])


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
    parser = _parser(sheet.part)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = (
        _row_handlers(sheet, finished)
    )
    emitted = cells = width = 0
    with archive.open(sheet.part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            _feed(parser, sheet.part, chunk, not chunk)
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
        stamp = _EPOCH + dt.timedelta(milliseconds=round(serial * 86_400_000))
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


def _shared_strings(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Each <si> of sharedStrings.xml as stripped text: its <t>, or its rich-text runs
    joined, without the phonetic guides (<rPh>) of East Asian text."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"collecting": False, "phonetic": False}

    def start(name: str, _: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        if name == "si":
            parts.clear()
        elif name == "t":
            state["collecting"] = not state["phonetic"]
        elif name == "rPh":
            state["phonetic"] = True

    def end(name: str) -> None:
        name = name.rpartition(":")[2]
        if name == "si":
            strings.append("".join(parts).strip())
        elif name == "t":
            state["collecting"] = False
        elif name == "rPh":
            state["phonetic"] = False

    def text(data: str) -> None:
        if state["collecting"]:
            parts.append(data)

    parser = _parser(part)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    _feed(parser, part, archive.read(part), True)
    return strings


def _date_styles(archive: zipfile.ZipFile, part: str) -> dict[str, bool]:
    """The cell styles (indexes into <cellXfs>) that show dates or times, each with whether
    it shows elapsed time ([h]:mm), which calamine reads as a duration."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    inside = [False]

    def start(name: str, attributes: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        if name == "numFmt":
            identifier = attributes.get("numFmtId", "")
            if identifier.isdigit():
                custom[int(identifier)] = attributes.get("formatCode", "")
        elif name == "cellXfs":
            inside[0] = True
        elif name == "xf" and inside[0]:
            identifier = attributes.get("numFmtId", "0")
            formats.append(int(identifier) if identifier.isdigit() else 0)

    def end(name: str) -> None:
        if name.rpartition(":")[2] == "cellXfs":
            inside[0] = False

    _parse_whole(archive, part, start, end)
    styles: dict[str, bool] = {}
    for index, identifier in enumerate(formats):
        if identifier in custom:
            code = _FORMAT_NOISE.sub("", custom[identifier])
            elapsed = _ELAPSED.search(code) is not None
            if elapsed or _DATE_LETTERS.search(_FORMAT_BRACKETS.sub("", code)):
                styles[str(index)] = elapsed
        elif identifier in _DATE_FORMAT_IDS:
            styles[str(index)] = identifier in _ELAPSED_FORMAT_IDS
    return styles


def _part_path(target: str) -> str:
    """A relationship target of workbook.xml as a path in the archive."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))


def _parse_whole(
    archive: zipfile.ZipFile,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
) -> None:
    parser = _parser(part)
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    _feed(parser, part, archive.read(part), True)


def _parser(part: str) -> expat.XMLParserType:
    """An expat parser that refuses a DTD (OOXML has none; entities are a bomb of their own)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = _CHUNK

    def refuse_doctype(*_: object) -> None:
        raise XlsxError(f"damaged workbook: {part} declares a DTD")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    return parser


def _feed(parser: expat.XMLParserType, part: str, data: bytes, final: bool) -> None:
    try:
        parser.Parse(data, final)
    except (expat.ExpatError, LookupError, ValueError) as error:  # LookupError: encoding
        if isinstance(error, XlsxError):
            raise
        reason = f"damaged workbook: {part} is not well-formed XML ({error})"
        raise XlsxError(reason) from None
