"""Reading spreadsheet attachments into numbered rows: formats, encodings, delimiters, limits."""

from __future__ import annotations

import datetime as dt
import io
import struct
import tracemalloc
import zipfile
from collections.abc import Iterator

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.parsers.tables import TableLimits, TooManyRows, UnreadableTable, is_table, read_rows
from tests.workbooks import RUSSIAN, csv_bytes, ods_bytes, xls_bytes, xlsx_bytes, xlsx_from_xml

LIMITS = TableLimits()
WESTERN = [
    ["SKU", "Description", "Qty"],
    ["BPW-0310", "Tambour de frein arrière", "4"],
    ["SAF-2234", "Bague élastique Größe 2", "16"],
]


def rows(filename: str, payload: bytes, limits: TableLimits = LIMITS) -> list[list[str]]:
    return [list(cells) for _, cells in read_rows(filename, payload, limits)]


def numbered(filename: str, payload: bytes) -> list[tuple[int, tuple[str, ...]]]:
    return list(read_rows(filename, payload, LIMITS))


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("order.csv", "application/octet-stream", True),
        ("ORDER.XLSX", "", True),
        ("order.xls", "", True),
        ("order.ods", "", True),
        ("order.tsv", "", True),
        ("order", "text/csv; charset=utf-8", True),
        ("order", "application/vnd.ms-excel", True),
        ("x", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
        ("x", "application/vnd.oasis.opendocument.spreadsheet", True),
        ("photo.jpg", "image/jpeg", False),
        ("invoice.pdf", "application/pdf", False),
        ("notes.txt", "text/plain", False),
    ],
)
def test_is_table_by_name_or_type(filename: str, content_type: str, expected: bool) -> None:
    """Spreadsheets are recognised by extension or MIME type; other attachments are not."""
    assert is_table(filename, content_type) is expected


def test_txt_is_a_table_only_when_it_holds_one() -> None:
    """A .txt attachment counts when its lines split into columns, not when it is a note."""
    assert is_table("order.txt", "text/plain", b"sku;qty\nBPW-0310;4\nSAF-2234;16\n")
    assert not is_table("note.txt", "text/plain", b"Please call me back.\nSam\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "koi8_r", "utf-16"])
def test_short_russian_csv_decodes_in_every_encoding(encoding: str) -> None:
    """A header and three Russian rows read the same in UTF-8 (BOM or not), 1251, KOI8-R."""
    assert rows("заказ.csv", csv_bytes(RUSSIAN, encoding=encoding)) == RUSSIAN


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r"])
def test_capitals_only_russian_csv_decodes(encoding: str) -> None:
    """A Cyrillic file in capitals only still picks the right code page."""
    table = [["АРТИКУЛ", "КОЛ-ВО"], ["BPW-0310", "4"], ["ООО ВЕКТОР", "1"]]
    assert rows("zakaz.csv", csv_bytes(table, encoding=encoding)) == table


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8"])
def test_western_csv_decodes(encoding: str) -> None:
    """Accented Latin text in Latin-1, Windows-1252 or UTF-8 reads back unchanged."""
    assert rows("order.csv", csv_bytes(WESTERN, encoding=encoding)) == WESTERN


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter: str) -> None:
    """Comma, semicolon, TAB and pipe separated files all split into the same columns."""
    assert rows("order.csv", csv_bytes(RUSSIAN, delimiter=delimiter)) == RUSSIAN


def test_semicolons_win_over_decimal_commas() -> None:
    """In "BPW-0310;1,5" the semicolon separates and the comma stays in the number."""
    payload = b"sku;qty;price\nBPW-0310;1,5;12,50\nSAF-2234;2;7,95\n"
    assert rows("order.csv", payload)[1] == ["BPW-0310", "1,5", "12,50"]


def test_quoted_cells_keep_their_delimiters() -> None:
    """A quoted cell holding the delimiter or a line break stays one cell."""
    payload = b'sku,name,qty\r\nBPW-0310,"Drum, rear\r\nheavy",4\r\n'
    assert rows("order.csv", payload) == [
        ["sku", "name", "qty"],
        ["BPW-0310", "Drum, rear\r\nheavy", "4"],
    ]


def test_one_column_file_reads_without_a_delimiter() -> None:
    """A file with a single column reads as one cell a row."""
    assert rows("skus.csv", b"sku\nBPW-0310\nSAF-2234\n") == [["sku"], ["BPW-0310"], ["SAF-2234"]]


def test_excel_sep_line_names_the_delimiter() -> None:
    """Excel's "sep=|" first line sets the delimiter and is not a row."""
    assert rows("order.csv", b"sep=|\nsku|qty\nA-1|4\n") == [["sku", "qty"], ["A-1", "4"]]


def test_cells_are_stripped_and_empty_files_have_no_rows() -> None:
    """Spaces around cells go; an empty file yields no row."""
    assert rows("order.csv", b" sku ; qty \n A-1 ; 4 \n") == [["sku", "qty"], ["A-1", "4"]]
    assert rows("order.csv", b"") == []


@pytest.mark.parametrize(
    "payload",
    [
        xlsx_bytes(RUSSIAN),
        ods_bytes(RUSSIAN),
        xls_bytes(RUSSIAN),
        xls_bytes(RUSSIAN, small=True),
        csv_bytes(RUSSIAN, encoding="cp1251"),
    ],
    ids=["xlsx", "ods", "xls", "xls-mini-stream", "csv"],
)
def test_every_format_gives_the_same_rows(payload: bytes) -> None:
    """XLSX, ODS, XLS (both OLE2 layouts) and CSV of one table read as the same rows."""
    assert numbered("order", payload) == [(n, tuple(r)) for n, r in enumerate(RUSSIAN, 1)]


def test_workbook_cells_read_as_people_see_them() -> None:
    """4.0 is "4", 12.34 stays "12.34", huge and tiny floats exact, dates ISO, booleans."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    stamp_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, [4.0, 12.34, 1e20, 1.5e-7, " A-1 ", True])
    sheet.write_datetime(0, 6, dt.datetime(2026, 11, 20), date_format)
    sheet.write_datetime(0, 7, dt.datetime(2026, 11, 20, 10, 31), stamp_format)
    sheet.write(1, 0, "x")
    workbook.close()
    first, second = rows("cells.xlsx", buffer.getvalue())
    assert first == [
        "4",
        "12.34",
        "100000000000000000000",
        "1.5e-07",
        "A-1",
        "TRUE",
        "2026-11-20",
        "2026-11-20T10:31:00",
    ]
    assert second == ["x", "", "", "", "", "", "", ""]


def test_first_visible_sheet_is_read() -> None:
    """A hidden first sheet is passed over for the first visible one."""
    assert rows("order.xlsx", xlsx_bytes(RUSSIAN, hidden_first=True)) == RUSSIAN


def test_row_numbers_are_the_sheets_own() -> None:
    """A table that starts on row 3 of the sheet has its header numbered 3."""
    read = numbered("order.xlsx", xlsx_bytes(RUSSIAN, first_row=2))
    assert read[2] == (3, tuple(RUSSIAN[0]))
    assert read[0] == (1, ("", "", ""))


def test_workbook_named_csv_is_read_as_a_workbook() -> None:
    """The bytes decide the format: an XLSX named .csv still reads as a workbook."""
    assert rows("order.csv", xlsx_bytes(RUSSIAN)) == RUSSIAN


def test_csv_streams_and_raises_past_the_row_limit() -> None:
    """A CSV is read lazily: rows come first, TooManyRows only when the limit is passed."""
    iterator = read_rows("big.csv", b"sku;qty\n" + b"A-1;4\n" * 10, TableLimits(max_rows=5))
    assert isinstance(iterator, Iterator)
    assert [row[0] for _, row in zip(range(5), iterator, strict=False)] == [1, 2, 3, 4, 5]
    with pytest.raises(TooManyRows, match="more than 5 rows"):
        next(iterator)


@pytest.mark.parametrize("payload", [ods_bytes(RUSSIAN), xls_bytes(RUSSIAN)], ids=["ods", "xls"])
def test_workbook_past_the_row_limit_is_refused_at_once(payload: bytes) -> None:
    """An ODS or XLS workbook longer than the limit is refused before any row is read."""
    with pytest.raises(TooManyRows, match="more than 3 rows"):
        read_rows("big", payload, TableLimits(max_rows=3))


def test_xlsx_streams_and_raises_past_the_row_limit() -> None:
    """An XLSX sheet is read lazily: rows come first, TooManyRows when the limit is passed."""
    iterator = read_rows("big.xlsx", xlsx_bytes(RUSSIAN), TableLimits(max_rows=3))
    assert [row[0] for _, row in zip(range(3), iterator, strict=False)] == [1, 2, 3]
    with pytest.raises(TooManyRows, match="more than 3 rows"):
        next(iterator)


def test_a_hundred_thousand_rows_read_within_the_default_limit() -> None:
    """The default limit admits exactly 100,000 rows; one more is refused."""
    body = b"".join(b"SKU-%d;%d\n" % (n, n % 7 + 1) for n in range(99_999))
    count = sum(1 for _ in read_rows("big.csv", b"sku;qty\n" + body, LIMITS))
    assert count == 100_000
    with pytest.raises(TooManyRows):
        for _ in read_rows("big.csv", b"sku;qty\n" + body + b"X-1;1\n", LIMITS):
            pass


def _deflated(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_is_refused() -> None:
    """A small zip that unpacks past the limit (60 MiB of zeros) is refused as a zip bomb."""
    payload = _deflated("xl/workbook.xml", bytes(60 * 2**20))
    assert len(payload) < 100_000
    with pytest.raises(UnreadableTable, match=r"unpacks to more than 52428800 bytes \(zip bomb"):
        read_rows("order.xlsx", payload, LIMITS)


def test_unpacked_size_limit_applies_to_real_workbooks() -> None:
    """An honest workbook bigger unpacked than a tight limit is refused the same way."""
    with pytest.raises(UnreadableTable, match="zip bomb"):
        read_rows("order.xlsx", xlsx_bytes(RUSSIAN), TableLimits(max_unpacked_bytes=1000))


def test_zip_that_lies_about_its_sizes_is_refused() -> None:
    """A zip directory claiming a small size for a big member is caught, not trusted."""
    payload = bytearray(_deflated("xl/workbook.xml", b"<x/>" * 250_000))
    local = payload.index(b"PK\x03\x04")
    central = payload.index(b"PK\x01\x02")
    struct.pack_into("<I", payload, local + 22, 100)
    struct.pack_into("<I", payload, central + 24, 100)
    with pytest.raises(UnreadableTable, match="damaged zip archive"):
        read_rows("order.xlsx", bytes(payload), LIMITS)


def test_sparse_xlsx_is_refused_without_allocating_its_grid() -> None:
    """Cells in A1 and XFD1048576 (a 17-billion-cell grid) are refused as too many rows."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write(0, 0, "a")
    sheet.write(1_048_575, 16_383, "z")
    workbook.close()
    with pytest.raises(TooManyRows, match="more than 100000 rows"):
        list(read_rows("order.xlsx", buffer.getvalue(), LIMITS))


def test_ods_repeated_cells_bomb_is_refused() -> None:
    """An ODS cell repeated 100 times in a row repeated 200,000 times is refused."""
    bomb = (
        '<table:table-row table:number-rows-repeated="200000">'
        '<table:table-cell table:number-columns-repeated="100" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    with pytest.raises(UnreadableTable, match="spans more than"):
        read_rows("order.ods", ods_bytes(rows_xml=bomb), LIMITS)


def test_ods_padding_of_empty_cells_is_harmless() -> None:
    """Empty cells repeated to the sheet's end, as LibreOffice writes them, cost nothing."""
    padding = (
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    body = "<table:table-row><table:table-cell office:value-type='string'><text:p>sku</text:p>"
    body += "</table:table-cell></table:table-row>"
    assert rows("order.ods", ods_bytes(rows_xml=body + padding)) == [["sku"]]


def test_sparse_xls_is_refused() -> None:
    """A legacy .xls with cells in A1 and IV65536 is refused before it is opened."""
    payload = xls_bytes([["sku"]], extra=[(65_535, 255, "z")])
    with pytest.raises(UnreadableTable, match="spans more than"):
        read_rows("order.xls", payload, LIMITS)


@pytest.mark.parametrize(
    ("filename", "payload", "reason"),
    [
        ("order.xlsx", b"this is not a workbook at all" * 10, "not a spreadsheet"),
        ("order.xls", b"<html><table><tr><td>x</td></tr></table></html>", "not a spreadsheet"),
        ("order.ods", b"", "not a spreadsheet"),
        ("order.xlsx", xlsx_bytes(RUSSIAN)[:2000], "not a valid zip archive"),
        ("order.xlsx", _deflated("word/document.xml", b"<w/>"), "without an XLSX or ODS"),
        ("order.xlsb", _deflated("xl/workbook.bin", b"\0"), ".xlsb"),
        ("order.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Excel 97-2003"),
        ("order.csv", b"sku;qty\x00\x01\x02\x03", "binary data"),
        ("order.xlsx", _deflated("xl/workbook.xml", b"<broken"), "not well-formed XML"),
        ("order.xlsx", _deflated("xl/workbook.xml", b"<!DOCTYPE x []><x/>"), "declares a DTD"),
        ("order.xlsx", _deflated("xl/workbook.xml", b"<workbook/>"), "cannot read"),
    ],
)
def test_broken_files_are_refused_with_a_reason(filename: str, payload: bytes, reason: str) -> None:
    """Files that are not (or no longer) spreadsheets raise UnreadableTable saying why."""
    with pytest.raises(UnreadableTable, match=reason) as raised:
        read_rows(filename, payload, LIMITS)
    assert raised.value.reason in str(raised.value)


def _read_all(filename: str, payload: bytes) -> None:
    try:
        for _ in read_rows(filename, payload, TableLimits(max_rows=1000)):
            pass
    except UnreadableTable:
        pass


@given(
    st.sampled_from(["order.csv", "order.xlsx", "order.xls", "order.ods", "order.txt", "order"]),
    st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
    st.binary(max_size=3000),
)
def test_random_bytes_raise_nothing_but_unreadable_table(
    filename: str, magic: bytes, payload: bytes
) -> None:
    """Whatever the bytes, reading them yields rows or raises UnreadableTable, nothing else."""
    _read_all(filename, magic + payload)


GOOD_FILES = [
    xlsx_bytes(RUSSIAN),
    ods_bytes(RUSSIAN),
    xls_bytes(RUSSIAN),
    xls_bytes(RUSSIAN, small=True),
]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(GOOD_FILES),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    st.floats(0.05, 1),
)
def test_damaged_workbooks_raise_nothing_but_unreadable_table(
    payload: bytes, damage: list[tuple[float, int]], keep: float
) -> None:
    """Workbooks with flipped bytes or cut short raise UnreadableTable at worst."""
    broken = bytearray(payload[: max(1, int(len(payload) * keep))])
    for where, value in damage:
        broken[int(where * len(broken))] = value
    _read_all("order.xlsx", bytes(broken))


def _patched_xlsx(member: str, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(RUSSIAN)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                assert old in data
                data = data.replace(old, new)
            archive.writestr(info.filename, data)
    return buffer.getvalue()


def test_unbelievable_shared_string_count_is_capped() -> None:
    """A string count of 4294967295 (96 GB reserved by calamine) is capped; the file reads."""
    payload = _patched_xlsx(
        "xl/sharedStrings.xml", b'uniqueCount="12"', b'uniqueCount="4294967295"'
    )
    assert rows("order.xlsx", payload) == RUSSIAN


def test_cells_without_addresses_in_a_far_row_are_counted() -> None:
    """Cells without an address count in the row their <row> names, so far rows are caught."""
    far = b'<row r="1048576"><c t="s"><v>0</v></c>' + b'<c t="s"><v>0</v></c>' * 20 + b"</row>"
    payload = _patched_xlsx("xl/worksheets/sheet1.xml", b"</sheetData>", far + b"</sheetData>")
    with pytest.raises(TooManyRows, match="more than 100000 rows"):
        list(read_rows("order.xlsx", payload, TableLimits(max_cells=1_000_000)))


def test_wide_rows_past_the_cell_limit_are_refused() -> None:
    """Rows padded to a wide first row count as a grid: past `max_cells` they are refused."""
    wide = b'<row r="5"><c r="XFD5" t="s"><v>0</v></c></row><row r="9"><c><v>1</v></c></row>'
    payload = _patched_xlsx("xl/worksheets/sheet1.xml", b"</sheetData>", wide + b"</sheetData>")
    with pytest.raises(UnreadableTable, match="spans more than 50000 cells"):
        list(read_rows("order.xlsx", payload, TableLimits(max_cells=50_000)))


def _patched_xls(old: bytes, new: bytes) -> bytes:
    payload = xls_bytes(RUSSIAN)
    assert payload.count(old) == 1
    return payload.replace(old, new)


def test_xls_dimensions_record_cannot_make_calamine_reserve_terabytes() -> None:
    """A DIMENSIONS record claiming 4 billion rows is refused, not trusted."""
    dimensions = struct.pack("<HHIIHHH", 0x0200, 14, 0, 4, 0, 256, 0)
    huge = struct.pack("<HHIIHHH", 0x0200, 14, 0, 0xFFFFFFFF, 0, 256, 0)
    with pytest.raises(UnreadableTable, match="spans more than"):
        read_rows("order.xls", _patched_xls(dimensions, huge), LIMITS)


def test_xls_string_table_count_is_checked() -> None:
    """A shared string table claiming more strings than its bytes can hold is refused."""
    strings = sorted({cell for row in RUSSIAN for cell in row})
    sst = struct.pack("<HHII", 0x00FC, 0, len(strings), len(strings))[4:]
    forged = struct.pack("<II", len(strings), 0x7FFFFFFF)
    with pytest.raises(UnreadableTable, match="damaged shared string table"):
        read_rows("order.xls", _patched_xls(sst, forged), LIMITS)


def test_xls_sector_chain_out_of_the_file_is_refused() -> None:
    """A FAT entry pointing past the end of the file is refused with a reason."""
    payload = bytearray(xls_bytes(RUSSIAN))
    struct.pack_into("<I", payload, 512 + 4 * 2, 0x7FFFFFF0)  # the stream's first link
    with pytest.raises(UnreadableTable, match="Excel 97-2003"):
        read_rows("order.xls", bytes(payload), LIMITS)


def test_xlsx_cell_references_leave_gaps_as_empty_cells_and_rows() -> None:
    """Cells placed by reference ("B2", "D2") leave "" in the gaps; a missing row 1 is empty."""
    payload = xlsx_from_xml(
        '<row r="2"><c r="B2" t="inlineStr"><is><t>b</t></is></c><c r="D2"><v>4</v></c></row>'
        "<row><c><v>1</v></c><c><v>2</v></c></row>"
    )
    assert numbered("order.xlsx", payload) == [
        (1, ("", "", "", "")),
        (2, ("", "b", "", "4")),
        (3, ("1", "2", "", "")),
    ]


def test_xlsx_inline_strings_are_read_plain_or_rich() -> None:
    """Inline strings read as their text, rich-text runs joined, spaces around stripped."""
    payload = xlsx_from_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> A-1 </t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>Tam</t></r><r><rPr><b/></rPr><t>bour</t></r></is>'
        "</c></row>"
    )
    assert rows("order.xlsx", payload) == [["A-1", "Tambour"]]


def test_xlsx_rich_text_shared_strings_join_their_runs() -> None:
    """Shared strings in runs are joined, kept spaces kept inside, phonetic guides left out."""
    strings = (
        '<si><r><t>Tambour</t></r><r><rPr><b/></rPr><t xml:space="preserve"> de frein </t></r>'
        '</si><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>'
    )
    payload = xlsx_from_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        shared_strings=strings,
    )
    assert rows("order.xlsx", payload) == [["Tambour de frein", "東京"]]


def test_xlsx_booleans_errors_and_formula_strings_read_as_shown() -> None:
    """Booleans read TRUE/FALSE, error cells their text, formula strings their result."""
    payload = xlsx_from_xml(
        '<row r="1"><c t="b"><v>1</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c>'
        '<c t="str"><f>A1&amp;"x"</f><v>1x</v></c><c t="d"><v>2026-11-20T10:31:00</v></c></row>'
    )
    assert rows("order.xlsx", payload) == [["TRUE", "FALSE", "#N/A", "1x", "2026-11-20T10:31:00"]]


def test_xlsx_date_styles_turn_serial_numbers_into_iso_dates() -> None:
    """Serials in date styles (built-in or custom) read as ISO dates; other formats do not."""
    styles = (
        '<numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
        '<numFmt numFmtId="165" formatCode="[Red]0.00"/>'
        '<numFmt numFmtId="166" formatCode="0.0 &quot;days&quot;"/></numFmts>'
        '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="22"/>'
        '<xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="20"/></cellXfs>'
    )
    payload = xlsx_from_xml(
        '<row r="1"><c s="1"><v>45000</v></c><c s="2"><v>45000.5</v></c>'
        '<c s="3"><v>12.5</v></c><c s="4"><v>3</v></c><c s="5"><v>0.4375</v></c>'
        '<c s="0"><v>45000</v></c></row>',
        styles=styles,
    )
    assert rows("order.xlsx", payload) == [
        ["2023-03-15", "2023-03-15T12:00:00", "12.5", "3", "10:30:00", "45000"]
    ]


@pytest.mark.parametrize(
    "prolog",
    ['<!DOCTYPE worksheet [<!ENTITY x "y">]>', "<!DOCTYPE worksheet>"],
    ids=["entity", "doctype"],
)
def test_xlsx_sheet_declaring_a_dtd_is_refused(prolog: str) -> None:
    """A sheet that declares a DTD (entities or not) is refused, not expanded."""
    payload = xlsx_from_xml('<row r="1"><c><v>1</v></c></row>', prolog=prolog)
    with pytest.raises(UnreadableTable, match="declares a DTD"):
        rows("order.xlsx", payload)


@pytest.mark.parametrize(
    ("sheet_data", "reason"),
    [
        ('<row r="1"><c r="XFE1"><v>1</v></c></row>', "past the last column"),
        ('<row r="1"><c t="s"><v>3</v></c></row>', "shared string '3'"),
        ('<row r="1"><c><v>1</v></c></row><row r="1"/>', "out of order"),
        ('<row r="1"><c><v>1</v></row>', "not well-formed XML"),
    ],
    ids=["column", "string", "order", "xml"],
)
def test_hostile_xlsx_sheets_are_refused_with_a_reason(sheet_data: str, reason: str) -> None:
    """Cells past XFD, missing shared strings, rows out of order and broken XML are refused."""
    with pytest.raises(UnreadableTable, match=reason):
        rows("order.xlsx", xlsx_from_xml(sheet_data))


def test_xlsx_too_long_is_refused_as_soon_as_the_limit_is_passed() -> None:
    """Of a 1,000-row sheet with a limit of 10, ten rows are read, then TooManyRows."""
    payload = xlsx_from_xml("".join(f"<row><c><v>{n}</v></c></row>" for n in range(1000)))
    iterator = read_rows("big.xlsx", payload, TableLimits(max_rows=10))
    assert [row[0] for _, row in zip(range(10), iterator, strict=False)] == list(range(1, 11))
    with pytest.raises(TooManyRows, match="more than 10 rows"):
        next(iterator)


def test_xlsx_rows_stream_in_bounded_memory() -> None:
    """Reading a 50,000-row XLSX sheet row by row peaks far below the sheet's size in memory."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet()
    for row in range(50_000):
        sheet.write_row(row, 0, [f"SKU-{row:07d}", f"Brake drum {row} rear", 12.5, row % 9])
    workbook.close()
    payload = buffer.getvalue()
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows("big.xlsx", payload, LIMITS))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert peak < 20 * 2**20


def test_xlsx_rows_start_at_the_first_used_column() -> None:
    """A table starting in column B reads from B, as calamine read it; a cell left of the
    stated dimension is refused rather than misplaced."""
    table = "<row r='1'><c r='B1'><v>1</v></c><c r='C1'><v>2</v></c></row>"
    assert rows("order.xlsx", xlsx_from_xml(table, dimension="B1:C1")) == [["1", "2"]]
    with pytest.raises(UnreadableTable, match="left of the sheet's stated dimension"):
        rows("order.xlsx", xlsx_from_xml(table, dimension="C1:C1"))


def test_title_lines_above_a_csv_table_do_not_hide_its_delimiter() -> None:
    """Title and date lines of one field above the table leave the delimiter to the table."""
    payload = (
        b"Fleet Parts Ltd - order 1589\r\nDate: 20/11/2026\r\n\r\nNo.;Part No.;Qty\r\n"
        b"1;MAN-81.74146-8675;24\r\n2;4272962709;5\r\n\r\nPrepared by: John, tel. 0745\r\n"
    )
    rows = [cells for _, cells in read_rows("o.csv", payload, TableLimits())]
    assert ("1", "MAN-81.74146-8675", "24") in rows
