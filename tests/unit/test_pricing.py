"""Pricing rules: money rounding, markup, the choice of offer, and every line accounted for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.lines import Origin, RejectedLine, Rejection, RequestedLine
from mailbot.domain.markup import MarkupRule
from mailbot.domain.money import CurrencyError, Money, minor_unit
from mailbot.domain.pricing import Offer, PriceRules, best_offer
from mailbot.domain.quotes import quote_order

# The old default markup of 20 %, and 10 % for supplier 2.
MARKUP = PriceRules(
    (MarkupRule(supplier_id=2, percent=Decimal(10)), MarkupRule(percent=Decimal(20)))
)


def offer(supplier: int, price: str, stock: int | None = None, sku: str = "BPW-0310") -> Offer:
    return Offer(supplier, sku, "Brake drum", Money(Decimal(price), "EUR"), stock)


def line(sku: str, quantity: str, row: int = 1) -> RequestedLine:
    return RequestedLine(sku, Decimal(quantity), Origin("body", row))


def test_rounding_follows_the_currency() -> None:
    """Amounts round half-up to the currency's minor unit: cents for EUR, none for JPY."""
    assert Money(Decimal("1.005"), "EUR").rounded().amount == Decimal("1.01")
    assert Money(Decimal("1.5"), "JPY").rounded().amount == Decimal("2")
    assert Money(Decimal("1.0005"), "BHD").rounded().amount == Decimal("1.001")
    assert minor_unit("EUR") == Decimal("0.01")


def test_money_refuses_mixed_currencies_and_unknown_codes() -> None:
    """Adding EUR to RON is an error, and so is a currency ISO 4217 does not know."""
    with pytest.raises(CurrencyError):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "RON")
    with pytest.raises(CurrencyError):
        Money(Decimal(1), "XYZ").rounded()


@given(st.decimals(min_value=0, max_value=10**9, places=4), st.sampled_from(["EUR", "RON", "RUB"]))
def test_rounded_amounts_are_within_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    """Rounding never moves an amount by more than half a minor unit, and is idempotent."""
    rounded = Money(amount, currency).rounded()
    assert abs(rounded.amount - amount) <= minor_unit(currency) / 2
    assert rounded.rounded() == rounded


def test_markup_per_supplier_else_default() -> None:
    """The client price is the supplier price plus that supplier's markup, else the default."""
    assert MARKUP.client_price(offer(1, "84.00")).amount == Decimal("100.80")
    assert MARKUP.client_price(offer(2, "84.00")).amount == Decimal("92.40")


def test_cheapest_client_price_in_stock_wins() -> None:
    """Among offers, the lowest client price that can supply the quantity wins."""
    cheap_but_out = offer(1, "50.00", stock=0)
    dearer_supplier_cheaper_markup = offer(2, "54.00", stock=10)  # 59.40 vs 61.20
    plain = offer(3, "51.00", stock=None)
    chosen = best_offer([cheap_but_out, dearer_supplier_cheaper_markup, plain], 5, MARKUP)
    assert chosen == dearer_supplier_cheaper_markup
    assert best_offer([offer(1, "10", stock=3)], 4, MARKUP) is None


def test_quote_prices_lines_and_totals() -> None:
    """Each line is priced at the rounded client price; the total is the sum of line totals."""
    offers = {"BPW-0310": [offer(1, "84.00")], "SAF-2234": [offer(1, "46.55", sku="SAF-2234")]}
    quote = quote_order(
        [line("bpw-0310", "2"), line("SAF-2234", "3", 2)],
        offers,
        currency="EUR",
        prices=MARKUP,
        max_quantity=1000,
    )
    assert [(q.sku, q.quantity, str(q.unit_price.amount)) for q in quote.lines] == [
        ("BPW-0310", 2, "100.80"),
        ("SAF-2234", 3, "55.86"),
    ]
    assert quote.total == Money(Decimal("369.18"), "EUR")
    assert quote.rejected == ()


@pytest.mark.parametrize(
    ("quantity", "stock", "currency", "reason", "detail"),
    [
        ("-3", None, "EUR", Rejection.NON_POSITIVE_QUANTITY, ""),
        ("0", None, "EUR", Rejection.NON_POSITIVE_QUANTITY, ""),
        ("2.5", None, "EUR", Rejection.FRACTIONAL_QUANTITY, ""),
        ("1E+9", None, "EUR", Rejection.QUANTITY_TOO_LARGE, "1000"),
        ("5", 0, "EUR", Rejection.OUT_OF_STOCK, ""),
        ("5", 3, "EUR", Rejection.INSUFFICIENT_STOCK, "3"),
        ("5", None, "RON", Rejection.NO_OFFER_IN_CURRENCY, "RON"),
    ],
)
def test_bad_lines_are_rejected_with_their_reason(
    quantity: str, stock: int | None, currency: str, reason: Rejection, detail: str
) -> None:
    """A bad quantity, missing stock or another currency rejects the line, saying why."""
    quote = quote_order(
        [line("BPW-0310", quantity, row=7)],
        {"BPW-0310": [offer(1, "84.00", stock=stock)]},
        currency=currency,
        prices=MARKUP,
        max_quantity=1000,
    )
    assert quote.lines == ()
    (rejected,) = quote.rejected
    assert (rejected.reason, rejected.detail, rejected.origin.row) == (reason, detail, 7)
    assert rejected.sku == "BPW-0310"


def test_unknown_sku_and_parser_rejections_are_kept() -> None:
    """Unknown SKUs and lines the parser refused both reach the quote, in reading order."""
    parsed_away = RejectedLine(Origin("order.csv", 4), Rejection.MISSING_SKU, text="5")
    quote = quote_order(
        [line("NOPE-1", "1", row=3)],
        {},
        currency="EUR",
        prices=MARKUP,
        max_quantity=1000,
        rejected=[parsed_away],
    )
    assert [r.reason for r in quote.rejected] == [Rejection.UNKNOWN_SKU, Rejection.MISSING_SKU]
    assert quote.total == Money.zero("EUR")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["BPW-0310", "SAF-2234", "NOPE-1"]),
            st.decimals(min_value=-5, max_value=2000, places=1, allow_nan=False),
        ),
        max_size=30,
    )
)
def test_every_requested_line_ends_quoted_or_rejected(items: list[tuple[str, Decimal]]) -> None:
    """No line is ever lost: quoted plus rejected equals requested, whatever the input."""
    requested = [line(sku, str(qty), row=i) for i, (sku, qty) in enumerate(items, 1)]
    offers = {"BPW-0310": [offer(1, "84.00", stock=50)], "SAF-2234": [offer(2, "1.01", None)]}
    quote = quote_order(requested, offers, currency="EUR", prices=MARKUP, max_quantity=1000)
    rows = sorted([q.origin.row for q in quote.lines] + [r.origin.row for r in quote.rejected])
    assert rows == list(range(1, len(items) + 1))
    assert quote.total.amount == sum((q.line_total.amount for q in quote.lines), Decimal(0))
