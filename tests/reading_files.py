"""Files of the reading corpus: tables as CSV, XLSX, PDF and Outlook HTML, byte for byte the
same for the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import xlsxwriter
from fpdf import FPDF

Cell = str | int | float
Rows = Sequence[Sequence[Cell]]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # and DejaVuSans-Bold.ttf
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def csv_file(rows: Rows, *, delimiter: str, encoding: str) -> bytes:
    """`rows` as CSV; "utf-8-sig" writes a byte order mark."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_file(sheets: Sequence[tuple[str, Rows]], *, active: int) -> bytes:
    """A workbook of named sheets; `active` is the sheet that opens first. Floats that are whole
    are shown with two decimals, as accounting templates do."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": CREATED.replace(tzinfo=None)})
    decimals = workbook.add_format({"num_format": "0.00"})
    for index, (name, rows) in enumerate(sheets):
        sheet = workbook.add_worksheet(name)
        if index == active:
            sheet.activate()
        for row, cells in enumerate(rows):
            for column, value in enumerate(cells):
                if value == "":
                    continue
                if isinstance(value, float):
                    sheet.write_number(row, column, value, decimals)
                else:
                    sheet.write(row, column, value)
    workbook.close()
    return buffer.getvalue()


def pdf_unicode() -> bool:
    """Whether PDFs can hold Cyrillic and Romanian letters here (the DejaVu font is installed)."""
    return FONT.exists() and FONT.with_name("DejaVuSans-Bold.ttf").exists()


def pdf_file(
    heading: Sequence[str], rows: Rows, footer: Sequence[str], *, ruled: bool, latin: bool
) -> bytes:
    """A one-page purchase order with a text layer: heading lines, then the rows as a ruled
    table (first row the header) or as plain lines, then footer lines. `latin` text is set in
    the built-in Helvetica, other text in DejaVu (embedding it is what makes a PDF slow)."""
    pdf = FPDF()
    pdf.set_creation_date(CREATED)
    pdf.add_page()
    if not latin and pdf_unicode():
        pdf.add_font("DejaVu", fname=str(FONT))
        pdf.add_font("DejaVu", style="B", fname=str(FONT.with_name("DejaVuSans-Bold.ttf")))
        pdf.set_font("DejaVu", size=10)
    else:
        pdf.set_font("Helvetica", size=10)
    for line in heading:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if ruled:
        with pdf.table() as table:
            for cells in rows:
                row = table.row()
                for value in cells:
                    row.cell(str(value))
    else:
        for cells in rows:
            text = "   ".join(str(value) for value in cells).replace("\t", "   ")
            pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in footer:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


_OUTLOOK_HEAD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">'
    "<style>p.MsoNormal{margin:0cm;font-size:11.0pt;font-family:Calibri,sans-serif;}"
    "table.MsoTableGrid{border-collapse:collapse;}</style></head>"
    '<body lang="EN-US"><div class="WordSection1">'
)


def _paragraph(text: str) -> str:
    inner = escape(text) if text else "&nbsp;"
    return f'<p class="MsoNormal">{inner}<o:p></o:p></p>'


def outlook_html(before: Sequence[str], rows: Rows, after: Sequence[str]) -> str:
    """An Outlook-style HTML body: paragraphs, a bordered table whose first row is bold (when
    there are rows), paragraphs."""
    parts = [_OUTLOOK_HEAD, *(_paragraph(line) for line in before)]
    if rows:
        parts.append('<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0">')
        for index, cells in enumerate(rows):
            parts.append("<tr>")
            for value in cells:
                text = escape(str(value))
                text = f"<b>{text}</b>" if index == 0 else text
                parts.append(f'<td valign="top"><p class="MsoNormal">{text}<o:p></o:p></p></td>')
            parts.append("</tr>")
        parts.append("</table>")
    parts += [_paragraph(line) for line in after]
    parts.append("</div></body></html>")
    return "".join(parts)


def simple_html(lines: Sequence[str]) -> str:
    """A webmail-style HTML body: one `<div>` per line, `<br>` for empty ones."""
    body = "".join(f"<div>{escape(line)}</div>" if line else "<div><br></div>" for line in lines)
    return f'<html><body><div dir="ltr">{body}</div></body></html>'
