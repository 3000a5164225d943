"""A corpus of malformed mail as real mailers, gateways and attackers send it, built in code.

Each case is a named builder of raw bytes from a registered partner (so the message is
processed, not ignored as a stranger's), and what mailbot must make of it: the outcome's status
and summary, and words the reply must contain. `tests/integration/test_malformed_mail.py`
runs every case through the whole pipeline; `bench/malformed.py` times them.
"""

from __future__ import annotations

import base64
import io
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from mailbot.demo import PRICE_LIST, SUPPLIER
from tests.mail import DESK, mail

FLEET = "buying@fleetparts.example"  # an English-speaking client of the demo data
VECTOR = "zakaz@vector-trans.example"  # a Russian-speaking one
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BIG_ATTACHMENT = 40 * 2**20
MANY_ATTACHMENTS = 2_000
BIG_HEADER = 2**20


@dataclass(frozen=True, slots=True)
class Case:
    """One malformed message and what must become of it.

    `summary` is the start of the outcome's summary; `reply` are texts the plain-text reply
    must contain (no reply is expected when `status` is not "processed").
    """

    name: str
    build: Callable[[], bytes]
    status: str
    summary: str
    reply: tuple[str, ...] = ()


def _head(sender: str = FLEET, subject: bytes = b"Order", extra: bytes = b"") -> bytes:
    return (
        b"From: " + sender.encode() + b"\r\nTo: " + DESK.encode() + b"\r\nSubject: " + subject
        + b"\r\nDate: Fri, 20 Nov 2026 09:30:00 +0200\r\nMessage-ID: <m-"
        + str(random.Random(subject).getrandbits(48)).encode()
        + b"@fleetparts.example>\r\nMIME-Version: 1.0\r\n" + extra
    )  # fmt: skip


def _multipart(content_type: bytes, body: bytes, sender: str = FLEET) -> bytes:
    return (
        _head(sender, b"Order " + content_type[:40])
        + b"Content-Type: "
        + content_type
        + (b"\r\n\r\n" + body)
    )


TEXT_ORDER = b"Content-Type: text/plain; charset=utf-8\r\n\r\nPlease quote:\r\nBPW-0310 x 2\r\n"
CSV_ORDER = (
    b'Content-Type: text/csv; name="order.csv"\r\n'
    b'Content-Disposition: attachment; filename="order.csv"\r\n\r\n'
    b"sku;qty\r\nSAF-2234;3\r\n"
)


def boundary_mismatch() -> bytes:
    """The declared boundary is not the one the parts are separated with."""
    body = b"--=_Part_B\r\n" + TEXT_ORDER + b"--=_Part_B\r\n" + CSV_ORDER + b"--=_Part_B--\r\n"
    return _multipart(b'multipart/mixed; boundary="=_Part_A"', body)


def boundary_missing() -> bytes:
    """multipart/mixed without a boundary parameter at all."""
    body = b"--XyZ\r\n" + TEXT_ORDER + b"--XyZ\r\n" + CSV_ORDER + b"--XyZ--\r\n"
    return _multipart(b"multipart/mixed", body)


def closing_boundary_missing() -> bytes:
    """The message ends without the closing --boundary-- line (a cut-off transfer)."""
    body = b"--b1\r\n" + TEXT_ORDER + b"--b1\r\n" + CSV_ORDER
    return _multipart(b'multipart/mixed; boundary="b1"', body)


def bad_base64_body() -> bytes:
    """A base64 text body with junk characters inside and its padding cut off."""
    encoded = base64.b64encode(b"Please quote:\r\nBPW-0310 x 2\r\nThanks\r\n").rstrip(b"=")
    damaged = encoded[:10] + b"!*%" + encoded[10:30] + b"\r\n\xff\xfe" + encoded[30:]
    head = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"
    return _head(extra=head) + b"\r\n" + damaged + b"\r\n"


def bad_base64_attachment() -> bytes:
    """A CSV attachment whose base64 stops in the middle of a 4-character group."""
    encoded = base64.b64encode(b"sku;qty\r\nSAF-2234;3\r\nDAF-1643;5\r\n")
    attachment = (
        b'Content-Type: text/csv; name="order.csv"\r\nContent-Transfer-Encoding: base64\r\n'
        b'Content-Disposition: attachment; filename="order.csv"\r\n\r\n' + encoded[:-3] + b"\r\n"
    )
    body = b"--b2\r\n" + TEXT_ORDER + b"--b2\r\n" + attachment + b"--b2--\r\n"
    return _multipart(b'multipart/mixed; boundary="b2"', body)


def bad_quoted_printable() -> bytes:
    """Quoted-printable with invalid escapes, a soft break inside a SKU, a cut UTF-8 sequence,
    an overlong line and a dangling "=" at the very end."""
    body = (
        b"Price =ZZ please, 100% =E2=80 cut\r\nBPW-03=\r\n10 x 2\r\n"
        + b"x" * 5000
        + b"\r\nSAF-2234 x 1 =\r\n="
    )
    head = (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
    )
    return _head(extra=head) + b"\r\n" + body


def raw_cp1251_headers() -> bytes:
    """Subject and sender name in raw Windows-1251 bytes, no encoded words, no charset."""
    name = "Вектор-Транс, отдел закупок".encode("cp1251")
    head = (
        b"From: " + name + b" <" + VECTOR.encode() + b">\r\nTo: " + DESK.encode()
        + b"\r\nSubject: " + "Заказ №17 срочно".encode("cp1251")
        + b"\r\nMessage-ID: <cp1251@vector-trans.example>\r\n"
        + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )  # fmt: skip
    return head + "Добрый день!\r\nBPW-0310 — 4 шт\r\n".encode("cp1251")


def raw_utf8_headers() -> bytes:
    """Raw UTF-8 in the subject, the sender's name and the attachment's file name."""
    head = (
        "From: Вектор <" + VECTOR + ">\r\nTo: " + DESK + "\r\nSubject: Заказ на неделю\r\n"
        "Message-ID: <utf8@vector-trans.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="u8"\r\n\r\n'
        "--u8\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nЗаказ во вложении\r\n"
        '--u8\r\nContent-Type: text/csv; name="заказ.csv"\r\n'
        'Content-Disposition: attachment; filename="заказ.csv"\r\n\r\n'
        "Артикул;Кол-во\r\nSAF-2234;6\r\n--u8--\r\n"
    )
    return head.encode()


def unknown_charset() -> bytes:
    """A body in a charset no codec knows."""
    head = b"Content-Type: text/plain; charset=x-mac-klingon\r\n"
    return _head(extra=head) + b"\r\nBun\xc4\x83 ziua\r\nBPW-0310 x 2\r\n"


def wrong_charset() -> bytes:
    """Windows-1251 text declared as KOI8-R: every byte decodes, to the wrong letters."""
    head = b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n"
    body = "Добрый день! Прошу выставить счёт.\r\nBPW-0310 — 4 шт\r\nSAF-2234 — 2 шт\r\n"
    return _head(VECTOR, extra=head) + b"\r\n" + body.encode("cp1251")


def utf8_declared_over_cp1251() -> bytes:
    """Windows-1251 text declared as UTF-8, which it cannot be."""
    head = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
    body = "Добрый день!\r\nBPW-0310 — 4 шт\r\n"
    return _head(VECTOR, extra=head) + b"\r\n" + body.encode("cp1251")


def nested_forwards(depth: int = 5) -> bytes:
    """An order file at the bottom of messages forwarded as attachments, `depth` levels deep."""
    inner = mail(
        sender=FLEET,
        body="The order for this week.",
        attachments=[("order.csv", "text/csv", b"sku;qty\r\nSAF-2234;3\r\n")],
    )
    for level in range(depth):
        inner = (
            _head(subject=b"Fwd: level " + str(level).encode())
            + b'Content-Type: multipart/mixed; boundary="fw'
            + str(level).encode()
            + b'"\r\n\r\n--fw'
            + str(level).encode()
            + b"\r\nContent-Type: text/plain\r\n\r\nSee the forwarded mail.\r\n--fw"
            + str(level).encode()
            + b"\r\nContent-Type: message/rfc822\r\n\r\n"
            + inner
            + b"\r\n--fw"
            + str(level).encode()
            + b"--\r\n"
        )
    return inner


def _tnef_attribute(level: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, kind, len(data)) + data + struct.pack("<H", checksum)


def tnef_blob(files: dict[str, bytes]) -> bytes:
    """A minimal TNEF stream (winmail.dat) as Outlook writes it, holding `files`."""
    blob = struct.pack("<IH", 0x223E9F78, 0x0001)
    blob += _tnef_attribute(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    blob += _tnef_attribute(1, 0x00069007, struct.pack("<II", 1252, 0))  # attOemCodepage
    for name, data in files.items():
        blob += _tnef_attribute(2, 0x00069002, bytes(14))  # attAttachRendData
        blob += _tnef_attribute(2, 0x00018010, name.encode() + b"\0")  # attAttachTitle
        blob += _tnef_attribute(2, 0x0006800F, data)  # attAttachData
    return blob


def tnef_winmail() -> bytes:
    """Outlook's rich-text mail: the order file is wrapped inside winmail.dat (TNEF)."""
    blob = tnef_blob({"order.csv": b"sku;qty\r\nSAF-2234;3\r\n"})
    return mail(
        sender=FLEET,
        body="Please find our order attached.",
        attachments=[("winmail.dat", "application/ms-tnef", blob)],
    )


def big_attachment() -> bytes:
    """A 40 MB drawing attached next to an order in the body."""
    payload = random.Random(40).randbytes(BIG_ATTACHMENT)
    return mail(
        sender=FLEET,
        body="BPW-0310 x 1\nThe drawing is attached.",
        attachments=[("drawing.pdf", "application/pdf", payload)],
    )


def many_attachments(count: int = MANY_ATTACHMENTS) -> bytes:
    """2,000 one-line order files in one message."""
    boundary = b"many"
    parts = [b"--" + boundary + b"\r\n" + TEXT_ORDER]
    for number in range(count):
        name = f"part-{number:04d}.csv".encode()
        parts.append(
            b"--" + boundary + b"\r\nContent-Type: text/csv\r\n"
            b'Content-Disposition: attachment; filename="' + name + b'"\r\n\r\n'
            b"sku;qty\r\nDAF-1643;1\r\n"
        )
    body = b"".join(parts) + b"--" + boundary + b"--\r\n"
    return _multipart(b'multipart/mixed; boundary="many"', body)


def huge_header(size: int = BIG_HEADER) -> bytes:
    """A 1 MB header (a scanner's report folded over 16,000 lines) above a body order."""
    line = b" spam-score-token-" + b"0123456789abcdef" * 3 + b"\r\n"
    report = b"X-Scan-Report: start\r\n" + line * (size // len(line))
    return _head(extra=report) + b"Content-Type: text/plain\r\n\r\nBPW-0310 x 2\r\n"


def huge_references(size: int = BIG_HEADER) -> bytes:
    """A reply at the end of a very long thread: a 1 MB References header."""
    ids = b" ".join(b"<thread-%06d@fleetparts.example>" % n for n in range(size // 33))
    head = b"References: " + ids + b"\r\nIn-Reply-To: <thread-000001@fleetparts.example>\r\n"
    return _head(extra=head) + b"Content-Type: text/plain\r\n\r\nBPW-0310 x 2\r\n"


def _zip_bomb() -> bytes:
    """A small zip that looks like an XLSX workbook and unpacks to 200 MiB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(200 * 2**20))
    return buffer.getvalue()


def zip_bomb_xlsx() -> bytes:
    """An "order.xlsx" that is a small zip unpacking to 200 MiB of zeros."""
    return mail(
        sender=FLEET, body="Order attached.", attachments=[("order.xlsx", XLSX, _zip_bomb())]
    )


def nul_bytes() -> bytes:
    """NUL bytes in a header, the body and an attachment name."""
    head = b"X-Mailer: Ord\x00erSys\r\nContent-Type: multipart/mixed; boundary=nul\r\n\r\n"
    body = (
        b"--nul\r\nContent-Type: text/plain\r\n\r\nBPW-0310 x 2\x00\x00\r\n"
        b"--nul\r\nContent-Type: text/csv\r\n"
        b'Content-Disposition: attachment; filename="or\x00der.csv"\r\n\r\n'
        b"sku;qty\r\nSAF-2234;3\r\n--nul--\r\n"
    )
    return _head(subject=b"Or\x00der", extra=head) + body


def garbage_transfer_encoding() -> bytes:
    """A Content-Transfer-Encoding no standard knows."""
    head = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode-ish-42\r\n"
    return _head(extra=head) + b"\r\nBPW-0310 x 2\r\n"


def headers_only() -> bytes:
    """Headers and nothing else: no blank line, no body."""
    return _head(extra=b"Content-Type: text/plain")


def body_without_headers() -> bytes:
    """An order with no header block at all (a file saved without its envelope)."""
    return b"BPW-0310 x 2\r\nSAF-2234 x 1\r\n"


def mixed_line_endings() -> bytes:
    """CRLF, bare LF and bare CR line ends mixed in headers and body."""
    return (
        b"From: " + FLEET.encode() + b"\nTo: " + DESK.encode() + b"\r\nSubject: Order\r"
        b"\nMessage-ID: <mixed@fleetparts.example>\nContent-Type: text/plain\r\n\n"
        b"Hello\rBPW-0310 x 2\nSAF-2234 x 1\r\nBye\r"
    )


def deep_multipart(depth: int = 3_000) -> bytes:
    """Multiparts nested thousands deep (no mailer does this; an attacker might)."""
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (n, n)
        for n in range(depth)
    )
    closing = b"".join(b"\r\n--d%d--\r\n" % n for n in reversed(range(depth)))
    return _head(extra=opening + TEXT_ORDER) + closing


def line_break_in_from_name() -> bytes:
    """A From whose quoted display name holds a line break: the header block ends there, and
    the address (with To, Subject and the rest) falls into the body."""
    return _head(sender='"Fleet\r\nParts" <' + FLEET + ">") + b"\r\nBPW-0310 x 2\r\n"


def supplier_list_without_boundary() -> bytes:
    """A supplier's price list in a multipart that names no boundary."""
    listed = PRICE_LIST.replace("84.00", "86.00").encode()
    attachment = (
        b"Content-Type: text/csv\r\n"
        b'Content-Disposition: attachment; filename="preturi.csv"\r\n\r\n' + listed
    )
    body = b"--sup\r\n" + TEXT_ORDER.replace(b"BPW-0310 x 2", b"Lista noua") + b"--sup\r\n"
    return _multipart(b"multipart/mixed", body + attachment + b"--sup--\r\n", SUPPLIER)


def supplier_zip_bomb() -> bytes:
    """A supplier's "price list" that is a zip bomb."""
    bomb = _zip_bomb()
    return mail(sender=SUPPLIER, body="Lista.", attachments=[("preturi.xlsx", XLSX, bomb)])


def supplier_winmail() -> bytes:
    """A supplier's price list wrapped by Outlook in winmail.dat."""
    blob = tnef_blob({"preturi.csv": PRICE_LIST.encode()})
    attachment = ("winmail.dat", "application/ms-tnef", blob)
    return mail(sender=SUPPLIER, body="Lista de preturi.", attachments=[attachment])


QUOTED = "quoted ORD-"
NO_ORDER = "answered: no order lines found"

CASES: tuple[Case, ...] = (
    Case("boundary mismatch", boundary_mismatch, "processed", QUOTED, ("BPW-0310", "SAF-2234")),
    Case("boundary missing", boundary_missing, "processed", QUOTED, ("BPW-0310", "SAF-2234")),
    Case("closing boundary missing", closing_boundary_missing, "processed", QUOTED, ("SAF-2234",)),
    Case("bad base64 body", bad_base64_body, "processed", QUOTED, ("BPW-0310",)),
    Case("bad base64 attachment", bad_base64_attachment, "processed", QUOTED, ("DAF-1643",)),
    Case("bad quoted-printable", bad_quoted_printable, "processed", QUOTED, ("BPW-0310",)),
    Case("raw cp1251 headers", raw_cp1251_headers, "processed", QUOTED, ("BPW-0310",)),
    Case("raw utf-8 headers", raw_utf8_headers, "processed", QUOTED, ("SAF-2234", "6 ×")),
    Case("unknown charset", unknown_charset, "processed", QUOTED, ("BPW-0310",)),
    Case("wrong charset", wrong_charset, "processed", QUOTED, ("BPW-0310", "SAF-2234")),
    Case("utf-8 over cp1251", utf8_declared_over_cp1251, "processed", QUOTED, ("BPW-0310",)),
    Case("forwarded 5 deep", nested_forwards, "processed", QUOTED, ("SAF-2234", "3 ×")),
    Case("TNEF winmail.dat", tnef_winmail, "processed", NO_ORDER, ("winmail.dat: Outlook packed",)),
    Case("40 MB attachment", big_attachment, "processed", QUOTED, ("BPW-0310",)),
    Case(
        "2,000 attachments",
        many_attachments,
        "processed",
        QUOTED,
        ("part-0020.csv … part-1999.csv (1980)", "at most 20 files are read"),
    ),
    Case("1 MB header", huge_header, "processed", QUOTED, ("BPW-0310",)),
    Case("1 MB References", huge_references, "processed", QUOTED, ("BPW-0310",)),
    Case(
        "zip bomb as XLSX",
        zip_bomb_xlsx,
        "processed",
        NO_ORDER,
        ("order.xlsx: the file could not be read (unpacks to more than",),
    ),
    Case("NUL bytes", nul_bytes, "processed", QUOTED, ("BPW-0310", "SAF-2234")),
    Case(
        "garbage transfer encoding", garbage_transfer_encoding, "processed", QUOTED, ("BPW-0310",)
    ),
    Case("headers only", headers_only, "processed", NO_ORDER, ("ABC-123 x 5",)),
    Case("body without headers", body_without_headers, "ignored", "not answered: no sender"),
    Case("mixed line endings", mixed_line_endings, "processed", QUOTED, ("BPW-0310", "SAF-2234")),
    Case(
        "supplier list, no boundary",
        supplier_list_without_boundary,
        "processed",
        "price list preturi.csv: 6 rows, 0 rejected",
        ("preturi.csv", "BPW-0310"),
    ),
    Case(
        "supplier zip bomb",
        supplier_zip_bomb,
        "processed",
        "price list refused: unpacks to more than",
        ("preturi.xlsx: fișierul nu a putut fi citit", "zip bomb"),
    ),
    Case(
        "supplier winmail.dat",
        supplier_winmail,
        "processed",
        "price list refused: sent inside winmail.dat",
        ("winmail.dat: Outlook a pus atașamentele",),
    ),
    Case(
        "multipart 3,000 deep",
        deep_multipart,
        "processed",
        f"{NO_ORDER}; the message could not be read (its parts are nested too deeply)",
        ("nested inside one another too deeply", "ABC-123 x 5"),
    ),
    Case(
        "line break in the From name",
        line_break_in_from_name,
        "quarantined",
        "the sender cannot be read: a line break inside the From header cut it short",
    ),
)
