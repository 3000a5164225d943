"""strip_quoted: only what the sender of a reply wrote is kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.parsers.quoting import strip_quoted

QUOTE = "> Quote ORD-2026-000042\n> BPW-0310 x 2\n> Reply AGREE within 24 hours.\n"


def test_text_without_quotes_is_kept() -> None:
    """A mail with nothing quoted keeps every line (trailing blank lines aside)."""
    text = "Hello,\n\nplease send:\nBPW-0310 x 2\n5 x SAF-2234\n\nThanks,\nSam\n\n"
    assert strip_quoted(text) == text.rstrip("\n")


def test_russian_reply_agree() -> None:
    """The AGREE reply shape: Russian attribution "... пишет:" and its quote are removed."""
    text = (
        "AGREE\n\nСогласны, отгружайте.\n\n"
        "20.11.2026 10:31, orders@distributor.example пишет:\n" + QUOTE
    )
    assert strip_quoted(text) == "AGREE\n\nСогласны, отгружайте."


@pytest.mark.parametrize(
    "attribution",
    [
        "On Fri, 20 Nov 2026 at 10:31, Orders Desk <orders@distributor.example> wrote:",
        "On 20 Nov 2026, at 10:31, orders@distributor.example wrote:",
        "Orders Desk wrote:",
        "20.11.2026 10:31, Orders Desk написал(а):",
        "пт, 20 нояб. 2026 г. в 10:31, Orders Desk <orders@distributor.example>:",
        "Пятница, 20 ноября 2026, 10:31 +02:00 от orders@distributor.example:",
        "În vin., 20 nov. 2026 la 10:31, Orders Desk <orders@distributor.example> a scris:",
        "Pe 20.11.2026 10:31, Orders Desk a scris:",
    ],
)
def test_attribution_and_quote_are_removed(attribution: str) -> None:
    """English, Russian and Romanian attribution lines go with the quote they introduce."""
    text = f"AGREE\n\n{attribution}\n\n{QUOTE}"
    assert strip_quoted(text) == "AGREE"


def test_attribution_wrapped_over_two_lines() -> None:
    """An attribution the client wrapped over two lines is removed whole."""
    text = (
        "CANCEL\n\nOn Fri, 20 Nov 2026 at 10:31, Orders Desk <\n"
        "orders@distributor.example> wrote:\n" + QUOTE
    )
    assert strip_quoted(text) == "CANCEL"


def test_attribution_over_unmarked_old_text_ends_the_reply() -> None:
    """An "On ... wrote:" line followed by unquoted old text ends what the sender wrote."""
    text = "AGREE\n\nOn Fri, 20 Nov 2026 at 10:31, Orders Desk wrote:\n\nQuote ORD-1\nBPW-0310 x 2"
    assert strip_quoted(text) == "AGREE"


@pytest.mark.parametrize(
    "separator",
    ["-----Original Message-----", "-----Исходное сообщение-----", "-----Mesaj original-----"],
)
def test_outlook_separator_ends_the_reply(separator: str) -> None:
    """Everything from an Outlook "Original Message" separator on is removed."""
    text = f"AGREE\r\nThanks\r\n\r\n{separator}\r\nFrom: Orders\r\nQuote ORD-1\r\nBPW-0310 x 2\r\n"
    assert strip_quoted(text) == "AGREE\nThanks"


@pytest.mark.parametrize(
    "header",
    [
        "From: Orders Desk <orders@distributor.example>\nSent: Friday, November 20, 2026 10:31\n"
        "To: Fleet Parts\nSubject: Quote ORD-1",
        "От: Orders Desk <orders@distributor.example>\nОтправлено: 20 ноября 2026 г. 10:31\n"
        "Кому: zakaz@vector-trans.example\nТема: Quote ORD-1",
        "De la: Orders Desk <orders@distributor.example>\nTrimis: vineri, 20 noiembrie 2026\n"
        "Către: achizitii@autotrans-cluj.example\nSubiect: Quote ORD-1",
        "From: Orders Desk <orders@distributor.example>\nDate: Fri, 20 Nov 2026 at 10:31\n"
        "Subject: Quote ORD-1\nTo: <buying@fleetparts.example>",
    ],
)
def test_outlook_header_block_ends_the_reply(header: str) -> None:
    """An Outlook/Gmail "From: ... Sent/Date: ..." block and all below it are removed."""
    text = f"AGREE\n\n________________________________\n{header}\n\nQuote ORD-1\nBPW-0310 x 2"
    assert strip_quoted(text) == "AGREE"


@pytest.mark.parametrize(
    "text", ["ABC-1 x 5\nFrom: warehouse 3\nTo: store 5", "From: Fleet\nDate: 20.11.2026\nA x 1"]
)
def test_from_line_alone_is_not_a_header_block(text: str) -> None:
    """A "From:" line of the sender's own, without a whole header block, is kept."""
    assert strip_quoted(text) == text


def test_signature_delimiter_ends_the_text() -> None:
    """Text below a "-- " signature delimiter is not part of the message."""
    text = "BPW-0310 x 2\n\n-- \nSam Jones\nFleet Parts Ltd, +1 555 0100"
    assert strip_quoted(text) == "BPW-0310 x 2"


def test_bottom_posted_reply_keeps_the_text_below_the_quote() -> None:
    """Text written below or between quoted lines is the sender's and is kept."""
    text = "On Fri, 20 Nov 2026, Orders Desk wrote:\n> Quote ORD-1\n\nAGREE\n> Voucher X\nthanks"
    assert strip_quoted(text) == "AGREE\nthanks"


def test_quoted_lines_without_attribution_are_removed() -> None:
    """Lines starting with ">" (also indented) are removed on their own."""
    assert strip_quoted("  > old\n>> older\nNEW-1 x 2") == "NEW-1 x 2"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                ["> q", "-- ", "From: x", "Sent: y", "On Mon, X wrote:", "1:", "", "\r", "--x--"]
            ),
        ),
        max_size=40,
    ).map("\n".join)
)
def test_never_raises_and_never_grows(text: str) -> None:
    """strip_quoted accepts any text and never returns more than it was given."""
    assert len(strip_quoted(text)) <= len(text)
