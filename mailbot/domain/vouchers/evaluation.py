"""Judging the codes of one order: each code's rules, then the best set of codes to apply.

Like django-oscar's applicator, conditions (restrictions), benefits and results are separate
small objects and the loop that applies them is generic. Codes in a set are applied in the
order they were written, each on what earlier codes left of its lines, so no line goes below
zero; an exclusive code ends the loop. The best set is the one with the largest discount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from mailbot.domain.money import Money
from mailbot.domain.vouchers.basket import Basket
from mailbot.domain.vouchers.benefits import allocate, currency_refusal, smaller
from mailbot.domain.vouchers.codes import loose_form
from mailbot.domain.vouchers.line_rules import LineRule, Selection
from mailbot.domain.vouchers.outcomes import (
    ZERO_DISCOUNT,
    AppliedVoucher,
    Check,
    Discount,
    RefusedVoucher,
    SkippedVoucher,
    SkipReason,
    VoucherResults,
)
from mailbot.domain.vouchers.terms import VoucherTerms

# Every set of non-exclusive codes is tried, so the search doubles with each code.
MAX_CODES = 8


@dataclass(frozen=True, slots=True)
class Candidate:
    """A code found in the order, its voucher's terms, and what is left of its budget."""

    code: str
    terms: VoucherTerms
    budget_left: Money | None = None


@dataclass(frozen=True, slots=True)
class _Qualified:
    index: int
    candidate: Candidate
    positions: tuple[int, ...]

    def discount(self, remaining: Mapping[int, Money], currency: str) -> Discount:
        """The benefit on what is left of this code's lines, within its budget."""
        left = [(position, remaining[position]) for position in self.positions]
        base = Money.zero(currency)
        for _, amount in left:
            base += amount
        benefit = self.candidate.terms.benefit
        amount = benefit.amount(base)
        if self.candidate.budget_left is not None:
            amount = smaller(amount, self.candidate.budget_left)
        shares = allocate(amount, left)
        if not shares and not benefit.free_shipping:
            return ZERO_DISCOUNT
        return Discount(shares, benefit.free_shipping)


def judge(terms: VoucherTerms, basket: Basket) -> tuple[tuple[Check, ...], Selection]:
    """Every failed rule of `terms`, in the order written, and the lines the code covers.

    The line rules choose the lines first, each from what the earlier ones kept (or from the
    whole order when nothing was kept, so each failure stands on its own); the other rules
    are then judged, an order total on the chosen lines.
    """
    scope = tuple(rule.scope for rule in terms.line_rules)
    selection = Selection(basket.lines, scope)
    line_checks: list[Check] = []
    for rule in terms.line_rules:
        base = selection if selection.lines else Selection(basket.lines, scope)
        line_checks.append(rule.check(basket, base))
        selection = rule.narrow(selection)
    pending = iter(line_checks)
    checks = [
        next(pending) if isinstance(rule, LineRule) else rule.check(basket, selection)
        for rule in terms.restrictions
    ]
    return tuple(check for check in checks if not check.passed), selection


def evaluate_vouchers(basket: Basket, candidates: Sequence[Candidate]) -> VoucherResults:
    """What each candidate code does for `basket`: applied, refused with every failed rule,
    or skipped with the reason. Deterministic for the same basket and candidates."""
    refused: list[RefusedVoucher] = []
    skipped: list[tuple[int, SkippedVoucher]] = []
    qualified: list[_Qualified] = []
    seen: set[str] = set()
    for index, candidate in enumerate(candidates):
        key = loose_form(candidate.code)
        if key in seen:
            skipped.append((index, SkippedVoucher(candidate.code, SkipReason.DUPLICATE)))
            continue
        seen.add(key)
        if len(seen) > MAX_CODES:
            limit = (str(MAX_CODES),)
            skipped.append((index, SkippedVoucher(candidate.code, SkipReason.TOO_MANY, limit)))
            continue
        failures, selection = judge(candidate.terms, basket)
        budget = candidate.budget_left
        money = (
            candidate.terms.benefit.refusal(basket.currency),
            None if budget is None else currency_refusal(budget.currency, basket.currency),
        )
        failures += tuple(check for check in money if check is not None)
        if failures:
            refused.append(RefusedVoucher(candidate.code, failures))
        else:
            positions = tuple(line.position for line in selection.lines)
            qualified.append(_Qualified(index, candidate, positions))
    best = _best(basket, qualified)
    chosen = {item.index for item, _ in best}
    skipped += [(item.index, _skip(item, best)) for item in qualified if item.index not in chosen]
    applied = tuple(
        AppliedVoucher(
            item.candidate.code,
            discount.total(basket.currency),
            tuple(position for position, _ in discount.shares),
            discount.free_shipping,
            discount.shares,
        )
        for item, discount in best
    )
    skipped.sort(key=lambda pair: pair[0])
    in_order = tuple(voucher for _, voucher in skipped)
    return VoucherResults(applied, tuple(refused), in_order, basket.currency)


Applied = tuple[tuple[_Qualified, Discount], ...]


def apply_in_order(basket: Basket, chosen: Sequence[_Qualified]) -> Applied:
    """Each code's discount on what the earlier ones left; an exclusive code is final."""
    remaining = {line.position: line.total for line in basket.lines}
    results: list[tuple[_Qualified, Discount]] = []
    for item in chosen:
        discount = item.discount(remaining, basket.currency)
        for position, share in discount.shares:
            remaining[position] -= share
        results.append((item, discount))
        if item.candidate.terms.exclusive:
            break
    return tuple(results)


def _best(basket: Basket, qualified: Sequence[_Qualified]) -> Applied:
    """The allowed set with the largest discount; on a tie the one with free shipping, then
    the one with fewer codes, then the one whose codes were written first."""
    combinable = [item for item in qualified if not item.candidate.terms.exclusive]
    sets: list[Sequence[_Qualified]] = [
        chosen for size in range(len(combinable) + 1) for chosen in combinations(combinable, size)
    ]
    sets += [(item,) for item in qualified if item.candidate.terms.exclusive]
    outcomes = [apply_in_order(basket, chosen) for chosen in sets]
    return max(outcomes, key=lambda outcome: _score(basket, outcome))


def _score(basket: Basket, outcome: Applied) -> tuple[object, ...]:
    total = Money.zero(basket.currency)
    for _, discount in outcome:
        total += discount.total(basket.currency)
    free = any(discount.free_shipping for _, discount in outcome)
    return total.amount, free, -len(outcome), tuple(-item.index for item, _ in outcome)


def _skip(item: _Qualified, best: Applied) -> SkippedVoucher:
    code = item.candidate.code
    codes = tuple(chosen.candidate.code for chosen, _ in best)
    if not best:
        return SkippedVoucher(code, SkipReason.NOTHING_TO_DISCOUNT)
    if best[0][0].candidate.terms.exclusive:
        return SkippedVoucher(code, SkipReason.EXCLUSIVE_BETTER, codes)
    if item.candidate.terms.exclusive:
        return SkippedVoucher(code, SkipReason.EXCLUSIVE_WORSE, codes)
    return SkippedVoucher(code, SkipReason.NO_EXTRA, codes)
