"""Spreadsheet files built in memory for tests: CSV, XLSX (xlsxwriter), and ODS and legacy XLS
written by hand, since no installed library writes those two."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

import xlsxwriter

# One small Russian order, written in every format by the tests.
RUSSIAN = [
    ["Артикул", "Наименование", "Кол-во"],
    ["BPW-0310", "Рессора задняя BPW", "4"],
    ["SAF-2234", "Втулка рессоры SAF", "16"],
    ["MAN-81.43701", "Стремянка М24", "8"],
]

Cell = str | int | float
Table = Sequence[Sequence[Cell]]
# A sheet of a workbook: its name, its cells, and whether it is hidden.
SheetSpec = tuple[str, Table, bool]


def csv_bytes(table: Table, *, encoding: str = "utf-8", delimiter: str = ";") -> bytes:
    """`table` as CSV text in `encoding` ("utf-8-sig" writes a BOM), lines ending CRLF."""
    lines = (delimiter.join(str(cell) for cell in row) for row in table)
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def xlsx_bytes(table: Table, *, hidden_first: bool = False, first_row: int = 0) -> bytes:
    """`table` as an XLSX workbook; optionally behind a hidden sheet or lower down the sheet."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if hidden_first:
        hidden = workbook.add_worksheet("Hidden")
        hidden.write(0, 0, "not this sheet")
        hidden.hide()
    sheet = workbook.add_worksheet("Order")
    sheet.activate()
    for row, cells in enumerate(table, start=first_row):
        for column, value in enumerate(cells):
            sheet.write(row, column, value)
    workbook.close()
    return buffer.getvalue()


def xlsx_sheets(sheets: Sequence[SheetSpec]) -> bytes:
    """An XLSX workbook of several sheets, some of them hidden (xlsxwriter shows the first
    visible one on opening, since the sheet on show cannot be hidden)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    added = []
    for name, table, _ in sheets:
        sheet = workbook.add_worksheet(name)
        for row, cells in enumerate(table):
            for column, value in enumerate(cells):
                sheet.write(row, column, value)
        added.append(sheet)
    shown = next((i for i, (_, _, hidden) in enumerate(sheets) if not hidden), None)
    if shown is not None:
        added[shown].activate()
        added[shown].set_first_sheet()
    for sheet, (_, _, hidden) in zip(added, sheets, strict=True):
        if hidden:
            sheet.hide()
    workbook.close()
    if shown is None:  # xlsxwriter keeps the sheet on show visible: hide it by hand
        return _xlsx_patched(
            buffer.getvalue(), "xl/workbook.xml", ' sheetId="1"', ' sheetId="1" state="hidden"'
        )
    return buffer.getvalue()


def _xlsx_patched(payload: bytes, member: str, old: str, new: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(payload))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                data = data.replace(old.encode(), new.encode(), 1)
            archive.writestr(info.filename, data)
    return buffer.getvalue()


_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2">
<office:automatic-styles><style:style style:name="hidden" style:family="table">
<style:table-properties table:display="false"/></style:style></office:automatic-styles>
<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>
</office:document-content>"""
_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2">
<manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def ods_cell(value: Cell) -> str:
    """One ODS table cell holding `value` as a number or a string."""
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p>'
        "</table:table-cell>"
    )


def ods_bytes(table: Table = (), *, rows_xml: str | None = None) -> bytes:
    """A minimal valid ODS file of one sheet: mimetype (stored, first), content.xml and the
    manifest; `rows_xml`, when given, is the sheet's rows written by hand."""
    if rows_xml is None:
        rows_xml = _ods_rows(table)
    return _ods_file(_ods_table("Order", rows_xml, hidden=False))


def ods_sheets(sheets: Sequence[SheetSpec]) -> bytes:
    """An ODS file of several sheets, some of them hidden."""
    return _ods_file("".join(_ods_table(n, _ods_rows(t), hidden=h) for n, t, h in sheets))


def _ods_rows(table: Table) -> str:
    return "".join(
        "<table:table-row>" + "".join(ods_cell(cell) for cell in row) + "</table:table-row>"
        for row in table
    )


def _ods_table(name: str, rows_xml: str, *, hidden: bool) -> str:
    style = ' table:style-name="hidden"' if hidden else ""
    return f'<table:table table:name="{escape(name)}"{style}>{rows_xml}</table:table>'


def _ods_file(tables_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        content = _ODS_CONTENT.format(tables=tables_xml)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def xls_bytes(
    table: Table, *, small: bool = False, extra: Sequence[tuple[int, int, Cell]] = ()
) -> bytes:
    """`table` as a legacy Excel 97-2003 (BIFF8) workbook in an OLE2 compound file, plus
    `extra` cells given as (row, column, value), 0-based.

    `small` keeps the workbook stream under 4096 bytes so that it lives in the mini stream;
    otherwise it is padded to live in regular sectors. Both layouts occur in real files.
    """
    cells = [(r, c, value) for r, row in enumerate(table) for c, value in enumerate(row)]
    stream = _biff8_workbook([("Order", False, [*cells, *extra])])
    if not small:
        stream = stream.ljust(4096, b"\0")
    return _compound_file(stream)


def xls_sheets(sheets: Sequence[SheetSpec]) -> bytes:
    """A legacy Excel 97-2003 workbook of several sheets, some of them hidden."""
    specs = [
        (name, hidden, [(r, c, v) for r, row in enumerate(table) for c, v in enumerate(row)])
        for name, table, hidden in sheets
    ]
    return _compound_file(_biff8_workbook(specs).ljust(4096, b"\0"))


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _unicode(text: str, length_format: str) -> bytes:
    return struct.pack(length_format, len(text)) + b"\x01" + text.encode("utf-16-le")


def _biff8_workbook(sheets: Sequence[tuple[str, bool, Sequence[tuple[int, int, Cell]]]]) -> bytes:
    """The globals substream (one BOUNDSHEET record per sheet, with its hidden state, and
    the shared strings) followed by each sheet's substream."""
    strings = sorted({v for _, _, cells in sheets for _, _, v in cells if isinstance(v, str)})
    index = {text: number for number, text in enumerate(strings)}
    sst = struct.pack("<II", len(strings), len(strings))
    sst += b"".join(_unicode(text, "<H") for text in strings)
    bodies = []
    for _, _, cells in sheets:
        last_row = max((row for row, _, _ in cells), default=0)
        sheet = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
        sheet += _record(0x0200, struct.pack("<IIHHH", 0, last_row + 1, 0, 256, 0))
        for row, column, value in cells:
            if isinstance(value, str):
                sheet += _record(0x00FD, struct.pack("<HHHI", row, column, 15, index[value]))
            else:
                sheet += _record(0x0203, struct.pack("<HHHd", row, column, 15, float(value)))
        bodies.append(sheet + _record(0x000A))

    def globals_part(offsets: Sequence[int]) -> bytes:
        part = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
        part += _record(0x0042, struct.pack("<H", 1200))
        for offset, (name, hidden, _) in zip(offsets, sheets, strict=True):
            state = struct.pack("<IBB", offset, 1 if hidden else 0, 0)
            part += _record(0x0085, state + _unicode(name, "<B"))
        part += _record(0x00FC, sst)
        return part + _record(0x000A)

    offsets = []
    at = len(globals_part([0] * len(sheets)))
    for body in bodies:
        offsets.append(at)
        at += len(body)
    return globals_part(offsets) + b"".join(bodies)


_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _compound_file(stream: bytes) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one "Workbook" stream."""
    mini = len(stream) < 4096
    body = stream.ljust(-(-len(stream) // 64) * 64, b"\0") if mini else stream
    data_sectors = -(-len(body) // 512)
    # sectors: 0 FAT, 1 directory, [2 mini FAT], then the stream (or the mini stream container)
    first_data = 3 if mini else 2
    fat = [_FAT_SECTOR, _END] + ([_END] if mini else [])
    fat += [first_data + n + 1 for n in range(data_sectors - 1)] + [_END]
    fat += [_FREE] * (128 - len(fat))
    mini_sectors = len(body) // 64
    mini_fat = [n + 1 for n in range(mini_sectors - 1)] + [_END]
    mini_fat += [_FREE] * (128 - len(mini_fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _NO_STREAM, _NO_STREAM, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    if mini:
        root = entry("Root Entry", 5, 1, first_data, len(body))
        workbook = entry("Workbook", 2, _NO_STREAM, 0, len(stream))
    else:
        root = entry("Root Entry", 5, 1, _END, 0)
        workbook = entry("Workbook", 2, _NO_STREAM, first_data, len(stream))
    empty = entry("", 0, _NO_STREAM, 0, 0)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIII", 0, 1, 1, 0)  # directory sectors, FAT sectors, dir start, txn
    header += struct.pack("<III", 4096, 2 if mini else _END, 1 if mini else 0)
    header += struct.pack("<II", _END, 0)  # no DIFAT sectors
    header += struct.pack("<109I", 0, *([_FREE] * 108))
    sectors = [struct.pack("<128I", *fat), root + workbook + empty + empty]
    if mini:
        sectors.append(struct.pack("<128I", *mini_fat))
    sectors.append(body.ljust(data_sectors * 512, b"\0"))
    return header + b"".join(sectors)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATED = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx_from_xml(
    sheet_data: str,
    *,
    shared_strings: str = "",
    styles: str = "",
    prolog: str = "",
    dimension: str = "",
) -> bytes:
    """A minimal XLSX workbook written by hand around `sheet_data` (the inside of
    <sheetData>), with the <si> elements of `shared_strings` and the inside of <styleSheet>
    `styles` when given; `prolog` goes before the sheet's root element, and `dimension`
    (such as "B2:D9") is stated ahead of the rows when given."""
    stated = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATED}"><sheets>'
        '<sheet name="Order" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_RELATED}/worksheet" Target="worksheets/s.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/s.xml": f'{prolog}<worksheet xmlns="{_MAIN}">{stated}<sheetData>{sheet_data}'
        "</sheetData></worksheet>",
    }
    if shared_strings:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{_MAIN}">{shared_strings}</sst>'
    if styles:
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{_MAIN}">{styles}</styleSheet>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()
