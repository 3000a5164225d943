"""The hold rule and the import report's changes, as figures and in every language."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from mailbot.domain.money import Money
from mailbot.domain.price_changes import (
    HoldKind,
    HoldPolicy,
    HoldReason,
    PriceChange,
    PriceChanges,
    hold_reasons,
)
from mailbot.outbound.render import Renderer
from tests.unit.test_render import LANGUAGES, context


def changes(**figures: int) -> PriceChanges:
    values = {"previous_rows": 10, "kept": 10, "up": 0, "down": 0, "currency_changed": 0}
    values |= {"beyond_factor": 0, "added": 0} | figures
    largest = (
        PriceChange(
            "A-1", "Drum", Money(Decimal("10.00"), "EUR"), Money(Decimal("1234.50"), "EUR")
        ),
        PriceChange("B-2", "", Money(Decimal("20.00"), "EUR"), Money(Decimal("15.00"), "EUR")),
    )
    return PriceChanges(1, "old.xlsx", largest=largest, removed_skus=("E-5", "F-6"), **values)


def test_a_change_has_a_percent_only_within_one_currency() -> None:
    """The percent is rounded to a tenth, and there is none between two currencies."""
    eur, usd = Money(Decimal(3), "EUR"), Money(Decimal(4), "USD")
    assert PriceChange("A", "", eur, Money(Decimal(4), "EUR")).percent == Decimal("33.3")
    assert PriceChange("A", "", eur, usd).percent is None


def test_holding_needs_more_than_the_share_removed_or_a_price_beyond_the_factor() -> None:
    """Exactly half removed passes; more than half, or one price beyond the factor, holds."""
    policy = HoldPolicy(Decimal("0.5"), Decimal(3))
    assert hold_reasons(None, policy) == ()
    assert hold_reasons(changes(kept=5), policy) == ()
    (removed,) = hold_reasons(changes(kept=4), policy)
    assert (removed.kind, removed.count, removed.total, removed.share_percent) == (
        HoldKind.REMOVED_SHARE, 6, 10, Decimal("60.0"),
    )  # fmt: skip
    (factor,) = hold_reasons(changes(beyond_factor=2), policy)
    assert factor.describe() == "2 price(s) change by more than a factor of 3"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Prices increased: 1", "A-1 — Drum: €10.00 → €1,234.50 (+12,245%)",
                "Items no longer listed (the first 2 of 3):", "E-5, F-6",
                "it would remove 3 of your 10 current items (30%)"]),
        ("ru", ["Цены повышены: 1", "10,00\xa0€ → 1\xa0234,50\xa0€ (+12\xa0245\xa0%)",
                "Исключённые позиции (первые 2 из 3):", "в нём нет 3 из 10"]),
        ("ro", ["Prețuri majorate: 1", "(−25\xa0%)", "Articole eliminate (primele 2 din 3):",
                "ar elimina 3 din cele 10"]),
    ],
)  # fmt: skip
def test_the_report_shows_changes_and_why_a_list_is_held(
    language: str, expected: list[str]
) -> None:
    """The report lists the counts, the largest changes with Babel-formatted money and
    percent, the removed SKUs, and the hold reasons, in the supplier's language."""
    held = (HoldReason(HoldKind.REMOVED_SHARE, 3, 10, Decimal("0.2")),)
    values = context(changes=changes(up=1, down=1, kept=7), held=held)
    mail = Renderer(None, "Europe/Bucharest").render("pricelist_report", language, values)
    for text in expected:
        assert text in mail.text
    assert "E-5, F-6" in re.sub(r"<[^>]+>", "", mail.html)  # each SKU in a span of its own
    assert "1,234.50" in mail.html or "1\xa0234,50" in mail.html or "1.234,50" in mail.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_managers_mail_names_the_version_to_release(language: str) -> None:
    """pricelist_held names the supplier, the reasons and the release and reject commands."""
    held = (HoldReason(HoldKind.PRICE_FACTOR, 2, 9, Decimal(3)),)
    values = context(changes=changes(up=2, beyond_factor=2), held=held)
    mail = Renderer(None, "Europe/Bucharest").render("pricelist_held", language, values)
    for part in (mail.text, mail.html):
        assert "Balkan Parts" in part
        assert "mailbot pricelist release 7" in part
        assert "mailbot pricelist reject 7" in part
    assert "7" in mail.subject
