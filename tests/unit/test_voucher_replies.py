"""What a reply says about each code, in every language: applied with the amount and lines,
refused with every rule's values and what would qualify, skipped with the reason."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mailbot.domain.vouchers import (
    Action,
    Problem,
    Rule,
    SkipReason,
    VoucherResults,
    evaluate_vouchers,
)
from mailbot.outbound import voucher_phrases as words
from mailbot.outbound.render import Renderer
from mailbot.outbound.voucher_rows import VoucherRow, voucher_rows
from tests.baskets import basket, code, fixed, percent, terms
from tests.unit.test_quote_render import GROSS

NBSP = "\xa0"
LANGUAGES = ("en", "ru", "ro")


def results() -> VoucherResults:
    """WINTER25 applied; BPW200 refused (two rules); TEN skipped for the exclusive code."""
    return evaluate_vouchers(
        basket(),
        [
            code("WINTER25", terms(percent("25"), exclusive=True)),
            code(
                "BPW200",
                terms(
                    fixed("20.00"),
                    {"rule": "brands", "brands": ["BPW"]},
                    {"rule": "order_total", "min": "200.00", "currency": "EUR"},
                    {"rule": "product_quantity", "sku": "SAF-2234", "min": 3},
                ),
            ),
            code("TEN", terms(percent("10"))),
        ],
    )


def test_every_outcome_has_words_in_every_language() -> None:
    """Each rule, problem, change, line scope and skip reason has a message id (the catalogue
    tests check that every id is translated in every language)."""
    assert set(words.RULES) == set(Rule)
    assert set(words.PROBLEMS) == set(Problem)
    assert set(words.ACTIONS) == set(Action)
    assert set(words.SKIPS) == set(SkipReason)
    assert set(words.SCOPES) == {Rule.PRODUCTS, Rule.BRANDS, Rule.CATEGORIES}
    assert set(words.BASIS) == {"net", "gross"}


def test_rows_in_english_say_what_each_code_did() -> None:
    """Applied with amount and lines, refused with values and changes, skipped with the winner."""
    applied, refused, skipped = voucher_rows(results(), "en")
    assert applied == VoucherRow(
        "WINTER25", "applied", "€41.50 off on lines 1, 2", discount=applied.discount
    )
    assert refused.status == "refused"
    assert refused.details == (
        "order total of brand BPW is €116.00; at least €200.00 is needed (€84.00 short); "
        "to qualify: add €84.00 net of brand BPW",
        "quantity of SAF-2234 is 1; at least 3 is needed (2 short); to qualify: 2 more of SAF-2234",
    )
    assert skipped == VoucherRow(
        "TEN", "skipped", "not applied: WINTER25 gives more and cannot be combined"
    )


@pytest.mark.parametrize(
    ("language", "applied", "change"),
    [
        (
            "ru",
            f"скидка 41,50{NBSP}€ на строки 1, 2",
            f"добавьте товаров на 84,00{NBSP}€ без НДС бренда BPW",
        ),
        (
            "ro",
            f"reducere de 41,50{NBSP}EUR la rândurile 1, 2",
            f"adăugați 84,00{NBSP}EUR fără TVA de marca BPW",
        ),
    ],
)
def test_rows_in_russian_and_romanian(language: str, applied: str, change: str) -> None:
    """Amounts are formatted for the locale and the words are the language's own."""
    rows = voucher_rows(results(), language)
    assert rows[0].summary == applied
    assert change in rows[1].details[0]


def test_a_managers_message_replaces_the_built_in_words() -> None:
    """A rule's message for the reader's language is used with its values filled in."""
    message = {"ru": "Только для заказов от {required}, у вас {actual}"}
    voucher = terms(
        percent("5"), {"rule": "order_total", "min": "500", "currency": "EUR", "message": message}
    )
    found = evaluate_vouchers(basket(), [code("BIG", voucher)])
    (row,) = voucher_rows(found, "ru")
    assert row.details[0].startswith(f"Только для заказов от 500,00{NBSP}€, у вас 166,00{NBSP}€")
    (english,) = voucher_rows(found, "en")
    assert english.details[0].startswith("order total is €166.00; at least €500.00")


def test_dates_and_missing_brands_are_shown_as_words() -> None:
    """A closed window names its last day; a missing brand lists what the order holds."""
    voucher = terms(
        percent("5"),
        {"rule": "date_window", "start": "2026-11-01", "end": "2026-11-19"},
        {"rule": "brands", "brands": ["Knorr", "Wabco"]},
    )
    found = evaluate_vouchers(basket(on=date(2026, 11, 20)), [code("NOV", voucher)])
    (row,) = voucher_rows(found, "en")
    assert row.details == (
        "valid until 19 November 2026; the order was received on 20 November 2026",
        "brands: only for Knorr, Wabco (the order has BPW, SAF); "
        "to qualify: add a product of brand Knorr, Wabco",
    )


def test_free_shipping_and_unknown_languages() -> None:
    """Free shipping is said in words; a language without words falls back to English."""
    found = evaluate_vouchers(basket(), [code("SHIP", terms({"kind": "free_shipping"}))])
    assert voucher_rows(found, "de")[0].summary == "free shipping"


def render(language: str, vouchers: object) -> tuple[str, str]:
    context = {
        "partner_name": "Fleet Parts Ltd",
        "order_number": "ORD-2026-000001",
        "quote": GROSS,
        "total": GROSS.total,
        "received_at": datetime(2026, 11, 20, 7, 30, tzinfo=UTC),
        "vouchers": vouchers,
    }
    mail = Renderer(None, "Europe/Bucharest").render("quote", language, context)
    return mail.text, mail.html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Voucher codes:"), ("ru", "Промокоды:"), ("ro", "Coduri de reducere:")],
)
def test_quote_shows_voucher_rows_in_text_and_html(language: str, heading: str) -> None:
    """The quote lists each code with its outcome and details in both parts."""
    rows = voucher_rows(results(), language)
    text, html = render(language, rows)
    assert heading in text
    assert f"  - WINTER25: {rows[0].summary}" in text
    assert f"      · {rows[1].details[1]}" in text
    assert f"<strong>TEN</strong></span><br><span>{rows[2].summary}</span>" in html
    words = re.sub(r"<[^>]+>", "", html)
    assert rows[1].details[1] in words
    assert '<span class="sku" style="white-space:nowrap;">SAF-2234</span>' in html


def test_quote_without_vouchers_shows_no_voucher_section() -> None:
    """No `vouchers` (or none found) means no heading in either part."""
    text, html = render("en", ())
    assert "Voucher codes" not in text + html
    mail = Renderer(None, "UTC").render(
        "quote",
        "en",
        {
            "partner_name": "P",
            "order_number": "O",
            "quote": GROSS,
            "total": GROSS.total,
            "received_at": datetime(2026, 11, 20, tzinfo=UTC),
        },
    )
    assert "Voucher codes" not in mail.text + mail.html


def test_partner_written_codes_are_escaped_in_html() -> None:
    """A code as the partner typed it cannot inject markup."""
    row = VoucherRow("<b>X</b>", "skipped", "given more than once; counted once")
    _, html = render("en", (row,))
    assert "&lt;b&gt;X&lt;/b&gt;" in html
    assert "<b>X</b>" not in html


def test_discount_of_applied_rows_is_kept_for_the_template() -> None:
    """An applied row carries its discount as money for a totals line."""
    applied = voucher_rows(results(), "en")[0]
    assert applied.discount is not None
    assert applied.discount.amount == Decimal("41.50")
