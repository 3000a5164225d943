"""Composing replies: threading headers, parts, encodings and attachments."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.outbound.compose import ComposedMail, compose, made_here
from mailbot.outbound.render import RenderedMail

NOW = datetime(2024, 3, 5, 14, 7, 9, tzinfo=UTC)
RENDERED = RenderedMail(
    subject="Предложение ORD-000042",
    text="Здравствуйте!\nИтого: 1\xa0234,50\xa0€\n",
    html="<p>Здравствуйте!</p><p>Итого: 1\xa0234,50\xa0€</p>\n",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build(
    rendered: RenderedMail = RENDERED,
    *,
    to: str = "Иван Петров <ivan@client.example>",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    message_id: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    answering: bool = True,
) -> ComposedMail:
    return compose(
        rendered,
        sender="Order desk <orders@distributor.example>",
        to=to,
        domain="distributor.example",
        in_reply_to=in_reply_to,
        references=references,
        message_id=message_id,
        attachments=attachments,
        answering=answering,
        now=NOW,
    )


def parse(mail: ComposedMail) -> EmailMessage:
    message = email.message_from_bytes(mail.raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_headers_decode_back() -> None:
    """From, To, the Russian subject and Date read back as given."""
    message = parse(build())
    assert message["Subject"] == "Предложение ORD-000042"
    assert message["From"] == "Order desk <orders@distributor.example>"
    assert message["To"].addresses[0].display_name == "Иван Петров"
    assert message["To"].addresses[0].addr_spec == "ivan@client.example"
    assert parsedate_to_datetime(message["Date"]) == NOW


def test_date_keeps_the_offset_of_now() -> None:
    """Date is written from `now`, whatever its zone."""
    now = datetime(2024, 3, 5, 16, 7, tzinfo=timezone(timedelta(hours=2)))
    mail = compose(RENDERED, sender="a@b.example", to="c@d.example", domain="b.example", now=now)
    assert parsedate_to_datetime(parse(mail)["Date"]) == now


def test_naive_now_is_refused() -> None:
    """A naive `now` is a programming error: Date must carry a zone."""
    with pytest.raises(ValueError, match="aware"):
        compose(RENDERED, sender="a@b.example", to="c@d.example", domain="b", now=datetime.now())


def test_message_id_is_generated_once_and_returned() -> None:
    """A new Message-ID is <random@domain>, in the header and in the result, and unique."""
    first, second = build(), build()
    assert first.message_id.startswith("<")
    assert first.message_id.endswith("@distributor.example>")
    assert parse(first)["Message-ID"] == first.message_id
    assert first.message_id != second.message_id
    assert first.to == "Иван Петров <ivan@client.example>"


def test_only_ids_of_composes_shape_can_be_mailbots_own() -> None:
    """The ids compose makes are recognised with or without brackets; ids other mailers make
    (and mailbot's domain with another local part) are not, so they are never looked up."""
    made = build().message_id
    assert all(made_here(form) for form in (made, made.strip("<>"), f" {made} "))
    for other in (
        "<CAF=abc123@mail.gmail.com>",
        "<AM0PR01MB1234.eurprd01.prod.outlook.com>",
        "<1234.5678@distributor.example>",
        f"<{'0' * 31}@distributor.example>",
        f"<{'A' * 32}@distributor.example>",
        "",
    ):
        assert not made_here(other), other


def test_given_message_id_is_kept() -> None:
    """A retry composes with the stored Message-ID, with or without angle brackets."""
    assert build(message_id="<abc.1@distributor.example>").message_id == (
        "<abc.1@distributor.example>"
    )
    mail = build(message_id="abc.1@distributor.example")
    assert parse(mail)["Message-ID"] == "<abc.1@distributor.example>"


def test_invalid_given_message_id_is_refused() -> None:
    """A stored Message-ID that is not an id at all fails instead of sending something else."""
    with pytest.raises(ValueError, match="Message-ID"):
        build(message_id="not an id")


def test_threading_headers() -> None:
    """In-Reply-To names the parent; References is the given ids then the parent, each once."""
    message = parse(
        build(
            in_reply_to="parent@client.example",
            references=["<root@client.example>", "mid@client.example", "<parent@client.example>"],
        )
    )
    assert message["In-Reply-To"] == "<parent@client.example>"
    assert message["References"].split() == [
        "<root@client.example>",
        "<mid@client.example>",
        "<parent@client.example>",
    ]


def test_references_accepts_a_whole_header_value() -> None:
    """A References header value with several ids in one string is split into ids."""
    message = parse(build(in_reply_to="<c@x>", references=["<a@x> <b@x>", "<b@x><c@x>"]))
    assert message["References"].split() == ["<a@x>", "<b@x>", "<c@x>"]


def test_no_threading_headers_for_a_first_message() -> None:
    """Without a parent there is no In-Reply-To and no References."""
    message = parse(build())
    assert message["In-Reply-To"] is None
    assert message["References"] is None


def test_long_ids_are_folded_between_ids_never_encoded() -> None:
    """Long ids stay verbatim (no RFC 2047 words) and lines stay within 78 characters."""
    long_ids = [f"<CA0{'x' * 70}@mail.gmail.com>", "<s1@x>", "<s2@x>", f"<CB{'y' * 50}@x.org>"]
    mail = build(in_reply_to=long_ids[-1], references=long_ids)
    header_block = mail.raw.split(b"\r\n\r\n", 1)[0].decode()
    # Unfolded header lines: a continuation line starts with white space.
    headers = header_block.replace("\r\n ", " \x00").split("\r\n")
    threading = [h for h in headers if h.startswith(("References:", "In-Reply-To:"))]
    assert len(threading) == 2
    for header in threading:
        assert "=?" not in header
        # A line may pass 78 characters only when it holds a single id that cannot be split.
        assert all(len(line) <= 78 or line.count("<") == 1 for line in header.split("\x00"))
    references = next(h for h in threading if h.startswith("References:"))
    assert all(msg_id in references for msg_id in long_ids)
    message = parse(mail)
    assert message["References"].split() == long_ids
    assert message["In-Reply-To"] == long_ids[-1]


def test_long_thread_keeps_root_and_latest_references() -> None:
    """A long thread keeps the root id and the latest ones, 20 ids in all."""
    ids = [f"<m{i}@x>" for i in range(30)]
    refs = parse(build(in_reply_to="<m30@x>", references=ids))["References"].split()
    assert len(refs) == 20
    assert refs[0] == "<m0@x>"
    assert refs[-1] == "<m30@x>"
    assert refs[1] == "<m12@x>"


def test_malformed_ids_cannot_inject_headers() -> None:
    """Only well-formed ids reach the headers; line breaks and the text around ids are dropped."""
    mail = build(
        in_reply_to="<evil@x>\r\nBcc: victim@example.com",
        references=["no-at-sign", "<ok@x> (a comment)", "<a b@x>", "<ünï@x>", "bare x@y"],
    )
    message = parse(mail)
    assert b"victim" not in mail.raw
    assert message["Bcc"] is None
    assert message["In-Reply-To"] == "<evil@x>"
    assert message["References"] == "<ok@x> <evil@x>"


def test_auto_submitted_headers() -> None:
    """Replies are marked auto-replied (RFC 3834) and ask Exchange not to auto-answer."""
    message = parse(build())
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"


def test_mail_that_answers_nothing_is_auto_generated() -> None:
    """A digest, an order file or a reminder answers no message: RFC 3834's auto-generated,
    even when threaded under mailbot's own earlier mail."""
    message = parse(build(in_reply_to="<quote@distributor.example>", answering=False))
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"


def test_text_and_html_alternatives() -> None:
    """The body is multipart/alternative: the text part, then the HTML part, both UTF-8."""
    message = parse(build())
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == RENDERED.text
    assert html.get_content().replace("\r\n", "\n") == RENDERED.html
    assert message.get_body(preferencelist=("html",)) is html


def test_raw_is_seven_bit_with_crlf_lines() -> None:
    """The bytes are 7-bit ASCII with CRLF line ends, lines short enough for any relay."""
    long_line = "Строка " * 200
    raw = build(RenderedMail("Тема " * 30, long_line, f"<p>{long_line}</p>")).raw
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_mime_version_only_at_the_top() -> None:
    """MIME-Version appears once, in the top-level header."""
    raw = build(attachments=[("a.xlsx", XLSX, b"x")]).raw
    assert raw.count(b"MIME-Version:") == 1


def test_attachments_round_trip() -> None:
    """Attachments make a multipart/mixed with their names, types and exact bytes."""
    payload = bytes(range(256)) * 4
    message = parse(build(attachments=[("прайс.xlsx", XLSX, payload), ("n.txt", "", b"hi")]))
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Итого" in body.get_content()
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["прайс.xlsx", "n.txt"]
    assert attachments[0].get_content_type() == XLSX
    assert attachments[0].get_content() == payload
    assert attachments[1].get_content_type() == "application/octet-stream"


def header_lines(raw: bytes) -> list[str]:
    """The top-level header block, one entry per physical line."""
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


def test_subject_that_looks_encoded_cannot_inject_headers() -> None:
    """Partner text shaped like an RFC 2047 word with a line break reads back literally."""
    subject = "Price list =?utf-8?q?x=0D=0ABcc:_victim@evil.example?=.xlsx: 1 row imported"
    mail = build(RenderedMail(subject, "text\n", "<p>html</p>\n"))
    message = parse(mail)
    assert message["Bcc"] is None
    assert message["Subject"] == subject
    assert not any(line.startswith("Bcc") for line in header_lines(mail.raw))


@pytest.mark.parametrize(
    "to", ["a@b.example\r\nBcc: victim@x", "=?utf-8?q?a=0D=0ABcc:_v@x?= <a@b>"]
)
def test_address_with_a_line_break_is_refused(to: str) -> None:
    """A recipient that would carry a line break into the header fails instead of being sent."""
    with pytest.raises(ValueError, match=r"linefeed|CR or LF"):
        build(to=to)


def test_ascii_subject_is_written_plain_and_folded_at_spaces() -> None:
    """A long ASCII subject stays readable in the raw mail, folded between words."""
    name = "fleet-service-plan-brake-parts-brake-parts-brake-parts.xlsx:"
    subject = f"Price list {name} 1,200 rows imported, 3 rejected"
    mail = build(RenderedMail(subject, "text\n", "<p>html</p>\n"))
    lines = header_lines(mail.raw)
    start = lines.index("Subject: Price list")
    assert lines[start + 1].startswith(f" {name} 1,200")
    assert all(len(line) <= 78 for line in lines)
    assert parse(mail)["Subject"] == subject


def test_mostly_ascii_parts_are_quoted_printable() -> None:
    """English text and HTML are quoted-printable, so the raw mail stays readable."""
    rendered = RenderedMail(
        "Quote", "Dear Acme Ltd,\nTotal: €1,234.50\n", '<p class="x">Dear</p>\n'
    )
    mail = build(rendered)
    assert mail.raw.count(b"Content-Transfer-Encoding: quoted-printable") == 2
    assert b"Dear Acme Ltd," in mail.raw
    assert b'<p class=3D"x">Dear</p>' in mail.raw
    text, html = parse(mail).iter_parts()
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html


def test_cyrillic_parts_are_base64() -> None:
    """Mostly Cyrillic parts are base64, about half the size quoted-printable would take."""
    mail = build()
    assert mail.raw.count(b"Content-Transfer-Encoding: base64") == 2
    assert b"=D0" not in mail.raw


def test_text_line_ends_and_trailing_space_survive() -> None:
    """Lone CR and LF become CRLF; trailing spaces and a lone dot come back unchanged."""
    rendered = RenderedMail("x", "a \r\n.\rb\t\n\n-- \nend", "<p>x</p>")
    text, html = parse(build(rendered)).iter_parts()
    assert text.get_content().replace("\r\n", "\n") == "a \n.\nb\t\n\n-- \nend\n"
    assert html.get_content().replace("\r\n", "\n") == "<p>x</p>\n"


TOP_LEVEL_FIELDS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
    "MIME-Version",
    "Content-Type",
}

# Subjects as the Renderer leaves them: single spaces, no line breaks, no leading space.
subjects = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300).map(
    lambda text: " ".join(text.split())
)
bodies = st.text(st.characters(blacklist_categories=("Cs",)), max_size=2000)


@settings(max_examples=200, deadline=None)
@given(subject=subjects, text=bodies, html=bodies)
def test_any_subject_and_body_round_trip(subject: str, text: str, html: str) -> None:
    """Whatever the text, the raw mail is 7-bit with short CRLF lines and reads back as given."""
    mail = build(RenderedMail(subject, text, html))
    assert mail.raw.isascii()
    assert b"\n" not in mail.raw.replace(b"\r\n", b"")
    assert max(len(line) for line in mail.raw.split(b"\r\n")) <= 78
    message = parse(mail)
    assert message["Subject"] == subject
    assert set(message.keys()) == TOP_LEVEL_FIELDS
    for part, given_text in zip(message.iter_parts(), (text, html), strict=True):
        assert isinstance(part, EmailMessage)
        # Each line break (CR, LF or CRLF) becomes CRLF, and a part always ends with one.
        lines = given_text.encode().splitlines()
        assert part.get_content().replace("\r\n", "\n") == b"\n".join(lines).decode() + "\n"


def test_attachment_name_that_would_break_its_header_is_refused() -> None:
    """A file name whose encoded form would put a line break into the part's header fails."""
    with pytest.raises(ValueError, match="break the mail"):
        build(attachments=[("=?utf-8?q?a=0D=0AContent-Type:_text/html?=.xlsx", XLSX, b"x")])
