"""The quote mail: each line's stock state, and net, VAT and gross totals, in every language."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.domain.money import Money
from mailbot.domain.pricing import StockState
from mailbot.domain.quotes import Quote, QuotedLine
from mailbot.outbound.render import Renderer

NBSP = "\xa0"


def line(sku: str, price: str, state: StockState, stock: int | None = None) -> QuotedLine:
    unit = Money(Decimal(price), "EUR")
    return QuotedLine(sku, "Part", 2, unit, unit * 2, 1, Origin("body", 1), state, stock)


LINES = (
    line("BPW-0310", "92.90", StockState.COUNTED, 1200),
    line("SAF-2234", "50.00", StockState.IN_STOCK),
    line("DAF-1643", "14.90", StockState.UNKNOWN),
)
GROSS = Quote("EUR", LINES, (), Decimal(21), gross=True)  # net 315.60, VAT 66.28, gross 381.88
NET = replace(GROSS, gross=False)


def untagged(body: str) -> str:
    """The words of an HTML part without its tags (SKUs in sentences are wrapped in spans)."""
    return re.sub(r"<[^>]+>", "", body)


def render(quote: Quote, language: str) -> tuple[str, str]:
    context = {
        "partner_name": "Fleet Parts Ltd",
        "order_number": "ORD-2026-000001",
        "quote": quote,
        "total": quote.total,
        "received_at": datetime(2026, 11, 20, 7, 30, tzinfo=UTC),
    }
    mail = Renderer(None, "Europe/Bucharest").render("quote", language, context)
    return mail.text, mail.html


@pytest.mark.parametrize(
    ("language", "totals"),
    [
        ("en", ["Total excl. VAT: €315.60", "VAT 21%: €66.28", "Total incl. VAT: €381.88"]),
        (
            "ru",
            [
                f"Итого без НДС: 315,60{NBSP}€",
                f"НДС 21%: 66,28{NBSP}€",
                f"Итого с НДС: 381,88{NBSP}€",
            ],
        ),
        (
            "ro",
            [
                f"Total fără TVA: 315,60{NBSP}EUR",
                f"TVA 21%: 66,28{NBSP}EUR",
                f"Total cu TVA: 381,88{NBSP}EUR",
            ],
        ),
    ],
)
def test_gross_clients_see_net_vat_and_gross_totals(language: str, totals: list[str]) -> None:
    """A gross client's quote shows the net total, the VAT with its rate, and the gross total."""
    text, html = render(GROSS, language)
    for total in totals:
        assert total in text
        label, _, amount = total.partition(": ")
        assert f">{label}</td>" in html
        assert f">{amount}</td>" in html


@pytest.mark.parametrize(
    ("language", "net", "vat"),
    [
        ("en", "Total excl. VAT: €315.60", "VAT "),
        ("ru", "Итого без НДС", "НДС "),
        ("ro", "fără TVA", "TVA "),
    ],
)
def test_net_clients_see_the_net_total_only(language: str, net: str, vat: str) -> None:
    """A net client's quote shows the net total, named as such, and no VAT line."""
    text, html = render(NET, language)
    assert net in text
    assert f"{vat}21%" not in text
    assert f"{vat}21%" not in html
    assert "381" not in text + html


@pytest.mark.parametrize(
    ("language", "counted", "stated", "unknown"),
    [
        ("en", "in stock: 1,200", "· in stock\n", "availability not stated by the supplier"),
        ("ru", f"в наличии: 1{NBSP}200 шт.", "· в наличии\n", "наличие не указано поставщиком"),
        ("ro", "în stoc: 1.200 buc.", "· în stoc\n", "disponibilitate neprecizată de furnizor"),
    ],
)  # fmt: skip
def test_each_line_shows_its_stock_state(
    language: str, counted: str, stated: str, unknown: str
) -> None:
    """Lines say the supplier's count, "in stock" without one, or that it is not stated."""
    text, html = render(NET, language)
    assert counted in text
    assert stated in text
    assert unknown in text
    assert f"· {counted}</small>" in html
    assert f"{stated.strip()}</small>" in html
    assert "· ?</small>" in html
    assert f"? — {unknown}" in html


def test_no_stock_note_when_every_line_has_a_stated_stock() -> None:
    """The "?" note under the table appears only when some line's stock is not stated."""
    _, html = render(replace(NET, lines=LINES[:2]), "en")
    assert "not stated" not in html


QUESTIONS = {
    "en": ("you wrote: bpw0310", "please tell us", "which one do you mean, SAF 4412 / SAF-44.12?"),
    "ru": ("у вас написано: bpw0310", "уточните", "какую вы имеете в виду — SAF 4412 / SAF-44.12?"),
    "ro": ("ați scris: bpw0310", "spuneți", "pe care îl doriți, SAF 4412 / SAF-44.12?"),
}


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_quote_says_how_a_sku_was_written_and_asks_its_questions(language: str) -> None:
    """A line read in another notation says how it was written; unsure lines are asked about
    in their own section, apart from the refused ones, in text and HTML."""
    written = replace(LINES[0], written="bpw0310")
    asked = RejectedLine(
        Origin("body", 3), Rejection.AMBIGUOUS_SKU, "SAF4412", "2", "SAF 4412 / SAF-44.12"
    )
    unknown = RejectedLine(Origin("body", 4), Rejection.UNKNOWN_SKU, "ZZZ-1", "1")
    quote = replace(NET, lines=(written,), rejected=(asked, unknown))
    note, heading, question = QUESTIONS[language]
    for body in map(untagged, render(quote, language)):
        assert note in body
        assert heading in body
        assert question in body
        assert body.index(question) > body.index(heading) > body.index("ZZZ-1")


NO_ORDER_QUESTIONS = {
    "en": ("Before we can quote, please tell us:", "Lines we could not accept"),
    "ru": ("Чтобы подготовить предложение, уточните", "Строки, которые мы не смогли принять"),
    "ro": ("Înainte de a vă trimite oferta", "Rânduri pe care nu le-am putut accepta"),
}


@pytest.mark.parametrize("language", sorted(NO_ORDER_QUESTIONS))
def test_no_order_reply_asks_its_questions(language: str) -> None:
    """When every line is a question, the reply without an order asks them under their own
    heading, not among refused lines, and names PDF among the ways to send an order."""
    asked = RejectedLine(Origin("body", 3), Rejection.UNCLEAR_QUANTITY, "SAF 2234", "2-3")
    context = {
        "partner_name": "Fleet Parts Ltd",
        "rejected": (asked,),
        "problems": (),
        "received_at": datetime(2026, 11, 20, 7, 30, tzinfo=UTC),
    }
    mail = Renderer(None, "Europe/Bucharest").render("no_order", language, context)
    asking, refusing = NO_ORDER_QUESTIONS[language]
    for body in (mail.text, mail.html):
        assert asking in body
        assert refusing not in body
        assert body.index("SAF 2234") > body.index(asking)
        assert "PDF" in body
