"""The small parts of an XLSX workbook, read whole: which sheets to read, its shared strings
and which cell styles show dates; and the expat parser every part is read with.

No part may declare a DTD (OOXML has none; entities are a bomb of their own).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

CHUNK = 64 * 1024
_RELATIONS = "xl/_rels/workbook.xml.rels"
# Built-in number formats that show dates or times (ECMA-376 18.8.30; the CJK ones as calamine).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_ELAPSED_FORMAT_IDS = frozenset([46])
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.')  # literal text, padding and fill characters
_FORMAT_BRACKETS = re.compile(r"\[[^\]]*\]")  # colours, conditions, locales; [h] is elapsed time
_DATE_LETTERS = re.compile(r"[dmyhs]", re.IGNORECASE)
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


class XlsxError(ValueError):
    """Why an XLSX workbook cannot be read, in words for the partner."""


class TooLongError(XlsxError):
    """A sheet with more rows than the limit."""


@dataclass(frozen=True)
class Sheet:
    """A sheet of a workbook and what its cells refer to."""

    name: str
    part: str
    strings: list[str]
    date_styles: dict[str, bool]  # style index (the s attribute): whether it shows elapsed time
    epoch: dt.datetime


def visible_sheets(archive: zipfile.ZipFile, limit: int) -> list[Sheet]:
    """The workbook's first `limit` visible sheets in workbook order (its first sheet when all
    are hidden), ready to stream; they share one table of strings and of date styles.

    Reads workbook.xml, its relationships, styles.xml and sharedStrings.xml whole; the
    caller has bounded their unpacked size. Raises XlsxError.
    """
    names = {name.lower(): name for name in archive.namelist()}
    sheets: list[tuple[str, str, str]] = []  # (name, relationship id, state)
    epoch = [EPOCH_1900]

    def workbook_element(name: str, attributes: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        if name == "sheet":
            relation = next((v for k, v in attributes.items() if k.endswith(":id")), "")
            state = attributes.get("state", "visible")
            sheets.append((attributes.get("name", "").strip(), relation, state))
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
    chosen = [sheet for sheet in sheets if sheet[2] == "visible"][:limit] or sheets[:1]
    parts: list[tuple[str, str]] = []
    for name, relation, _ in chosen:
        part = names.get(targets.get(relation, "").lower())
        if part is None:
            raise XlsxError(f"cannot read: the workbook's sheet {name!r} is missing from the file")
        parts.append((name, part))
    strings_part = names.get(kinds.get("sharedStrings", "xl/sharedStrings.xml").lower())
    styles_part = names.get(kinds.get("styles", "xl/styles.xml").lower())
    strings = _shared_strings(archive, strings_part) if strings_part else []
    date_styles = _date_styles(archive, styles_part) if styles_part else {}
    return [Sheet(name, part, strings, date_styles, epoch[0]) for name, part in parts]


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

    parser = xml_parser(part)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    feed(parser, part, archive.read(part), True)
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
    parser = xml_parser(part)
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    feed(parser, part, archive.read(part), True)


def xml_parser(part: str) -> expat.XMLParserType:
    """An expat parser that refuses a DTD (OOXML has none; entities are a bomb of their own)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK

    def refuse_doctype(*_: object) -> None:
        raise XlsxError(f"damaged workbook: {part} declares a DTD")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    return parser


def feed(parser: expat.XMLParserType, part: str, data: bytes, final: bool) -> None:
    try:
        parser.Parse(data, final)
    except (expat.ExpatError, LookupError, ValueError) as error:  # LookupError: encoding
        if isinstance(error, XlsxError):
            raise
        reason = f"damaged workbook: {part} is not well-formed XML ({error})"
        raise XlsxError(reason) from None
