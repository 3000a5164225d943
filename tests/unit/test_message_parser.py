"""parse_message: raw bytes to ParsedMessage, for good mail and for broken mail."""

from __future__ import annotations

import base64
import email
from datetime import UTC, datetime
from email import errors
from email.message import EmailMessage, Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailbot.parsers.message import Attachment, ForwardedText, ParsedMessage, parse_message
from mailbot.parsers.mime_parts import _base64

HEAD = (
    b"From: Fleet Parts Ltd <Buying@FleetParts.example>\r\n"
    b"To: Orders Desk <Orders@Distributor.example>, other@example.com\r\n"
    b"Subject: Order\r\n"
    b"Date: Fri, 20 Nov 2026 09:30:00 +0200\r\n"
    b"Message-ID: <1795.14701@fleetparts.example>\r\n"
)


def simple(body: bytes, content_type: bytes = b"text/plain; charset=utf-8") -> bytes:
    return HEAD + b"Content-Type: " + content_type + b"\r\n\r\n" + body


def multipart(*parts: bytes, subtype: bytes = b"mixed") -> bytes:
    head = HEAD + b"MIME-Version: 1.0\r\nContent-Type: multipart/" + subtype
    raw = head + b'; boundary="XX"\r\n\r\npreamble\r\n'
    for part in parts:
        raw += b"--XX\r\n" + part + b"\r\n"
    return raw + b"--XX--\r\n"


def order_with_attachment(payload: bytes, filename: str = "order.csv") -> bytes:
    message = EmailMessage()
    message["From"] = "buying@fleetparts.example"
    message["To"] = "orders@distributor.example"
    message["Subject"] = "Order"
    message["Message-ID"] = "<a1@fleetparts.example>"
    message.set_content("Order attached.\n")
    message.add_attachment(payload, maintype="text", subtype="csv", filename=filename)
    return message.as_bytes()


def text_fields(message: ParsedMessage) -> list[str]:
    fields = [message.message_id, message.from_address, message.from_name, message.subject]
    fields += [message.in_reply_to, message.text, *message.to, *message.reply_to]
    fields += [*message.references, *message.defects, *(a.filename for a in message.attachments)]
    fields += [value for found in message.forwarded for value in (found.name, found.text)]
    fields += [value for values in message.headers.values() for value in values]
    return [*fields, *message.headers]


def test_simple_text_mail() -> None:
    """A plain text mail gives its ids, lower-case addresses, decoded subject, aware date, text."""
    message = parse_message(simple(b"BPW-0310 x 2\r\n5 x SAF-2234\r\n"))
    assert message.message_id == "1795.14701@fleetparts.example"
    assert message.from_address == "buying@fleetparts.example"
    assert message.from_name == "Fleet Parts Ltd"
    assert message.to == ("orders@distributor.example", "other@example.com")
    assert message.subject == "Order"
    assert message.date == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    assert message.text == "BPW-0310 x 2\n5 x SAF-2234"
    assert message.attachments == ()
    assert message.defects == ()


def test_headers_are_lower_case_with_every_value_decoded() -> None:
    """headers maps lower-case names to all their values, unfolded and RFC 2047 decoded."""
    raw = (
        b"Received: from a\r\n by b\r\nReceived: from c\r\n"
        b"X-Note: =?utf-8?q?caf=C3=A9?= =?utf-8?b?0JfQsNC60LDQtw==?=\r\n"
        b"Subject: =?utf-8?b?0JfQsNC60LDQtyDQvdCwINC30LDQv9GH0LDRgdGC0Lg=?=\r\n"
    ) + simple(b"x")
    message = parse_message(raw)
    assert message.headers["received"] == ("from a by b", "from c")
    assert message.header("X-NOTE") == "caféЗаказ"
    assert message.subject == "Заказ на запчасти"


def test_reply_ids_lose_their_brackets() -> None:
    """In-Reply-To and References give bare message ids, in order."""
    raw = (
        b"In-Reply-To: <quote-1@distributor.example> (our quote)\r\n"
        b"References: <a@x>\r\n <quote-1@distributor.example>\r\n"
    ) + simple(b"AGREE")
    message = parse_message(raw)
    assert message.in_reply_to == "quote-1@distributor.example"
    assert message.references == ("a@x", "quote-1@distributor.example")


def test_multipart_alternative_reads_the_plain_part() -> None:
    """Of text/plain and text/html alternatives, the text is the plain part."""
    raw = multipart(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nABC-1 x 5",
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>ignored <b>html</b></p>",
        subtype=b"alternative",
    )
    message = parse_message(raw)
    assert message.text == "ABC-1 x 5"
    assert message.attachments == ()


def test_all_text_parts_are_joined() -> None:
    """Several text/plain body parts (around an inline image) are joined in order."""
    raw = multipart(
        b"Content-Type: text/plain\r\n\r\nABC-1 x 5",
        b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=",
        b"Content-Type: text/plain\r\n\r\nDEF-2 x 3",
    )
    message = parse_message(raw)
    assert message.text == "ABC-1 x 5\nDEF-2 x 3"
    assert [a.content_type for a in message.attachments] == ["image/png"]


def test_html_only_table_becomes_pipe_rows() -> None:
    """An HTML-only body comes out as plain lines, its table as "cell | cell" rows."""
    html = (
        b"<html><body><p>Please ship:</p><table border=1>"
        b"<tr><th>SKU</th><th>Qty</th></tr>"
        b"<tr><td><b>ABC-1</b></td><td> 5 </td></tr>"
        b"<tr><td>XYZ-2&nbsp;</td><td>10</td></tr></table>"
        b'<p>- <a href="http://x.example">Sam</a> &amp; co<br>1. first</p></body></html>'
    )
    message = parse_message(simple(html, b"text/html; charset=utf-8"))
    lines = message.text.splitlines()
    assert "SKU | Qty" in lines
    assert "ABC-1 | 5" in lines
    assert "XYZ-2 | 10" in lines
    assert "- Sam & co" in lines
    assert "1. first" in lines
    assert "---" not in message.text
    assert "**" not in message.text


def test_cp1251_body_without_charset_is_guessed() -> None:
    """An 8-bit Windows-1251 body without a charset decodes, and the guess is a defect."""
    body = "Добрый день! Просим принять заказ.".encode("cp1251")
    message = parse_message(simple(body, b"text/plain"))
    assert message.text == "Добрый день! Просим принять заказ."
    assert any("windows-1251" in defect for defect in message.defects)


def test_cp1251_body_with_charset() -> None:
    """A body in its declared windows-1251 charset decodes with no defect."""
    body = "Промокод: SPRING25".encode("cp1251")
    message = parse_message(simple(body, b"text/plain; charset=windows-1251"))
    assert message.text == "Промокод: SPRING25"
    assert message.defects == ()


def test_koi8r_body_without_charset_is_told_from_cp1251() -> None:
    """An undeclared KOI8-R body is read as KOI8-R, not as Windows-1251."""
    body = "Добрый день, заказ во вложении".encode("koi8-r")
    assert parse_message(simple(body, b"text/plain")).text == "Добрый день, заказ во вложении"


def test_latin1_label_over_utf8_text_reads_utf8() -> None:
    """A body labelled ISO-8859-1 whose bytes are UTF-8 is read as UTF-8."""
    body = "Mulțumesc, comanda în atașament".encode()
    message = parse_message(simple(body, b"text/plain; charset=iso-8859-1"))
    assert message.text == "Mulțumesc, comanda în atașament"


def test_utf8_with_a_broken_byte_stays_utf8() -> None:
    """A UTF-8 body with one stray byte is read as UTF-8, the stray byte replaced."""
    body = "Заказ: ABC-1 x 5, доставка завтра".encode() + b"\xff"
    message = parse_message(simple(body))
    assert message.text == "Заказ: ABC-1 x 5, доставка завтра\ufffd"
    assert any("invalid bytes replaced" in defect for defect in message.defects)


def test_unknown_charset_falls_back() -> None:
    """An unknown charset name does not stop the body from being read."""
    message = parse_message(simple("ABC-1 x 5 — ok".encode(), b"text/plain; charset=x-nonsense"))
    assert message.text == "ABC-1 x 5 — ok"
    assert any("x-nonsense" in defect for defect in message.defects)


def test_koi8r_encoded_word_filename() -> None:
    """A folded KOI8-R RFC 2047 file name, as Outlook writes it, is decoded."""
    first = base64.b64encode("Ведомости ".encode("koi8-r")).decode()
    second = base64.b64encode("ноябрь.pdf".encode("koi8-r")).decode()
    part = (
        f'Content-Type: application/pdf; name="=?koi8-r?B?{first}?="\r\n'
        f'Content-Disposition: attachment; filename="=?koi8-r?B?{first}?=\r\n'
        f' =?koi8-r?B?{second}?="\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n'
    ).encode()
    message = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nsee file", part))
    assert message.attachments == (Attachment("Ведомости ноябрь.pdf", "application/pdf", b"%PDF-"),)


def test_raw_8bit_koi8r_filename() -> None:
    """A file name in raw KOI8-R bytes (no encoding at all) is decoded."""
    part = b'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="'
    part += "Заказ.csv".encode("koi8-r") + b'"\r\n\r\nSKU;Qty\r\n'
    message = parse_message(multipart(part))
    assert message.attachments[0].filename == "Заказ.csv"


def test_rfc2231_filename_continuations() -> None:
    """RFC 2231 continued, percent-encoded UTF-8 file names are joined and decoded."""
    part = (
        b"Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7_%D0%BD%D0%BE%D1%8F%D0%B1;\r\n"
        b" filename*1*=%D1%80%D1%8C.csv\r\n\r\nU0tVOzU=\r\n"
    )
    message = parse_message(multipart(b"Content-Type: text/plain\r\n\r\nhi", part))
    assert message.attachments == (Attachment("заказ_ноябрь.csv", "text/csv", b"SKU;5"),)


def test_filename_keeps_no_directories() -> None:
    """Only the base name of a file name with a path is kept."""
    part = b'Content-Type: text/csv\r\nContent-Disposition: attachment; filename="..\\\\x/../o.csv"'
    message = parse_message(multipart(part + b"\r\n\r\nSKU;Qty"))
    assert message.attachments[0].filename == "o.csv"


def test_base64_attachment_bytes_equal_the_original() -> None:
    """An attachment's payload is the decoded bytes, every byte value intact."""
    original = bytes(range(256)) * 40
    message = parse_message(order_with_attachment(original, "заказ.csv"))
    assert message.attachments == (Attachment("заказ.csv", "text/csv", original),)
    assert message.text == "Order attached."


def test_unnamed_attachment_has_an_empty_deterministic_name() -> None:
    """A part without a file name gets "" (never a random name): parsing is repeatable."""
    raw = multipart(b"Content-Type: text/plain\r\n\r\nhi", b"Content-Type: text/csv\r\n\r\nA;1")
    first, second = parse_message(raw), parse_message(raw)
    assert first.attachments == (Attachment("", "text/csv", b"A;1"),)
    assert first == second


def test_broken_base64_attachment_is_kept_with_a_defect() -> None:
    """Base64 with stray characters or a bad length is decoded as far as it goes, and noted."""
    base64_part = b"Content-Type: text/csv; name=%s\r\nContent-Transfer-Encoding: base64\r\n\r\n%s"
    stray = base64_part % (b"a.csv", b"U0tV!OzU=")
    short = base64_part % (b"b.csv", b"U0tVOzUx2")
    message = parse_message(multipart(stray, short))
    payloads = {a.filename: a.payload for a in message.attachments}
    assert payloads == {"a.csv": b"SKU;5", "b.csv": b"SKU;51"}
    assert any("'a.csv'" in defect for defect in message.defects)
    assert any("'b.csv'" in defect for defect in message.defects)


def test_bytes_that_are_not_mime_at_all() -> None:
    """Bytes that are no mail at all parse to an empty sender and listed defects."""
    message = parse_message(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe binary junk")
    assert message.from_address == ""
    assert "no sender address in From" in message.defects
    assert all(isinstance(defect, str) and defect for defect in message.defects)


def test_empty_bytes() -> None:
    """Empty input gives an empty message that says what is missing."""
    message = parse_message(b"")
    assert (message.from_address, message.message_id, message.text) == ("", "", "")
    assert {"no sender address in From", "no Message-ID"} <= set(message.defects)


def test_missing_from() -> None:
    """A mail without From has an empty sender and a defect saying so."""
    message = parse_message(b"To: orders@distributor.example\r\nSubject: hi\r\n\r\nABC-1 x 1")
    assert (message.from_address, message.from_name) == ("", "")
    assert message.text == "ABC-1 x 1"
    assert "no sender address in From" in message.defects


def test_broken_encoded_word_in_from_still_gives_the_sender() -> None:
    """A From name with broken base64 (mail-parser raises on it) still yields sender and body."""
    raw = b"From: =?utf-8?b?0?= <Zakaz@vector-trans.example>\r\nSubject: Re\r\n\r\nAGREE"
    message = parse_message(raw)
    assert message.from_address == "zakaz@vector-trans.example"
    assert message.text == "AGREE"
    assert any(defect.startswith("mail-parser failed") for defect in message.defects)


def test_raw_utf8_headers() -> None:
    """Raw UTF-8 header bytes (RFC 6532) are read as UTF-8 without defects."""
    raw = "From: Иван Петров <Ivan@Example.com>\r\nSubject: Заказ №5\r\n".encode()
    message = parse_message(raw + simple(b"x"))
    assert (message.from_name, message.from_address) == ("Иван Петров", "ivan@example.com")
    assert message.subject == "Заказ №5"
    assert not any("header" in defect for defect in message.defects)


def test_raw_cp1251_headers() -> None:
    """Raw Windows-1251 header bytes are guessed, names included, and the guess is noted."""
    raw = "From: Иван Петров <ivan@example.com>\r\nSubject: Заказ на запчасти\r\n"
    message = parse_message(raw.encode("cp1251") + b"\r\nABC-1 x 1")
    assert (message.from_name, message.from_address) == ("Иван Петров", "ivan@example.com")
    assert message.subject == "Заказ на запчасти"
    assert "header subject: 8-bit text without charset, read as windows-1251" in message.defects


def test_nested_message_is_an_attachment_not_body_text() -> None:
    """An attached message/rfc822 is kept whole as an attachment; its text is not the body."""
    inner = b"From: a@b.example\r\nSubject: Earlier\r\nMessage-ID: <in@b>\r\n\r\nOLD-1 x 99\r\n"
    raw = multipart(
        b"Content-Type: text/plain\r\n\r\nForwarding the earlier mail.",
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" + inner,
    )
    message = parse_message(raw)
    assert message.text == "Forwarding the earlier mail."
    (attachment,) = message.attachments
    assert attachment.content_type == "message/rfc822"
    assert parse_message(attachment.payload).message_id == "in@b"


def test_quoted_reply_keeps_only_the_new_text() -> None:
    """A reply's quoted earlier mail is removed from text."""
    body = (
        "AGREE\n\nСогласны, отгружайте.\n\n20.11.2026 10:31, orders@distributor.example пишет:\n"
        "> Quote ORD-2026-000042\n> BPW-0310 x 2\n"
    )
    message = parse_message(simple(body.encode()))
    assert message.text == "AGREE\n\nСогласны, отгружайте."


def test_parts_after_the_closing_boundary_are_recovered() -> None:
    """An attachment a broken mailer put after the closing boundary is still found."""
    raw = multipart(b"Content-Type: text/plain\r\n\r\nsee file")
    raw += b"--XX\r\nContent-Type: text/csv; name=late.csv\r\n\r\nA;1\r\n--XX--\r\n"
    message = parse_message(raw)
    assert [a.filename for a in message.attachments] == ["late.csv"]
    assert any("recovered" in defect for defect in message.defects)


VALID = order_with_attachment(bytes(range(256)) * 4, "заказ ноябрь.csv")
MIME_TOKENS: tuple[bytes, ...] = (
    b"\r\n",
    b"\r\n\r\n",
    b"--",
    b"=?utf-8?b?",
    b"?=",
    b":",
    b";",
    b'"',
    b"\xd0",
    b"=",
)
MIME_TOKENS += (b"Content-Type: multipart/mixed; boundary=x\r\n", b"charset=koi8-r", b"\x00")


def check_invariants(message: ParsedMessage) -> None:
    assert not any("could not be read" in defect for defect in message.defects)
    for value in text_fields(message):
        value.encode("utf-8")  # no lone surrogates reach the database
    assert all(isinstance(a.payload, bytes) for a in message.attachments)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    """parse_message returns a message, with text fit for storage, for any bytes."""
    check_invariants(parse_message(raw))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=30),
    st.lists(st.tuples(st.integers(0, len(VALID)), st.sampled_from(MIME_TOKENS)), max_size=5),
    st.integers(0, len(VALID)),
)
def test_never_raises_on_mutated_mail(
    flips: list[tuple[int, int]], inserts: list[tuple[int, bytes]], length: int
) -> None:
    """Byte flips, MIME tokens spliced in and truncation of a real mail never make it raise."""
    raw = bytearray(VALID)
    for position, value in flips:
        raw[position] = value
    for position, token in sorted(inserts, reverse=True):
        raw[position:position] = token
    check_invariants(parse_message(bytes(raw[:length])))


def test_valid_fixture_round_trips() -> None:
    """The property tests' base message parses cleanly, so mutations start from good mail."""
    message = parse_message(VALID)
    assert message.defects == ()
    assert message.attachments[0].payload == bytes(range(256)) * 4
    assert email.message_from_bytes(VALID).is_multipart()


def test_mixed_rfc2231_continuations_do_not_break_parsing() -> None:
    """A part whose file name mixes numbered and unnumbered RFC 2231 parameters still parses."""
    raw = (
        b"From: a@x.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nBPW-0310 x 2\r\n--b\r\n"
        b"Content-Type: text/csv\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''a.csv; filename*0=b\r\n\r\n"
        b"sku;qty\r\n--b--\r\n"
    )
    message = parse_message(raw)
    check_invariants(message)
    assert message.from_address == "a@x.example"
    assert "BPW-0310 x 2" in message.text
    assert [a.payload for a in message.attachments] == [b"sku;qty"]


def _mixed(content_type: bytes, boundary: bytes) -> bytes:
    text = b"Content-Type: text/plain\r\n\r\nABC-1 x 5\r\n"
    csv = (
        b"Content-Type: text/csv\r\nContent-Disposition: attachment; filename=o.csv\r\n\r\nA;1\r\n"
    )
    body = b"--" + boundary + b"\r\n" + text + b"--" + boundary + b"\r\n" + csv
    return HEAD + b"MIME-Version: 1.0\r\nContent-Type: " + content_type + b"\r\n\r\n" + body


def test_parts_are_split_at_the_boundary_the_body_uses() -> None:
    """A multipart whose declared boundary is wrong or missing is split at the one in its body."""
    for content_type in (b'multipart/mixed; boundary="declared"', b"multipart/mixed"):
        message = parse_message(_mixed(content_type, b"=_used_1"))
        assert message.text == "ABC-1 x 5"
        assert [a.filename for a in message.attachments] == ["o.csv"]
        assert any("parts split at '=_used_1'" in defect for defect in message.defects)


def test_a_dash_line_in_a_body_is_no_boundary() -> None:
    """A multipart without parts whose text only has a "-- " signature stays unread, noted."""
    raw = HEAD + b"Content-Type: multipart/mixed\r\n\r\nHello\r\n-- \r\nSam\r\n--\r\n"
    message = parse_message(raw)
    assert message.attachments == ()
    assert "multipart/mixed part without parts: its content was ignored" in message.defects


def test_files_inside_forwarded_messages_are_attachments_too() -> None:
    """Files in attached messages, at any depth, are attachments; their text is not the body."""
    inner = multipart(
        b"Content-Type: text/plain\r\n\r\nOLD-1 x 99",
        b"Content-Type: text/csv; name=deep.csv\r\n\r\nA;1",
    )
    for level in range(5):
        boundary = b"fw%d" % level
        inner = (
            HEAD + b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
            b"--" + boundary + b"\r\nContent-Type: text/plain\r\n\r\nforwarded %d\r\n" % level
            + b"--" + boundary + b"\r\nContent-Type: message/rfc822\r\n\r\n" + inner
            + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    message = parse_message(inner)
    assert message.text == "forwarded 4"
    types = [(a.filename, a.content_type) for a in message.attachments]
    assert types == [("", "message/rfc822"), ("deep.csv", "text/csv")]


def test_a_message_nested_too_deep_still_has_its_sender() -> None:
    """Multiparts nested thousands deep: the headers are read alone and the body is a defect."""
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n" % (n, n)
        for n in range(3000)
    )
    message = parse_message(HEAD + opening + b"Content-Type: text/plain\r\n\r\nABC-1 x 5\r\n")
    assert message.from_address == "buying@fleetparts.example"
    assert any("headers read alone" in defect for defect in message.defects)


def test_cp1251_declared_as_koi8r_is_read_as_cp1251() -> None:
    """Windows-1251 text labelled KOI8-R (or the reverse) is read in the code page it is in."""
    text = "Добрый день! Прошу выставить счёт.\r\nBPW-0310 — 4 шт"
    message = parse_message(simple(text.encode("cp1251"), b"text/plain; charset=koi8-r"))
    assert message.text == text.replace("\r\n", "\n")
    assert "text/plain body: charset 'koi8-r' declared over windows-1251 text" in message.defects
    reverse = text.replace("—", "-")
    message = parse_message(simple(reverse.encode("koi8-r"), b"text/plain; charset=windows-1251"))
    assert message.text == reverse.replace("\r\n", "\n")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="QUJDRGVm+/=\r\n !*\xe9", max_size=40))
def test_base64_is_decoded_as_the_email_package_decodes_it(encoded: str) -> None:
    """Any base64 text, broken or not, gives the email package's bytes and defects."""
    raw = multipart(
        b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded.encode("latin-1")
    )
    (reference,) = [p for p in email.message_from_bytes(raw).walk() if p.get_filename()]
    expected = reference.get_payload(decode=True)
    (attachment,) = parse_message(raw).attachments
    if not any(isinstance(d, errors.InvalidBase64LengthDefect) for d in reference.defects):
        assert attachment.payload == expected
    mine = email.message_from_bytes(raw)
    (part,) = [p for p in mine.walk() if p.get_filename()]
    if not encoded.isascii():  # left to the email package
        assert _base64(part) is None
        return
    assert _base64(part) == expected
    assert [type(d) for d in part.defects] == [type(d) for d in reference.defects]


def mail(subject: str, body: str, sender: str = "buying@fleetparts.example") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "orders@distributor.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash((subject, body)))}@fleetparts.example>"
    message.set_content(body)
    return message


OUTLOOK_FORWARD = (
    "Please quote the order below.\n\n________________________________\n"
    "From: Ion Rusu <ion@autotrans.example>\nSent: Friday, November 20, 2026 10:31 AM\n"
    "To: buying@fleetparts.example\nSubject: Order\n\nHello,\nBPW-0389-0100 x 2\n"
)


def test_inline_forward_is_read_when_the_subject_says_forward() -> None:
    """An Outlook inline forward (subject "FW:") keeps the forwarded order line in text."""
    message = parse_message(mail("FW: Order", OUTLOOK_FORWARD).as_bytes())
    assert message.text == "Please quote the order below.\n\nHello,\nBPW-0389-0100 x 2"


def test_inline_block_in_a_reply_is_cut() -> None:
    """The same block under a "RE:" subject is quoted earlier mail and is removed."""
    message = parse_message(mail("RE: Order", OUTLOOK_FORWARD).as_bytes())
    assert message.text == "Please quote the order below."


def test_apple_html_forward_is_read() -> None:
    """An Apple Mail HTML forward (forwarded text in a blockquote) keeps the order line."""
    outer = mail("Fwd: Order", "")
    outer.set_content(
        "<div>Please quote<div>Begin forwarded message:</div><blockquote type=cite>"
        "<div><b>From: </b>Ion &lt;ion@autotrans.example&gt;</div><div><b>Subject: </b>Order"
        "</div><div><b>Date: </b>20 November 2026 at 10:31</div><div><b>To: </b>o@d.example"
        "</div><br><div>BPW-0389-0100 x 2</div></blockquote></div>",
        subtype="html",
    )
    assert parse_message(outer.as_bytes()).text == "Please quote\n\nBPW-0389-0100 x 2"


def forward_of(inner: EmailMessage, filename: str | None = None) -> bytes:
    outer = mail("FW: Order", "See the attached mail.")
    outer.add_attachment(inner, filename=filename)
    return outer.as_bytes()


def test_attached_forward_text_is_read() -> None:
    """An attached message's text goes to `forwarded`, named by its subject; not to text."""
    inner = mail("Order 42", "Hello,\nBPW-0389-0100 x 2\n", sender="ion@autotrans.example")
    message = parse_message(forward_of(inner))
    assert message.text == "See the attached mail."
    assert message.forwarded == (ForwardedText("Order 42", "Hello,\nBPW-0389-0100 x 2"),)
    assert [a.content_type for a in message.attachments] == ["message/rfc822"]


def test_attached_forward_of_our_own_mail_is_not_read() -> None:
    """mailbot's own quote forwarded back as an attachment is not forwarded text to read."""
    inner = mail(
        "Quote ORD-1", "  1. BPW-0389-0100\n     2 × €84.00", sender="Desk <orders@desk.example>"
    )
    assert parse_message(forward_of(inner), {"orders@desk.example"}).forwarded == ()
    assert parse_message(forward_of(inner)).forwarded != ()


def test_attached_forward_is_named_by_its_file_name() -> None:
    """An attached message with a file name (Outlook "forward as attachment") is named by it."""
    message = parse_message(forward_of(mail("Order 42", "BPW-0389-0100 x 2"), "forward.eml"))
    assert message.forwarded == (ForwardedText("forward.eml", "BPW-0389-0100 x 2"),)


def test_message_global_is_read_like_rfc822() -> None:
    """An attached message/global (internationalised mail) is read as a forward too."""
    raw = forward_of(mail("Order 42", "BPW-0389-0100 x 2"))
    message = parse_message(raw.replace(b"message/rfc822", b"message/global"))
    assert message.forwarded == (ForwardedText("Order 42", "BPW-0389-0100 x 2"),)


def test_attached_html_only_forward_is_turned_to_text() -> None:
    """An attached message with only an HTML body is read through html_to_text."""
    inner = mail("Comandă", "")
    inner.set_content(
        "<p>Bună ziua,</p><table><tr><td>Cod</td><td>Cantitate</td></tr>"
        "<tr><td>BPW-0389-0100</td><td>2</td></tr></table>",
        subtype="html",
    )
    (forwarded,) = parse_message(forward_of(inner)).forwarded
    assert forwarded == ForwardedText("Comandă", "Bună ziua,\n\nCod | Cantitate\nBPW-0389-0100 | 2")


def test_attached_cp1251_forward_is_decoded() -> None:
    """An attached message in Windows-1251, declared or not, is decoded to its Russian text."""
    text = "Добрый день!\nBPW-0389-0100 — 2 шт"
    for params in ({"charset": "windows-1251"}, {}):
        inner = mail("Заказ", "")
        inner.set_content(
            text.encode("cp1251"), maintype="text", subtype="plain", cte="8bit", params=params
        )
        (forwarded,) = parse_message(forward_of(inner)).forwarded
        assert forwarded == ForwardedText("Заказ", text)


def test_attached_reply_loses_its_quote_and_forward_keeps_its_forward() -> None:
    """An attached reply loses the mail it quotes; an attached inline forward keeps its text."""
    reply = mail("RE: Order", "AGREE\n\nOn Fri, 20 Nov 2026, Orders Desk wrote:\n> OLD-1 x 9\n")
    forward = mail("FW: Order", OUTLOOK_FORWARD)
    outer = mail("FW: two mails", "Both attached.")
    outer.add_attachment(reply)
    outer.add_attachment(forward)
    message = parse_message(outer.as_bytes())
    assert [found.text for found in message.forwarded] == [
        "AGREE",
        "Please quote the order below.\n\nHello,\nBPW-0389-0100 x 2",
    ]


def test_returned_mail_of_a_delivery_report_is_no_forward() -> None:
    """A delivery or read report's returned message is kept as a file, not read as a forward."""
    for report_type in ("delivery-status", "disposition-notification"):
        report = MIMEMultipart("report", report_type=report_type)
        report["From"] = "MAILER-DAEMON@fleetparts.example"
        report["Subject"] = "Undelivered Mail Returned to Sender"
        report.attach(MIMEText("The mail could not be delivered."))
        fields = Message()
        fields["Reporting-MTA"] = "dns; mx.example"
        fields["Final-Recipient"] = "rfc822; orders@distributor.example"
        status = MIMENonMultipart("message", report_type)
        status.set_payload([fields])
        report.attach(status)
        report.attach(MIMEMessage(mail("Quote ORD-2026-000042", "BPW-0310 x 2")))
        message = parse_message(report.as_bytes())
        assert message.forwarded == ()
        assert message.text == "The mail could not be delivered."
        assert "message/rfc822" in [a.content_type for a in message.attachments]


def test_attached_messages_are_read_three_deep() -> None:
    """Messages attached inside attached messages are read down to three levels, then noted."""
    inner = mail("level 5", "BPW-0005 x 5")
    for level in range(4, 0, -1):
        outer = mail(f"level {level}", f"BPW-000{level} x {level}")
        outer.add_attachment(inner)
        inner = outer
    message = parse_message(forward_of(inner))
    assert message.forwarded == tuple(
        ForwardedText(f"level {level}", f"BPW-000{level} x {level}") for level in (1, 2, 3)
    )
    assert "attached message more than 3 deep: its text was not read" in message.defects


FORWARD = forward_of(mail("RE: Заказ", OUTLOOK_FORWARD + "\n> BPW-0310 x 2\n"), "forward.eml")


@settings(max_examples=200, deadline=None)
@example(flips=[(608, 11)], inserts=[], length=617)  # a header the generator cannot write again
@example(flips=[(346, 128)], inserts=[(306, b"\x00")], length=348)  # a NUL in a charset name
@given(
    st.lists(st.tuples(st.integers(0, len(FORWARD) - 1), st.integers(0, 255)), max_size=30),
    st.lists(st.tuples(st.integers(0, len(FORWARD)), st.sampled_from(MIME_TOKENS)), max_size=5),
    st.integers(0, len(FORWARD)),
)
def test_never_raises_on_a_mutated_attached_forward(
    flips: list[tuple[int, int]], inserts: list[tuple[int, bytes]], length: int
) -> None:
    """Byte flips, MIME tokens and truncation of a mail with an attached forward never raise."""
    raw = bytearray(FORWARD)
    for position, value in flips:
        raw[position] = value
    for position, token in sorted(inserts, reverse=True):
        raw[position:position] = token
    check_invariants(parse_message(bytes(raw[:length])))


def test_attached_forward_fixture_reads_cleanly() -> None:
    """The mutation test's base mail reads its attached reply without the quoted lines."""
    message = parse_message(FORWARD)
    assert message.defects == ()
    assert message.forwarded == (ForwardedText("forward.eml", "Please quote the order below."),)


def test_a_line_break_in_the_from_name_is_named_as_the_senders_problem() -> None:
    """A line break inside the quoted From name ends the header block: no sender is read, and
    `sender_problem` says why; a From without any address says so too; no From says nothing."""
    cut = parse_message(
        b'From: "Fleet\r\nParts" <buying@fleetparts.example>\r\nSubject: o\r\n\r\nBPW-0310 x 1\r\n'
    )
    assert cut.from_address == ""
    assert cut.sender_problem == ("a line break inside the From header cut it short: '\"Fleet'")
    bare = parse_message(b"From: the purchasing office\r\nSubject: o\r\n\r\nBPW-0310 x 1\r\n")
    assert bare.sender_problem == "no address in the From header: 'the purchasing office'"
    assert parse_message(b"Subject: o\r\n\r\nBPW-0310 x 1\r\n").sender_problem == ""
    assert parse_message(b"From: a@b.example\r\n\r\nx\r\n").sender_problem == ""


def test_a_body_nested_too_deep_is_marked_unread() -> None:
    """Multiparts nested thousands deep are read by their headers alone, marked `nested`."""
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="d%d"\r\n\r\n--d%d\r\n' % (n, n)
        for n in range(3_000)
    )
    message = parse_message(b"From: a@b.example\r\nSubject: o\r\n" + opening + b"x\r\n")
    assert (message.from_address, message.unread) == ("a@b.example", "nested")
    assert parse_message(b"From: a@b.example\r\n\r\nx\r\n").unread == ""
