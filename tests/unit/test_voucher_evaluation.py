"""Evaluating codes: benefits on the covered lines, caps, budgets, currencies, and stacking
that picks the best allowed set and says why every other code was left out."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.domain.money import Money
from mailbot.domain.vouchers import (
    ZERO_DISCOUNT,
    AppliedVoucher,
    Basket,
    BasketLine,
    Candidate,
    Problem,
    Rule,
    SkippedVoucher,
    SkipReason,
    VoucherTerms,
    evaluate_vouchers,
)
from mailbot.domain.vouchers.benefits import allocate
from mailbot.domain.vouchers.evaluation import judge
from tests.baskets import LINES, basket, code, eur, fixed, item, percent, terms
from tests.strategies import baskets, candidates, voucher_terms

FREE = {"kind": "free_shipping"}
BPW_ONLY = {"rule": "brands", "brands": ["BPW"]}


def applied(*found: Candidate, on: Basket | None = None) -> list[tuple[str, Money]]:
    results = evaluate_vouchers(on or basket(), found)
    return [(voucher.code, voucher.discount) for voucher in results.applied]


def test_percent_applies_to_the_covered_lines_only() -> None:
    """10% limited to brand BPW is taken off the BPW line alone."""
    results = evaluate_vouchers(basket(), [code("BPW10", terms(percent("10"), BPW_ONLY))])
    assert results.applied == (
        AppliedVoucher("BPW10", eur("11.60"), (1,), False, ((1, eur("11.60")),)),
    )
    assert results.total_discount == eur("11.60")


def test_percent_rounds_half_up_for_the_currency() -> None:
    """12.5% of 58.10 is 7.2625, shown and taken as 7.26; of 0.20 in JPY it rounds to whole yen."""
    lines = (item(1, "A-1", "BPW", 1, "58.10"),)
    assert applied(code("P", terms(percent("12.5"))), on=basket(lines)) == [("P", eur("7.26"))]
    yen = (BasketLine(1, "A-1", "BPW", "x", 3, Money(Decimal(1001), "JPY")),)
    found = evaluate_vouchers(
        basket(yen, currency="JPY", revenue="0"), [code("P", terms(percent("15")))]
    )
    assert found.total_discount == Money(Decimal(450), "JPY")


def test_max_discount_caps_a_percentage() -> None:
    """50% capped at 20.00 gives 20.00."""
    voucher = terms(percent("50", max_discount="20.00", currency="EUR"))
    assert applied(code("CAP", voucher)) == [("CAP", eur("20.00"))]


def test_fixed_amount_is_spread_over_the_covered_lines_and_never_exceeds_them() -> None:
    """25.00 off 166.00 is spread in proportion; 500.00 off takes the lines to zero, not below."""
    results = evaluate_vouchers(basket(), [code("F25", terms(fixed("25.00")))])
    assert results.applied[0].shares == ((1, eur("17.47")), (2, eur("7.53")))
    assert applied(code("BIG", terms(fixed("500.00")))) == [("BIG", eur("166.00"))]


def test_free_shipping_applies_without_an_amount() -> None:
    """Free shipping is applied with a zero discount and the free-shipping mark."""
    results = evaluate_vouchers(basket(), [code("SHIP", terms(FREE))])
    (voucher,) = results.applied
    assert (voucher.discount, voucher.free_shipping) == (eur("0"), True)
    assert results.free_shipping


def test_budget_left_caps_the_discount() -> None:
    """A code with 5.00 of budget left gives at most 5.00."""
    assert applied(code("B", terms(percent("10")), eur("5.00"))) == [("B", eur("5.00"))]


def test_fixed_benefit_in_another_currency_is_refused_with_the_reason() -> None:
    """A RON amount off a EUR order is refused, naming both currencies."""
    results = evaluate_vouchers(basket(), [code("RON", terms(fixed("50", "RON")))])
    (refused,) = results.refused
    (failure,) = refused.failures
    assert (failure.rule, failure.problem, failure.actual, failure.required) == (
        Rule.CURRENCY,
        Problem.OTHER_CURRENCY,
        "EUR",
        "RON",
    )
    assert results.applied == ()


def test_budget_in_another_currency_is_refused() -> None:
    """A budget kept in RON cannot cap a EUR discount, so the code is refused."""
    budget = Money(Decimal(100), "RON")
    results = evaluate_vouchers(basket(), [code("B", terms(percent("10")), budget)])
    assert results.refused[0].failures[0].required == "RON"


def test_refused_codes_list_every_failed_rule() -> None:
    """A code failing two rules is refused with both, and is not applied."""
    voucher = terms(percent("10"), {"rule": "new_client"}, {"rule": "past_orders", "min": 9})
    results = evaluate_vouchers(basket(), [code("NEW", voucher)])
    assert [f.rule for f in results.refused[0].failures] == [Rule.NEW_CLIENT, Rule.PAST_ORDERS]


def test_non_exclusive_codes_stack_on_what_is_left() -> None:
    """A fixed 100.00 then 50% on the same lines: the percentage works on the 66.00 left."""
    found = applied(code("F", terms(fixed("100.00"))), code("P", terms(percent("50"))))
    assert found == [("F", eur("100.00")), ("P", eur("33.00"))]


def test_stacked_discounts_never_push_a_line_below_zero() -> None:
    """Two codes each worth the whole BPW line leave it at zero, the second giving nothing more."""
    results = evaluate_vouchers(
        basket(),
        [code("A", terms(fixed("116.00"), BPW_ONLY)), code("B", terms(fixed("116.00"), BPW_ONLY))],
    )
    assert [(v.code, v.discount) for v in results.applied] == [("A", eur("116.00"))]
    assert results.skipped == (SkippedVoucher("B", SkipReason.NO_EXTRA, ("A",)),)


def test_exclusive_code_that_gives_more_wins_and_others_are_skipped() -> None:
    """An exclusive 50% beats 10% + 5.00 together; both others say the exclusive code gives more."""
    results = evaluate_vouchers(
        basket(),
        [
            code("TEN", terms(percent("10"))),
            code("WINTER25", terms(percent("50"), exclusive=True)),
            code("FIVE", terms(fixed("5.00"))),
        ],
    )
    assert [v.code for v in results.applied] == ["WINTER25"]
    assert results.skipped == (
        SkippedVoucher("TEN", SkipReason.EXCLUSIVE_BETTER, ("WINTER25",)),
        SkippedVoucher("FIVE", SkipReason.EXCLUSIVE_BETTER, ("WINTER25",)),
    )


def test_exclusive_code_that_gives_less_is_skipped() -> None:
    """An exclusive 5% loses to 10% + 10.00 together and says which codes give more."""
    results = evaluate_vouchers(
        basket(),
        [
            code("EXCL5", terms(percent("5"), exclusive=True)),
            code("TEN", terms(percent("10"))),
            code("F10", terms(fixed("10.00"))),
        ],
    )
    assert [v.code for v in results.applied] == ["TEN", "F10"]
    assert results.skipped == (SkippedVoucher("EXCL5", SkipReason.EXCLUSIVE_WORSE, ("TEN", "F10")),)


def test_ties_go_to_the_code_written_first() -> None:
    """Two exclusive codes worth the same: the first written is applied."""
    same = terms(fixed("10.00"), exclusive=True)
    results = evaluate_vouchers(basket(), [code("FIRST", same), code("SECOND", same)])
    assert [v.code for v in results.applied] == ["FIRST"]
    assert results.skipped[0].reason is SkipReason.EXCLUSIVE_BETTER


def test_free_shipping_breaks_a_tie() -> None:
    """With equal discounts, the set that also ships free is chosen."""
    results = evaluate_vouchers(
        basket(),
        [
            code("SHIP", terms(FREE)),
            code("F", terms(fixed("10.00"))),
            code("X", terms(fixed("10.00"), exclusive=True)),
        ],
    )
    assert [v.code for v in results.applied] == ["SHIP", "F"]


def test_duplicates_and_too_many_codes_are_skipped() -> None:
    """A code given twice (any case, spaces, dashes) counts once; beyond eight, others wait."""
    voucher = terms(fixed("1.00"))
    found = [code("ab-12", voucher), code("AB 12", voucher)]
    found += [code(f"C{n}", voucher) for n in range(8)]
    results = evaluate_vouchers(basket(), found)
    assert results.skipped[0] == SkippedVoucher("AB 12", SkipReason.DUPLICATE)
    assert results.skipped[-1] == SkippedVoucher("C7", SkipReason.TOO_MANY, ("8",))
    assert len(results.applied) == 8


def test_nothing_to_discount_when_no_code_gives_anything() -> None:
    """A code that passes on an order of zero value is skipped as having nothing to discount."""
    free_lines = (item(1, "A-1", "BPW", 1, "0.00"),)
    results = evaluate_vouchers(basket(free_lines), [code("P", terms(percent("10")))])
    assert results.skipped == (SkippedVoucher("P", SkipReason.NOTHING_TO_DISCOUNT),)


def test_allocation_fills_leftover_units_from_the_first_line() -> None:
    """0.03 over three equal lines is 0.01 each; 0.02 goes to the first two; none over capacity."""
    left = [(1, eur("1.00")), (2, eur("1.00")), (3, eur("1.00"))]
    assert allocate(eur("0.03"), left) == tuple((n, eur("0.01")) for n in (1, 2, 3))
    assert allocate(eur("0.02"), left) == ((1, eur("0.01")), (2, eur("0.01")))
    assert allocate(eur("0.00"), left) == ()
    assert ZERO_DISCOUNT.total("EUR") == eur("0")


@settings(max_examples=150, deadline=None)
@given(baskets, candidates)
def test_discount_lies_between_zero_and_the_order_total(on: Basket, found: list[Candidate]) -> None:
    """The total discount is never negative, never above the order, and no line goes below zero."""
    results = evaluate_vouchers(on, found)
    assert Decimal(0) <= results.total_discount.amount <= on.net(on.lines).amount
    taken: dict[int, Decimal] = {}
    for voucher in results.applied:
        assert voucher.discount.amount >= 0
        for position, share in voucher.shares:
            taken[position] = taken.get(position, Decimal(0)) + share.amount
    for line in on.lines:
        assert taken.get(line.position, Decimal(0)) <= line.total.amount
    assert len(results.applied) + len(results.refused) + len(results.skipped) == len(found)


@settings(max_examples=150, deadline=None)
@given(baskets, voucher_terms, st.none() | st.just(eur("5.00")))
def test_one_code_gives_at_most_its_covered_lines(
    on: Basket, voucher: VoucherTerms, budget: Money | None
) -> None:
    """A single code's discount lies between zero and the net total of the lines it covers."""
    _, selection = judge(voucher, on)
    results = evaluate_vouchers(on, [Candidate("ONE", voucher, budget)])
    assert Decimal(0) <= results.total_discount.amount <= on.net(selection.lines).amount
    covered = {line.position for line in selection.lines}
    assert all(set(found.positions) <= covered for found in results.applied)
    if budget is not None:
        assert results.total_discount.amount <= budget.amount


def test_inverted_brand_discounts_the_other_brands() -> None:
    """10% "not on brand BPW" is taken off the SAF line only."""
    voucher = terms(percent("10"), {"rule": "brands", "brands": ["BPW"], "invert": True})
    results = evaluate_vouchers(basket(), [code("NOTBPW", voucher)])
    assert results.applied[0].shares == ((2, eur("5.00")),)


@settings(max_examples=150, deadline=None)
@given(baskets, candidates, candidates)
def test_adding_a_code_never_lowers_the_best_discount(
    on: Basket, found: list[Candidate], more: list[Candidate]
) -> None:
    """Giving one more code can only keep or raise the total discount."""
    if not more:
        return
    extra = Candidate("EXTRA", more[0].terms, more[0].budget_left)
    before = evaluate_vouchers(on, found).total_discount.amount
    after = evaluate_vouchers(on, [*found, extra]).total_discount.amount
    assert after >= before


@settings(max_examples=100, deadline=None)
@given(baskets, candidates)
def test_evaluation_is_deterministic(on: Basket, found: list[Candidate]) -> None:
    """The same basket and codes always give the same results."""
    assert evaluate_vouchers(on, found) == evaluate_vouchers(on, list(found))


def test_lines_of_the_default_basket() -> None:
    """The test basket is 166.00 net and 200.86 gross, the figures the other tests rely on."""
    on = basket()
    assert (on.net(LINES), on.gross(LINES)) == (eur("166.00"), eur("200.86"))
