"""Reading every visible sheet of a spreadsheet: order, hidden sheets, limits, CSV."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from mailbot.parsers.tables import (
    SheetRows,
    TableLimits,
    TooManyRows,
    UnreadableTable,
    read_rows,
    read_sheets,
)
from tests.workbooks import RUSSIAN, SheetSpec, csv_bytes, ods_sheets, xls_sheets, xlsx_sheets

LIMITS = TableLimits()
COMPANY = [["Firma", "SC Auto Parts SRL"], ["CUI", "RO123456"], ["Tel.", "0745 123 454"]]
Builder = Callable[[Sequence[SheetSpec]], bytes]
BUILDERS = pytest.mark.parametrize(
    ("filename", "build"),
    [("order.xlsx", xlsx_sheets), ("order.ods", ods_sheets), ("order.xls", xls_sheets)],
    ids=["xlsx", "ods", "xls"],
)


def numbered(table: Sequence[Sequence[str]]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    return tuple((number, tuple(cells)) for number, cells in enumerate(table, start=1))


def names(sheets: Sequence[SheetRows]) -> list[str]:
    return [sheet.name for sheet in sheets]


@BUILDERS
def test_order_on_the_second_sheet_is_read(filename: str, build: Builder) -> None:
    """An order on "Comanda" after an empty "Лист1" comes back as the second sheet, whole."""
    payload = build([("Лист1", [], False), ("Comanda", RUSSIAN, False)])
    sheets = read_sheets(filename, payload, LIMITS)
    assert names(sheets) == ["Лист1", "Comanda"]
    assert sheets[0].rows == ()
    assert sheets[1].rows == numbered(RUSSIAN)


@BUILDERS
def test_sheets_come_in_workbook_order(filename: str, build: Builder) -> None:
    """A sheet of company details, then the order: both read, in the workbook's order."""
    payload = build([("Date firmă", COMPANY, False), ("Comanda", RUSSIAN, False)])
    sheets = read_sheets(filename, payload, LIMITS)
    assert [sheet.rows for sheet in sheets] == [numbered(COMPANY), numbered(RUSSIAN)]


@BUILDERS
def test_hidden_sheets_are_skipped(filename: str, build: Builder) -> None:
    """A hidden sheet between visible ones is not read."""
    payload = build(
        [("Лист1", [], False), ("Prices", [["secret", "1"]], True), ("Comanda", RUSSIAN, False)]
    )
    assert names(read_sheets(filename, payload, LIMITS)) == ["Лист1", "Comanda"]


@BUILDERS
def test_when_every_sheet_is_hidden_the_first_is_read(filename: str, build: Builder) -> None:
    """A workbook whose sheets are all hidden still gives its first sheet, and only that."""
    payload = build([("A", [["a", "1"]], True), ("B", [["b", "2"]], True)])
    assert read_sheets(filename, payload, LIMITS) == (SheetRows("A", numbered([["a", "1"]])),)


@BUILDERS
def test_sheets_past_the_limit_are_not_read(filename: str, build: Builder) -> None:
    """With max_sheets=2, the third visible sheet is left alone; hidden ones do not count."""
    payload = build(
        [
            ("One", [["1"]], False),
            ("Hidden", [["h"]], True),
            ("Two", [["2"]], False),
            ("Three", [["3"]], False),
        ]
    )
    sheets = read_sheets(filename, payload, TableLimits(max_sheets=2))
    assert names(sheets) == ["One", "Two"]


@BUILDERS
def test_a_long_later_sheet_is_refused(filename: str, build: Builder) -> None:
    """The row limit holds for each sheet: a second sheet past it raises TooManyRows."""
    payload = build([("Лист1", [["x"]], False), ("Comanda", RUSSIAN, False)])
    with pytest.raises(TooManyRows, match="more than 3 rows"):
        read_sheets(filename, payload, TableLimits(max_rows=3))


# An XLS workbook's cells (with the space its records reserve) are counted for all its
# sheets before it is opened, as tests/unit/test_tables.py pins.
@pytest.mark.parametrize(
    ("filename", "build"), [("order.xlsx", xlsx_sheets), ("order.ods", ods_sheets)]
)
def test_the_cell_limit_holds_for_the_sheets_together(filename: str, build: Builder) -> None:
    """Two sheets of 12 cells each pass a limit of 24 cells and are refused by one of 20."""
    payload = build([("A", RUSSIAN, False), ("B", RUSSIAN, False)])
    assert len(read_sheets(filename, payload, TableLimits(max_cells=24))) == 2
    with pytest.raises(UnreadableTable, match="more than 20 cells"):
        read_sheets(filename, payload, TableLimits(max_cells=20))


@BUILDERS
def test_read_rows_still_reads_only_the_first_visible_sheet(filename: str, build: Builder) -> None:
    """The streaming reader used for price lists keeps to the first visible sheet."""
    payload = build([("Hidden", [["h"]], True), ("Order", RUSSIAN, False), ("B", [["b"]], False)])
    assert tuple(read_rows(filename, payload, LIMITS)) == numbered(RUSSIAN)


def test_csv_is_one_sheet_without_a_name() -> None:
    """A CSV file is one sheet named "", its rows numbered from 1."""
    payload = csv_bytes(RUSSIAN, encoding="cp1251")
    assert read_sheets("заказ.csv", payload, LIMITS) == (SheetRows("", numbered(RUSSIAN)),)


def test_csv_past_the_row_limit_is_refused() -> None:
    """A CSV longer than max_rows raises TooManyRows, as read_rows does."""
    with pytest.raises(TooManyRows, match="more than 2 rows"):
        read_sheets("order.csv", csv_bytes(RUSSIAN), TableLimits(max_rows=2))


def test_zip_bomb_is_refused() -> None:
    """A workbook that unpacks past max_unpacked_bytes is refused before any sheet is read."""
    payload = xlsx_sheets([("A", RUSSIAN, False), ("B", RUSSIAN, False)])
    with pytest.raises(UnreadableTable, match="unpacks to more than"):
        read_sheets("order.xlsx", payload, TableLimits(max_unpacked_bytes=1000))


@pytest.mark.parametrize(
    ("filename", "payload", "reason"),
    [
        ("order.xlsx", b"not a workbook" * 10, "not a spreadsheet"),
        ("order.csv", b"PK\x03\x04broken", "not a valid zip archive"),
        ("order.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97-2003"),
    ],
)
def test_unreadable_files_say_why(filename: str, payload: bytes, reason: str) -> None:
    """Files that are not spreadsheets raise UnreadableTable with the reason read_rows gives."""
    with pytest.raises(UnreadableTable, match=reason):
        read_sheets(filename, payload, LIMITS)
