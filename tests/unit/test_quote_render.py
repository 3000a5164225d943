"""The quote mail: each line's stock state, and net, VAT and gross totals, in every language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mailbot.domain.lines import Origin
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
    ("language", "counted", "stated", "unknown", "cells"),
    [
        ("en", "in stock: 1,200", "· in stock\n", "availability not stated by the supplier",
         ["1,200", "yes", "?"]),
        ("ru", f"в наличии: 1{NBSP}200 шт.", "· в наличии\n", "наличие не указано поставщиком",
         [f"1{NBSP}200", "есть", "?"]),
        ("ro", "în stoc: 1.200 buc.", "· în stoc\n", "disponibilitate neprecizată de furnizor",
         ["1.200", "da", "?"]),
    ],
)  # fmt: skip
def test_each_line_shows_its_stock_state(
    language: str, counted: str, stated: str, unknown: str, cells: list[str]
) -> None:
    """Lines say the supplier's count, "in stock" without one, or that it is not stated."""
    text, html = render(NET, language)
    assert counted in text
    assert stated in text
    assert unknown in text
    for cell in cells:
        assert f"<td>{cell}</td>" in html
    assert f"? — {unknown}" in html


def test_no_stock_note_when_every_line_has_a_stated_stock() -> None:
    """The "?" note under the table appears only when some line's stock is not stated."""
    _, html = render(replace(NET, lines=LINES[:2]), "en")
    assert "not stated" not in html
