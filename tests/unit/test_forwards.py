"""Forwards: subjects that mark one, and forwarded text kept by strip_quoted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.parsers.forwards import is_forward
from mailbot.parsers.quoting import strip_quoted

NOTE = "Please quote the order below."
ORDER = "Hello,\nBPW-0389-0100 x 2\nRegards, Ion"
OUTLOOK_BLOCKS = {
    "en": "________________________________\nFrom: Ion Rusu <ion@autotrans.example>\n"
    "Sent: Friday, November 20, 2026 10:31 AM\nTo: Fleet Parts <buying@fleetparts.example>\n"
    "Cc: Victor <victor@autotrans.example>\nSubject: Order for November",
    "en-separator": "-----Original Message-----\nFrom: Ion Rusu <ion@autotrans.example>\n"
    "Sent: Friday, November 20, 2026 10:31 AM\nTo: buying@fleetparts.example\n"
    "Subject: Order",
    "ru": "-----Исходное сообщение-----\nОт: Иван Петров <ivan@vector-trans.example>\n"
    "Отправлено: 20 ноября 2026 г. 10:31\nКому: zakaz@fleetparts.example\nТема: Заказ",
    "ru-rule": "________________________________\nОт: Иван Петров <ivan@vector-trans.example>\n"
    "Отправлено: пятница, 20 ноября 2026 г. 10:31\nКому: zakaz@fleetparts.example\n"
    "Копия: sklad@vector-trans.example\nТема: Заказ на ноябрь",
    "ro": "-----Mesaj original-----\nDe la: Ion Rusu <ion@autotrans-cluj.example>\n"
    "Trimis: vineri, 20 noiembrie 2026 10:31\nCătre: achizitii@fleetparts.example\n"
    "Subiect: Comandă",
}


@pytest.mark.parametrize(
    "subject",
    [
        "FW: Order",
        "Fw: order",
        "Fwd: Заказ",
        "TR: commande",
        "RV: pedido",
        "WG: Bestellung",
        "Пересл: Заказ",
        "Переслано: Заказ",
        "Пересл.: Заказ",
        "FW: RE: Order",
        "fwd:order",
        "Fwd[2]: Order",
        "[EXT] FW: Order",
        "  FW : Order",
    ],
)
def test_forward_prefixes_mark_a_forward(subject: str) -> None:
    """Forward prefixes of the common clients and languages mark a forward, outermost first."""
    assert is_forward(subject)


@pytest.mark.parametrize(
    "subject",
    [
        *("", "Order", "RE: FW: Order", "Re: Quote ORD-2026-000042", "Ответ: Заказ"),
        *("AW: Fwd: x", "FWD-0310 x 2", "Order FW: 2", "Forward planning", "Trimis: x"),
    ],
)
def test_other_subjects_are_no_forward(subject: str) -> None:
    """Replies, plain subjects and words that only start like a prefix are no forward."""
    assert not is_forward(subject)


@pytest.mark.parametrize("language", sorted(OUTLOOK_BLOCKS))
def test_outlook_inline_forward_keeps_the_forwarded_text(language: str) -> None:
    """In a forward, the Outlook separator and header block go and the forwarded text stays."""
    text = f"{NOTE}\n\n{OUTLOOK_BLOCKS[language]}\n\n{ORDER}\n"
    assert strip_quoted(text, forward=True) == f"{NOTE}\n\n{ORDER}"


@pytest.mark.parametrize("language", sorted(OUTLOOK_BLOCKS))
def test_the_same_block_in_a_reply_is_cut(language: str) -> None:
    """In a reply, the same block is quoted earlier mail: it and all below it are removed."""
    text = f"AGREE\r\n\r\n{OUTLOOK_BLOCKS[language]}\r\n\r\n{ORDER}\r\n"
    assert strip_quoted(text) == "AGREE"


GMAIL = (
    "---------- Forwarded message ---------\nFrom: Ion Rusu <ion@autotrans.example>\n"
    "Date: Fri, 20 Nov 2026 at 10:31\nSubject: Order\nTo: <buying@fleetparts.example>\n\n\n"
)
THUNDERBIRD = (
    "-------- Forwarded Message --------\nSubject: \tOrder\n"
    "Date: \tFri, 20 Nov 2026 10:31:00 +0200\nFrom: \tIon Rusu <ion@autotrans.example>\n"
    "To: \tbuying@fleetparts.example\n\n\n\n"
)
GMAIL_RU = (
    "---------- Пересылаемое сообщение ---------\nОт: Иван <ivan@vector-trans.example>\n"
    "Date: пт, 20 нояб. 2026 г. в 10:31\nSubject: Заказ\nTo: <zakaz@fleetparts.example>\n\n"
)


@pytest.mark.parametrize("marker", [GMAIL, THUNDERBIRD, GMAIL_RU])
@pytest.mark.parametrize("forward", [True, False])
def test_marked_forward_keeps_the_forwarded_text(marker: str, forward: bool) -> None:
    """A forward marker starts forwarded text whatever the subject; its header block goes."""
    text = f"{NOTE}\n\n{marker}{ORDER}\n"
    assert strip_quoted(text, forward=forward) == f"{NOTE}\n\n{ORDER}"


def test_apple_mail_forward_is_unquoted() -> None:
    """Apple Mail's ">" before forwarded text is taken off; the forwarded mail's quotes go."""
    text = (
        "Begin forwarded message:\n\n> From: Ion Rusu <ion@autotrans.example>\n"
        "> Subject: Order\n> Date: 20 November 2026 at 10:31:00 EET\n"
        "> To: buying@fleetparts.example\n> \n> Hello,\n> BPW-0389-0100 x 2\n> \n"
        ">> BPW-0310 x 99\n"
    )
    assert strip_quoted(text) == "Hello,\nBPW-0389-0100 x 2"


def test_forward_of_a_reply_stops_at_its_own_history() -> None:
    """A forwarded reply keeps its own text and loses the older mail it quotes."""
    older = OUTLOOK_BLOCKS["en"].replace("Order for November", "Order") + "\n\nOLD-1 x 9"
    forwarded = OUTLOOK_BLOCKS["ro"].replace("Comandă", "RE: Comandă")
    text = f"{NOTE}\n\n{forwarded}\n\n{ORDER}\n\n{older}\n"
    assert strip_quoted(text, forward=True) == f"{NOTE}\n\n{ORDER}"


def test_forward_of_a_forward_keeps_both_texts() -> None:
    """A forwarded mail that is itself a forward keeps the text of both messages."""
    first = OUTLOOK_BLOCKS["en"].replace("Order for November", "FW: Order")
    text = f"{NOTE}\n\n{first}\n\nSee below.\n\n{OUTLOOK_BLOCKS['ru']}\n\n{ORDER}"
    assert strip_quoted(text, forward=True) == f"{NOTE}\n\nSee below.\n\n{ORDER}"


def test_forwarded_text_loses_its_own_quotes() -> None:
    """Quoted lines and "On ... wrote:" history inside forwarded text are still removed."""
    text = (
        f"{GMAIL}{ORDER}\n> OLD-2 x 1\n\n"
        "On Thu, 19 Nov 2026 at 09:00, Orders Desk <orders@distributor.example> wrote:\n\n"
        "Quote ORD-2026-000041\nBPW-0310 x 2\n"
    )
    assert strip_quoted(text, forward=True) == ORDER


def test_signature_above_a_forward_keeps_the_forward() -> None:
    """The sender's signature is dropped, the forward below it is still read."""
    text = f"{NOTE}\n-- \nSam Jones\nFleet Parts Ltd\n\n{GMAIL}{ORDER}"
    assert strip_quoted(text) == f"{NOTE}\n\n{ORDER}"


def test_old_forward_below_a_quoted_reply_stays_cut() -> None:
    """A reply whose quoted history holds an earlier forward orders nothing from it."""
    old = OUTLOOK_BLOCKS["en"].replace("Order for November", "Fwd: Order")
    text = f"AGREE\n-- \nSam\n\n{old}\n\n{GMAIL}{ORDER}"
    assert strip_quoted(text) == "AGREE"
    assert strip_quoted(f"AGREE\n\n{old}\n\n{GMAIL}{ORDER}") == "AGREE"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                [
                    *("> q", "-- ", "From: x", "Sent: y", "Subject: FW: z", "To: w", "", ">> r"),
                    *("-----Original Message-----", "Begin forwarded message:", GMAIL.strip()),
                ]
            ),
        ),
        max_size=40,
    ).map("\n".join),
    st.booleans(),
)
def test_forward_never_raises_and_never_grows(text: str, forward: bool) -> None:
    """strip_quoted, forward or not, accepts any text and never returns more than it got."""
    assert len(strip_quoted(text, forward=forward)) <= len(text)


@pytest.mark.parametrize("marker", [GMAIL, THUNDERBIRD])
def test_a_forward_of_our_own_mail_is_quoted_text(marker: str) -> None:
    """mailbot's own quote forwarded back is quoted earlier mail: never read as an order."""
    ours = marker.replace("Ion Rusu <ion@autotrans.example>", "Desk <orders@desk.example>")
    text = f"{NOTE}\n\n{ours}{ORDER}\n"
    assert strip_quoted(text, forward=True, own={"orders@desk.example"}) == NOTE
    assert ORDER in strip_quoted(text, forward=True, own={"other@desk.example"})


def test_an_outlook_forward_of_our_own_mail_is_quoted_text() -> None:
    """The same holds for an Outlook header block naming our address."""
    block = OUTLOOK_BLOCKS["en"].replace("Ion Rusu <ion@autotrans.example>", "orders@desk.example")
    assert "orders@desk.example" in block
    text = f"{NOTE}\n\n{block}\n\n{ORDER}\n"
    assert strip_quoted(text, forward=True, own={"orders@desk.example"}) == NOTE
