"""Voucher restrictions: each passes or fails with the actual and required values, the gap,
and the smallest change that would qualify; each inverted rule explains itself too."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from mailbot.domain.vouchers import Action, Check, Problem, Rule, Scope, Suggestion
from mailbot.domain.vouchers.evaluation import judge
from tests.baskets import LINES, basket, eur, percent, terms

BPW = (Scope(Rule.BRANDS, ("BPW",)),)


def failures(*rules: dict[str, object], **shape: Any) -> tuple[Check, ...]:
    found, _ = judge(terms(percent("10"), *rules), basket(**shape))
    return found


def failure(rule: dict[str, object], **shape: Any) -> Check:
    (found,) = failures(rule, **shape)
    return found


@pytest.mark.parametrize(
    "rule",
    [
        {"rule": "past_orders", "min": 2},
        {"rule": "past_orders", "max": 2},
        {"rule": "past_orders", "min": 3, "invert": True},
        {"rule": "past_revenue", "min": "900.00", "currency": "EUR"},
        {"rule": "past_revenue", "basis": "gross", "min": "1089.00", "currency": "EUR"},
        {"rule": "order_total", "min": "166.00", "currency": "EUR"},
        {
            "rule": "order_total",
            "basis": "gross",
            "min": "200.86",
            "max": "200.86",
            "currency": "EUR",
        },
        {"rule": "new_client", "invert": True},
        {"rule": "products", "skus": ["saf-2234 "]},
        {"rule": "product_quantity", "sku": "BPW-0310", "min": 2, "max": 2},
        {"rule": "brands", "brands": ["bpw"]},
        {"rule": "brands", "brands": ["BPW"], "invert": True},
        {"rule": "categories", "categories": ["Brakes"]},
        {"rule": "client_groups", "groups": ["Fleet", "retail"]},
        {"rule": "client_groups", "groups": ["retail"], "invert": True},
        {"rule": "date_window", "start": "2026-11-20", "end": "2026-11-20"},
        {"rule": "date_window", "start": "2026-11-21", "invert": True},
    ],
)
def test_rules_that_the_basket_meets_pass(rule: dict[str, object]) -> None:
    """Each rule passes on a basket that meets it, at its very edge included."""
    assert failures(rule) == ()


def test_order_total_below_minimum_suggests_the_amount_of_the_covered_brand() -> None:
    """A minimum on the covered lines says how much more of that brand would qualify."""
    (found,) = failures(
        {"rule": "brands", "brands": ["BPW"]},
        {"rule": "order_total", "min": "200.00", "currency": "EUR"},
    )
    assert found == Check(
        Rule.ORDER_TOTAL,
        Problem.BELOW_MIN,
        actual=eur("116.00"),
        required=eur("200.00"),
        gap=eur("84.00"),
        suggestion=Suggestion(Action.ADD_AMOUNT, eur("84.00"), basis="net", scope=BPW),
    )


def test_gross_order_total_adds_vat() -> None:
    """A gross minimum is judged on the net total with VAT added."""
    found = failure({"rule": "order_total", "basis": "gross", "min": "250.00", "currency": "EUR"})
    assert (found.actual, found.gap) == (eur("200.86"), eur("49.14"))
    assert found.suggestion == Suggestion(Action.ADD_AMOUNT, eur("49.14"), basis="gross")


def test_order_total_above_maximum_suggests_removing() -> None:
    """Above a maximum, the suggestion is to remove the excess."""
    found = failure({"rule": "order_total", "max": "150.00", "currency": "EUR"})
    assert (found.problem, found.required, found.gap) == (
        Problem.ABOVE_MAX,
        eur("150.00"),
        eur("16.00"),
    )
    assert found.suggestion == Suggestion(Action.REMOVE_AMOUNT, eur("16.00"), basis="net")


def test_inverted_order_total_range_suggests_the_nearest_way_out() -> None:
    """Inside an inverted range, the smaller of going below min or above max is suggested."""
    found = failure(
        {"rule": "order_total", "min": "160.00", "max": "200.00", "currency": "EUR", "invert": True}
    )
    assert found.problem is Problem.IN_RANGE
    assert found.required == (eur("160.00"), eur("200.00"))
    assert found.gap == eur("6.01")
    assert found.suggestion == Suggestion(Action.REMOVE_AMOUNT, eur("6.01"), basis="net")


def test_inverted_minimum_means_below_it() -> None:
    """ "Not at least 100" fails for 166 and says to remove enough to get under 100."""
    found = failure({"rule": "order_total", "min": "100.00", "currency": "EUR", "invert": True})
    assert (found.problem, found.required, found.gap) == (
        Problem.NOT_BELOW,
        eur("100.00"),
        eur("66.01"),
    )


def test_order_total_in_another_currency_fails_with_both_currencies() -> None:
    """A minimum in RON cannot be judged on a EUR basket; the failure names both."""
    found = failure({"rule": "order_total", "min": "100.00", "currency": "RON"})
    assert (found.problem, found.actual, found.required) == (Problem.OTHER_CURRENCY, "EUR", "RON")


def test_product_quantity_says_how_many_more() -> None:
    """Too few pieces of a SKU: "2 more of SAF-2234"."""
    found = failure({"rule": "product_quantity", "sku": "SAF-2234", "min": 3})
    assert (found.actual, found.required, found.gap) == (1, 3, 2)
    assert found.suggestion == Suggestion(Action.ADD_QUANTITY, 2, target="SAF-2234")


def test_product_quantity_above_maximum_and_inverted() -> None:
    """Too many pieces says how many fewer; an inverted minimum says how many to drop under it."""
    over = failure({"rule": "product_quantity", "sku": "BPW-0310", "max": 1})
    assert (over.problem, over.gap) == (Problem.ABOVE_MAX, 1)
    assert over.suggestion == Suggestion(Action.REMOVE_QUANTITY, 1, target="BPW-0310")
    inverted = failure({"rule": "product_quantity", "sku": "BPW-0310", "max": 2, "invert": True})
    assert (inverted.problem, inverted.required, inverted.gap) == (Problem.NOT_ABOVE, 2, 1)
    assert inverted.suggestion == Suggestion(Action.ADD_QUANTITY, 1, target="BPW-0310")


def test_past_orders_and_revenue_give_gaps_without_suggestions() -> None:
    """History rules say how far the client is; no change to the order can fix them."""
    orders = failure({"rule": "past_orders", "min": 5})
    assert (orders.actual, orders.required, orders.gap, orders.suggestion) == (2, 5, 3, None)
    revenue = failure({"rule": "past_revenue", "min": "1000.00", "currency": "EUR"})
    assert (revenue.actual, revenue.gap) == (eur("900.00"), eur("100.00"))
    gross = failure({"rule": "past_revenue", "basis": "gross", "max": "1000.00", "currency": "EUR"})
    assert (gross.problem, gross.actual, gross.gap) == (
        Problem.ABOVE_MAX,
        eur("1089.00"),
        eur("89.00"),
    )
    inverted = failure({"rule": "past_orders", "max": 3, "invert": True})
    assert (inverted.problem, inverted.gap) == (Problem.NOT_ABOVE, 2)


def test_new_client_both_ways() -> None:
    """New-client-only fails for a returning client; inverted it fails for a new one."""
    assert failure({"rule": "new_client"}) == Check(Rule.NEW_CLIENT, Problem.NOT_NEW, actual=2)
    found = failure({"rule": "new_client", "invert": True}, orders=0)
    assert found == Check(Rule.NEW_CLIENT, Problem.NEW, actual=0)
    assert failures({"rule": "new_client"}, orders=0) == ()


def test_missing_brand_says_what_the_basket_holds_and_to_add_one() -> None:
    """A brand rule no line meets lists the brands present and suggests a line of the brand."""
    found = failure({"rule": "brands", "brands": ["Knorr"]})
    assert (found.problem, found.actual, found.required) == (
        Problem.MISSING,
        ("BPW", "SAF"),
        ("Knorr",),
    )
    assert found.suggestion == Suggestion(Action.ADD_ITEM, scope=(Scope(Rule.BRANDS, ("Knorr",)),))


def test_inverted_line_rule_fails_when_every_line_is_excluded() -> None:
    """ "Not brand BPW" on an all-BPW basket says so and suggests a line of another brand."""
    found = failure({"rule": "brands", "brands": ["BPW"], "invert": True}, lines=LINES[:1])
    assert (found.problem, found.actual) == (Problem.EXCLUDED, ("BPW",))
    assert found.suggestion == Suggestion(
        Action.ADD_ITEM, scope=(Scope(Rule.BRANDS, ("BPW",), invert=True),)
    )


def test_line_rules_narrow_in_order_and_each_failure_stands_alone() -> None:
    """A product of another brand leaves no line; the brand rule then fails on that product."""
    found = failures(
        {"rule": "products", "skus": ["SAF-2234"]}, {"rule": "brands", "brands": ["BPW"]}
    )
    (brand,) = found
    assert (brand.rule, brand.actual) == (Rule.BRANDS, ("SAF",))
    both = failures(
        {"rule": "products", "skus": ["X-1"]}, {"rule": "categories", "categories": ["cabs"]}
    )
    assert [check.rule for check in both] == [Rule.PRODUCTS, Rule.CATEGORIES]
    assert both[1].actual == ("brakes", "axles")


def test_client_groups_both_ways() -> None:
    """Outside the groups fails with the client's group; inverted, inside them fails."""
    found = failure({"rule": "client_groups", "groups": ["retail"]})
    assert (found.problem, found.actual, found.required) == (Problem.MISSING, "fleet", ("retail",))
    inverted = failure({"rule": "client_groups", "groups": ["fleet"], "invert": True})
    assert inverted.problem is Problem.EXCLUDED


@pytest.mark.parametrize(
    ("received", "problem", "gap"),
    [
        (date(2026, 10, 31), Problem.BEFORE_START, 1),
        (date(2026, 11, 1), None, None),
        (date(2026, 11, 30), None, None),
        (date(2026, 12, 1), Problem.AFTER_END, 1),
        (date(2026, 12, 11), Problem.AFTER_END, 11),
    ],
)
def test_date_window_edges_are_inclusive(received: date, problem: Problem | None, gap: int) -> None:
    """The window's first and last day count; the days around them fail with the gap in days."""
    rule = {"rule": "date_window", "start": "2026-11-01", "end": "2026-11-30"}
    found = failures(rule, on=received)
    if problem is None:
        assert found == ()
    else:
        assert (found[0].problem, found[0].actual, found[0].gap) == (problem, received, gap)


def test_inverted_date_window_fails_inside_it() -> None:
    """An inverted window fails on its last day and passes the day after."""
    rule = {"rule": "date_window", "start": "2026-11-01", "end": "2026-11-30", "invert": True}
    found = failure(rule, on=date(2026, 11, 30))
    assert (found.problem, found.required) == (
        Problem.IN_WINDOW,
        (date(2026, 11, 1), date(2026, 11, 30)),
    )
    assert failures(rule, on=date(2026, 12, 1)) == ()


def test_failures_carry_their_message_override() -> None:
    """A rule's per-language message travels with its failure."""
    message = {"en": "Only for {required} orders", "ru": "Только для {required}"}
    found = failure({"rule": "past_orders", "min": 3, "message": message})
    assert dict(found.message) == message


def test_every_failed_rule_is_reported_in_the_order_written() -> None:
    """All failures come back, in the order of the terms, not only the first."""
    found = failures(
        {"rule": "date_window", "end": "2026-01-31"},
        {"rule": "new_client"},
        {"rule": "client_groups", "groups": ["retail"]},
    )
    assert [check.rule for check in found] == [
        Rule.DATE_WINDOW,
        Rule.NEW_CLIENT,
        Rule.CLIENT_GROUPS,
    ]


def test_order_total_is_judged_on_an_empty_selection_as_zero() -> None:
    """When no line is covered, the total of the covered lines is zero and all of it is missing."""
    found = failures(
        {"rule": "brands", "brands": ["Knorr"]},
        {"rule": "order_total", "min": "50.00", "currency": "EUR"},
    )
    assert found[1].actual == eur("0.00")
    assert found[1].gap == eur("50.00")


def test_inverted_range_never_suggests_going_below_zero() -> None:
    """Outside 0..5 pieces can only be reached upwards: "5 more", never a negative quantity."""
    rule = {"rule": "product_quantity", "sku": "SAF-2234", "min": 0, "max": 5, "invert": True}
    found = failure(rule)
    assert (found.problem, found.required, found.gap) == (Problem.IN_RANGE, (0, 5), 5)
    assert found.suggestion == Suggestion(Action.ADD_QUANTITY, 5, target="SAF-2234")
