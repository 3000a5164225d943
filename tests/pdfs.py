"""PDF files built in memory for tests: orders written with fpdf2, and hostile files written by
hand (a decompression bomb, deep nesting) since no library writes those on purpose."""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

ORDER_TABLE = [
    ["Article", "Description", "Qty"],
    ["BPW-0310-0100", "Brake drum", "4"],
    ["SAF 2234", "Spring bush", "16"],
    ["KNORR K012345", "Brake valve", "2"],
]
ORDER_LINES = [
    ("BPW-0310-0100", "Brake drum", "4 pcs"),
    ("SAF 2234", "Spring bush", "16 pcs"),
    ("WK 940/20", "Fuel filter", "2 pcs"),
]
RUSSIAN_TABLE = [
    ["Артикул", "Наименование", "Кол-во"],
    ["BPW-0310", "Рессора задняя BPW", "4"],
    ["SAF-2234", "Втулка рессоры SAF", "16"],
]


def _document(*, unicode: bool = False) -> FPDF:
    pdf = FPDF()
    pdf.set_compression(True)
    if unicode:
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    return pdf


def _output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def table_order(
    table: Sequence[Sequence[str]] = ORDER_TABLE,
    *,
    before: Sequence[str] = ("Purchase order 4711", "Fleet Parts Ltd, 12 Dock Road"),
    after: Sequence[str] = ("Please deliver by Friday.",),
    unicode: bool = False,
) -> bytes:
    """A one-page purchase order: lines of text, a table with ruled cells, lines of text."""
    pdf = _document(unicode=unicode)
    pdf.add_page()
    for text in before:
        pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(50, 90, 30), first_row_as_headings=False) as grid:
        for cells in table:
            grid.row(list(cells))
    pdf.ln(4)
    for text in after:
        pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT")
    return _output(pdf)


def plain_order(lines: Sequence[Sequence[str]] = ORDER_LINES, *, pages: int = 1) -> bytes:
    """Order lines set in columns by position, with no ruling lines, on each of `pages` pages."""
    pdf = _document()
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"Order, page {page}", new_x="LMARGIN", new_y="NEXT")
        for cells in lines:
            for x, text in zip((10, 60, 120), cells, strict=False):
                pdf.set_x(x)
                pdf.cell(w=50, h=8, text=text)
            pdf.ln(8)
    return _output(pdf)


def scanned_order() -> bytes:
    """A page holding only a picture, as a scanner makes it: no characters at all."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (400, 120), 255)
    ImageDraw.Draw(picture).text((10, 40), "BPW-0310-0100  Brake drum  4 pcs", fill=0)
    pdf = _document()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=150)
    return _output(pdf)


def encrypted_order(user_password: str = "secret") -> bytes:
    """An order encrypted with `user_password`: an empty one only restricts printing or copying."""
    pdf = _document()
    pdf.set_encryption(owner_password="owner", user_password=user_password)
    pdf.add_page()
    pdf.cell(text="BPW-0310-0100   Brake drum   4 pcs")
    return _output(pdf)


def _hand_written(objects: Sequence[bytes]) -> bytes:
    """A PDF of `objects` (numbered from 1, the first the catalog) with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % start)
    return out.getvalue()


def _page_objects(content: bytes, content_attrs: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s >>\nstream\n" % (len(content), content_attrs) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def deflate_bomb(unpacked: int = 2**30, chunk: int = 2**20) -> bytes:
    """A page whose content stream is `unpacked` zero bytes after a little text, deflated to
    a fifth of a percent of that, written chunk by chunk so building it stays small."""
    packer = zlib.compressobj(1)  # level 1: three times faster than 9 on zeros
    parts = [packer.compress(b"BT /F1 12 Tf 72 720 Td (BPW-0310-0100 x 4) Tj ET\n")]
    blank = bytes(chunk)
    for _ in range(unpacked // chunk):
        parts.append(packer.compress(blank))
    parts.append(packer.flush())
    return _hand_written(_page_objects(b"".join(parts), b"/Filter /FlateDecode"))


def deeply_nested(depth: int = 10_000) -> bytes:
    """A page whose crop box and content stream each hold an array nested `depth` times."""
    text = b"BT /F1 12 Tf 72 720 Td (BPW-0310-0100 x 4) Tj ET\n"
    nested = b"[" * depth + b"0" + b"]" * depth
    objects = _page_objects(text + nested + b" pop\n")
    objects[2] = objects[2][:-2] + b"/CropBox " + nested + b" >>"
    return _hand_written(objects)


def reference_loop() -> bytes:
    """A page whose font is an object that refers to itself: resolving it never ends."""
    objects = _page_objects(b"BT /F1 12 Tf 72 720 Td (BPW-0310-0100 x 4) Tj ET\n")
    objects[4] = b"5 0 R"
    return _hand_written(objects)
