"""Final prices: markup precedence, percent and fixed parts, margins, rounding, VAT, ties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.lines import Origin, RequestedLine
from mailbot.domain.markup import NO_MARKUP, MarkupRule, with_ending
from mailbot.domain.money import Money
from mailbot.domain.pricing import Offer, PriceRules, StockState, best_offer
from mailbot.domain.quotes import quote_order
from tests.strategies import endings, markup_rules, supplier_prices

D = Decimal


def eur(amount: str) -> Money:
    return Money(D(amount), "EUR")


def offer(
    price: str = "100.00",
    *,
    supplier: int = 1,
    brand: str = "Knorr-Bremse",
    category: str = "brakes",
    currency: str = "EUR",
    stock: int | None = None,
    in_stock: bool | None = None,
    days: int | None = None,
) -> Offer:
    return Offer(
        supplier,
        "KNORR-K012",
        "Caliper kit",
        Money(D(price), currency),
        stock=stock,
        brand=brand,
        category=category,
        in_stock=in_stock,
        delivery_days=days,
    )


DEFAULT = MarkupRule(percent=D(20))
SUPPLIER = MarkupRule(supplier_id=2, percent=D(15))
BRAND = MarkupRule(brand="Knorr-Bremse", percent=D(12))
GROUP = MarkupRule(group="fleet", percent=D(5))
LADDER = PriceRules((DEFAULT, SUPPLIER, BRAND, GROUP))


def test_most_specific_rule_wins_group_then_brand_then_supplier_then_default() -> None:
    """A group rule beats a brand rule, which beats a supplier rule, which beats the default."""
    assert LADDER.rule_for(offer(supplier=2), "fleet") == GROUP
    assert LADDER.rule_for(offer(supplier=2), "workshop") == BRAND
    assert LADDER.rule_for(offer(supplier=2, brand="WABCO"), "workshop") == SUPPLIER
    assert LADDER.rule_for(offer(supplier=3, brand="WABCO"), "") == DEFAULT
    assert LADDER.client_price(offer(supplier=2), "fleet") == eur("105.00")


def test_a_rule_naming_several_things_ranks_by_the_most_specific_first() -> None:
    """Rank compares group, then brand and category together, then supplier, then currency."""
    group_and_brand = MarkupRule(group="fleet", brand="Knorr-Bremse", percent=D(1))
    everything_but_group = MarkupRule(
        brand="Knorr-Bremse", category="brakes", supplier_id=1, currency="EUR", percent=D(2)
    )
    brand_and_category = MarkupRule(brand="Knorr-Bremse", category="brakes", percent=D(3))
    brand_and_supplier = MarkupRule(brand="Knorr-Bremse", supplier_id=1, percent=D(4))
    rules = (brand_and_supplier, brand_and_category, everything_but_group, GROUP, group_and_brand)
    prices = PriceRules(rules)
    assert prices.rule_for(offer(), "fleet") == group_and_brand
    assert PriceRules(rules[:4]).rule_for(offer(), "fleet") == GROUP
    assert prices.rule_for(offer(), "") == everything_but_group
    assert PriceRules(rules[:2]).rule_for(offer(), "") == brand_and_category
    assert PriceRules(rules[:1]).rule_for(offer(), "") == brand_and_supplier


def test_of_rules_of_equal_rank_the_first_listed_wins() -> None:
    """A brand rule and a category rule rank alike; the one listed first prices the offer."""
    by_brand = MarkupRule(brand="knorr-bremse", percent=D(7))
    by_category = MarkupRule(category="BRAKES", percent=D(9))
    assert PriceRules((by_brand, by_category)).rule_for(offer()) == by_brand
    assert PriceRules((by_category, by_brand)).rule_for(offer()) == by_category


def test_matching_ignores_case_and_surrounding_spaces() -> None:
    """Group, brand and category match whatever their case and surrounding spaces."""
    rule = MarkupRule(group=" Fleet ", brand="KNORR-BREMSE ", category="Brakes", percent=D(1))
    assert PriceRules((rule,)).rule_for(offer(), "fleet") == rule
    assert PriceRules((rule,)).rule_for(offer(), "fleet-2") == NO_MARKUP


def test_a_currency_rule_only_prices_offers_in_its_currency() -> None:
    """A rule naming RON leaves EUR offers to the other rules."""
    ron = MarkupRule(currency="RON", fixed=D(10))
    prices = PriceRules((DEFAULT, ron))
    assert prices.rule_for(offer(currency="RON")) == ron
    assert prices.rule_for(offer(currency="EUR")) == DEFAULT


def test_without_any_matching_rule_the_supplier_price_stands() -> None:
    """No matching rule means no markup: the client pays the supplier price, rounded."""
    assert PriceRules().client_price(offer("12.345")) == eur("12.35")


def test_percent_and_fixed_parts_add_up() -> None:
    """The price is supplier price × (1 + percent/100) + fixed, rounded half-up."""
    rule = MarkupRule(percent=D(10), fixed=D("2.50"))
    assert rule.price(eur("84.00")) == eur("94.90")
    assert MarkupRule(percent=D(20)).price(eur("46.55")) == eur("55.86")
    assert MarkupRule(percent=D("12.5")).price(eur("0.10")) == eur("0.11")  # 0.1125
    assert MarkupRule(percent=D(10)).price(Money(D(1995), "JPY")) == Money(D(2195), "JPY")


def test_minimum_margin_lifts_a_thin_price() -> None:
    """A price leaving less than the minimum margin over cost is raised to cost + margin."""
    rule = MarkupRule(percent=D(1), min_margin=D(5))
    assert rule.price(eur("100.00")) == eur("105.00")
    assert rule.price(eur("1000.00")) == eur("1010.00")  # 10 over cost: enough already


def test_minimum_margin_is_rounded_up_never_half_up() -> None:
    """cost + margin with extra decimals rounds up, so rounding never takes from the margin."""
    assert MarkupRule(min_margin=D(1)).price(eur("10.001")) == eur("11.01")


def test_without_a_minimum_margin_a_negative_markup_is_honoured() -> None:
    """A rule without min_margin may sell below cost; with min_margin 0 it never does."""
    assert MarkupRule(percent=D(-10)).price(eur("100.00")) == eur("90.00")
    assert MarkupRule(percent=D(-10), min_margin=D(0)).price(eur("100.00")) == eur("100.00")


@pytest.mark.parametrize(
    ("price", "ending", "expected"),
    [
        ("10.90", "0.90", "10.90"),  # already ends in .90
        ("10.91", "0.90", "11.90"),  # just past: the next one up
        ("10.00", "0.90", "10.90"),
        ("10.89", "0.90", "10.90"),
        ("1.00", "0.90", "1.90"),
        ("0.99", "0.90", "0.99"),  # under one whole unit: left alone
        ("0.12", "0.90", "0.12"),
        ("10.01", "0.00", "11.00"),  # ending 0: whole units, up
        ("10.00", "0.00", "10.00"),
        ("10.995", "0.99", "11.99"),  # never down, not even by half a cent
        ("19.99", "0.99", "19.99"),
    ],
)
def test_psychological_rounding_goes_up_to_the_next_ending(
    price: str, ending: str, expected: str
) -> None:
    """Prices rise to the nearest amount ending in the configured fraction, never fall."""
    assert with_ending(eur(price), D(ending)).amount == D(expected)


def test_psychological_rounding_skips_currencies_that_cannot_show_it() -> None:
    """JPY has no minor unit, so an ending of .90 leaves its prices alone."""
    assert with_ending(Money(D(1234), "JPY"), D("0.90")) == Money(D(1234), "JPY")


def test_psychological_rounding_comes_after_the_minimum_margin() -> None:
    """The margin lifts the price first, then the ending only raises it further."""
    prices = PriceRules((MarkupRule(min_margin=D("0.95")),), ending=D("0.90"))
    assert prices.client_price(offer("10.00")) == eur("11.90")  # 10.95, then the next .90
    plain = PriceRules((MarkupRule(percent=D(10)),), ending=D("0.90"))
    assert plain.client_price(offer("9.00")) == eur("9.90")


@given(supplier_prices, markup_rules, endings)
def test_client_price_never_falls_below_cost_plus_margin(
    cost: Money, rule: MarkupRule, ending: Decimal | None
) -> None:
    """Whatever the rule and ending, the client price keeps the minimum margin over cost."""
    price = PriceRules((rule,), ending=ending).client_price(
        Offer(1, "X-1", "x", cost, brand="", category="")
    )
    assert price.currency == cost.currency
    if rule.min_margin is not None:
        assert price.amount >= cost.amount + rule.min_margin
    assert price.amount >= 0


@given(supplier_prices, markup_rules, endings)
def test_client_prices_are_already_rounded(
    cost: Money, rule: MarkupRule, ending: Decimal | None
) -> None:
    """A client price is a fixed point of rounding and of the psychological ending."""
    price = PriceRules((rule,), ending=ending).client_price(Offer(1, "X-1", "x", cost))
    assert price.rounded() == price
    if ending is not None:
        assert with_ending(price, ending) == price


def test_equal_prices_go_to_fewer_delivery_days_with_unknown_last() -> None:
    """On equal client price the quicker offer wins; an offer without delivery days comes last."""
    prices = PriceRules((DEFAULT,))
    unknown = offer(supplier=1)
    slow = offer(supplier=2, days=5)
    quick = offer(supplier=3, days=1)
    dearer_but_quicker = offer("100.01", supplier=4, days=0)
    assert best_offer([unknown, slow, quick, dearer_but_quicker], 1, prices) == quick
    assert best_offer([unknown, slow], 1, prices) == slow


def test_then_higher_supplier_priority_then_lower_supplier_id() -> None:
    """On equal price and days the higher priority wins; all equal, the lower supplier id."""
    prices = PriceRules((DEFAULT,), supplier_priority={3: 10, 2: 10, 4: -1})
    candidates = [offer(supplier=n, days=2) for n in (1, 4, 3, 2)]
    assert best_offer(candidates, 1, prices) == candidates[3]  # priority 10, id 2
    assert best_offer(candidates[:2], 1, prices) == candidates[0]  # 0 beats -1


def test_the_cheapest_client_price_is_compared_not_the_supplier_price() -> None:
    """A dearer supplier with a smaller markup can win; one out of stock cannot."""
    prices = PriceRules((MarkupRule(supplier_id=2, percent=D(5)), DEFAULT))
    cheap_cost = offer("100.00", supplier=1)  # 120.00
    small_markup = offer("110.00", supplier=2, stock=3)  # 115.50
    assert best_offer([cheap_cost, small_markup], 3, prices) == small_markup
    assert best_offer([cheap_cost, small_markup], 4, prices) == cheap_cost


def request(quantity: str, row: int = 1) -> RequestedLine:
    return RequestedLine("KNORR-K012", D(quantity), Origin("body", row))


def test_quoted_lines_carry_the_stock_state() -> None:
    """A line says whether stock is counted (with the count), merely stated, or unknown."""
    cases = [
        (offer(stock=12), StockState.COUNTED, 12),
        (offer(in_stock=True), StockState.IN_STOCK, None),
        (offer(), StockState.UNKNOWN, None),
    ]
    for chosen, state, count in cases:
        offers = {"KNORR-K012": [chosen]}
        quote = quote_order([request("2")], offers, currency="EUR", prices=LADDER, max_quantity=9)
        (line,) = quote.lines
        assert (line.stock_state, line.stock) == (state, count)


def test_net_clients_get_net_totals_and_gross_clients_vat_on_the_total() -> None:
    """Lines are net; a gross client's quote adds VAT on the net total and the gross total."""
    prices = PriceRules((MarkupRule(percent=D(20)),), vat_percent=D(21))
    offers = {"KNORR-K012": [offer("46.55")]}  # 55.86 a piece
    net = quote_order([request("3")], offers, currency="EUR", prices=prices, max_quantity=100)
    gross = quote_order(
        [request("3")], offers, currency="EUR", prices=prices, max_quantity=100, gross=True
    )
    assert not net.gross
    assert gross.gross
    assert net.lines == gross.lines
    assert gross.lines[0].unit_price == eur("55.86")
    assert gross.total == eur("167.58")
    assert gross.vat == eur("35.19")  # 35.1918
    assert gross.gross_total == eur("202.77")


def test_vat_is_rounded_for_the_currency() -> None:
    """VAT on a JPY total is whole yen, rounded half-up."""
    prices = PriceRules(vat_percent=D(19))
    offers = {"KNORR-K012": [offer("1050", currency="JPY")]}
    quote = quote_order(
        [request("1")], offers, currency="JPY", prices=prices, max_quantity=9, gross=True
    )
    assert quote.vat == Money(D(200), "JPY")  # 199.5
    assert quote.gross_total == Money(D(1250), "JPY")


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.sampled_from([D(19), D(21)]))
def test_gross_total_is_net_plus_rounded_vat(net: Decimal, vat_percent: Decimal) -> None:
    """The gross total is exactly the net total plus VAT, and VAT is within half a cent."""
    prices = PriceRules(vat_percent=vat_percent)
    quote = quote_order(
        [request("1")],
        {"KNORR-K012": [offer(str(net) if net else "0.01")]},
        currency="EUR",
        prices=prices,
        max_quantity=9,
        gross=True,
    )
    exact = quote.total.amount * vat_percent / 100
    assert abs(quote.vat.amount - exact) <= D("0.005")
    assert quote.gross_total.amount == quote.total.amount + quote.vat.amount
