"""Restrictions on the whole order: history, totals, quantities, groups and dates.

Each is a small object with a `rule` name and `check(basket, selection) -> Check`; each can be
inverted, and an inverted rule's failure explains itself and its smallest fix as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from mailbot.domain.money import Money, minor_unit
from mailbot.domain.pricing import normalise_sku
from mailbot.domain.vouchers.basket import Basket
from mailbot.domain.vouchers.line_rules import Selection
from mailbot.domain.vouchers.outcomes import (
    Action,
    Check,
    Problem,
    Rule,
    Suggestion,
    no_message,
)

Amount = TypeVar("Amount", Money, int)


class Restriction(Protocol):
    """A rule of a voucher's terms."""

    @property
    def rule(self) -> Rule: ...

    @property
    def invert(self) -> bool: ...

    @property
    def message(self) -> Mapping[str, str]: ...

    def check(self, basket: Basket, selection: Selection) -> Check: ...

    def to_dict(self) -> dict[str, object]: ...


def _number(value: Money | int) -> Decimal:
    return value.amount if isinstance(value, Money) else Decimal(value)


def judge_range(
    check: Check,
    actual: Amount,
    low: Amount | None,
    high: Amount | None,
    step: Amount,
    invert: bool,
    suggest: Callable[[bool, Amount], Suggestion | None],
) -> Check:
    """`check` passed if `actual` is within low..high (outside, when `invert`), else failed
    with the gap and `suggest(up, change)` for the smallest change that would pass."""
    below = low is not None and _number(actual) < _number(low)
    above = high is not None and _number(actual) > _number(high)
    if not invert:
        if low is not None and below:
            short = low - actual
            return _failed(check, Problem.BELOW_MIN, actual, low, short, suggest(True, short))
        if high is not None and above:
            over = actual - high
            return _failed(check, Problem.ABOVE_MAX, actual, high, over, suggest(False, over))
        return check
    if below or above:
        return check
    options: list[tuple[Amount, bool]] = []
    if low is not None and _number(actual - low + step) <= _number(actual):
        options.append((actual - low + step, False))
    if high is not None:
        options.append((high - actual + step, True))
    best = min(options, key=lambda option: _number(option[0]), default=None)
    gap: Amount | None = None
    suggestion: Suggestion | None = None
    if best is not None:
        gap, suggestion = best[0], suggest(best[1], best[0])
    if low is not None and high is not None:
        return _failed(check, Problem.IN_RANGE, actual, (low, high), gap, suggestion)
    if low is not None:
        return _failed(check, Problem.NOT_BELOW, actual, low, gap, suggestion)
    return _failed(check, Problem.NOT_ABOVE, actual, high, gap, suggestion)


def _failed(
    check: Check,
    problem: Problem,
    actual: Money | int,
    required: Money | int | tuple[Money | int, Money | int] | None,
    gap: Money | int | None,
    suggestion: Suggestion | None,
) -> Check:
    return Check(
        check.rule, problem, actual, required, gap, suggestion, check.message, check.subject
    )


def _bounds(low: Amount | None, high: Amount | None) -> dict[str, object]:
    def text(value: Amount | None) -> object:
        return value.amount.to_eng_string() if isinstance(value, Money) else value

    return {"min": text(low), "max": text(high)}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Common:
    invert: bool = False
    message: Mapping[str, str] = field(default_factory=no_message, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PastOrders(_Common):
    """The client company's number of earlier orders is within min..max."""

    min: int | None = None
    max: int | None = None
    rule = Rule.PAST_ORDERS

    def check(self, basket: Basket, selection: Selection) -> Check:
        passed = Check(self.rule, message=self.message)
        actual = basket.history.past_orders
        return judge_range(passed, actual, self.min, self.max, 1, self.invert, _no_suggestion)

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule.value, **_bounds(self.min, self.max)}


@dataclass(frozen=True, slots=True, kw_only=True)
class PastRevenue(_Common):
    """The client company's revenue from earlier orders, net or gross, is within min..max."""

    basis: str
    currency: str
    min: Money | None = None
    max: Money | None = None
    rule = Rule.PAST_REVENUE

    def check(self, basket: Basket, selection: Selection) -> Check:
        passed = Check(self.rule, message=self.message)
        history = basket.history
        actual = history.revenue_gross if self.basis == "gross" else history.revenue_net
        if actual.currency != self.currency:
            return _other_currency(passed, actual.currency, self.currency)
        step = Money(minor_unit(self.currency), self.currency)
        return judge_range(passed, actual, self.min, self.max, step, self.invert, _no_suggestion)

    def to_dict(self) -> dict[str, object]:
        money = _bounds(self.min, self.max)
        return {"rule": self.rule.value, "basis": self.basis, **money, "currency": self.currency}


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTotal(_Common):
    """The total of the lines the voucher covers, net or gross, is within min..max."""

    basis: str
    currency: str
    min: Money | None = None
    max: Money | None = None
    rule = Rule.ORDER_TOTAL

    def check(self, basket: Basket, selection: Selection) -> Check:
        passed = Check(self.rule, message=self.message)
        if basket.currency != self.currency:
            return _other_currency(passed, basket.currency, self.currency)
        lines = selection.lines
        actual = basket.gross(lines) if self.basis == "gross" else basket.net(lines)
        step = Money(minor_unit(self.currency), self.currency)

        def suggest(up: bool, change: Money) -> Suggestion:
            action = Action.ADD_AMOUNT if up else Action.REMOVE_AMOUNT
            return Suggestion(action, change, basis=self.basis, scope=selection.scope)

        return judge_range(passed, actual, self.min, self.max, step, self.invert, suggest)

    def to_dict(self) -> dict[str, object]:
        money = _bounds(self.min, self.max)
        return {"rule": self.rule.value, "basis": self.basis, **money, "currency": self.currency}


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductQuantity(_Common):
    """The order holds min..max pieces of one SKU (over all its lines). It gates the code; a
    `products` rule is what limits the discount to that SKU's lines."""

    sku: str
    min: int | None = None
    max: int | None = None
    rule = Rule.PRODUCT_QUANTITY

    def check(self, basket: Basket, selection: Selection) -> Check:
        passed = Check(self.rule, message=self.message, subject=self.sku)
        key = normalise_sku(self.sku)
        actual = sum(line.quantity for line in basket.lines if normalise_sku(line.sku) == key)

        def suggest(up: bool, change: int) -> Suggestion:
            action = Action.ADD_QUANTITY if up else Action.REMOVE_QUANTITY
            return Suggestion(action, change, target=self.sku)

        return judge_range(passed, actual, self.min, self.max, 1, self.invert, suggest)

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule.value, "sku": self.sku, **_bounds(self.min, self.max)}


@dataclass(frozen=True, slots=True, kw_only=True)
class NewClient(_Common):
    """The client company has no earlier orders (inverted: it has some)."""

    rule = Rule.NEW_CLIENT

    def check(self, basket: Basket, selection: Selection) -> Check:
        orders = basket.history.past_orders
        if (orders == 0) != self.invert:
            return Check(self.rule, message=self.message)
        problem = Problem.NEW if self.invert else Problem.NOT_NEW
        return Check(self.rule, problem, actual=orders, message=self.message)

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule.value}


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientGroups(_Common):
    """The client is in one of `groups` (inverted: in none of them)."""

    groups: tuple[str, ...]
    rule = Rule.CLIENT_GROUPS

    def check(self, basket: Basket, selection: Selection) -> Check:
        group = basket.client_group.strip().casefold()
        inside = group in {name.strip().casefold() for name in self.groups}
        if inside != self.invert:
            return Check(self.rule, message=self.message)
        problem = Problem.EXCLUDED if self.invert else Problem.MISSING
        actual = basket.client_group
        return Check(self.rule, problem, actual=actual, required=self.groups, message=self.message)

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule.value, "groups": list(self.groups)}


@dataclass(frozen=True, slots=True, kw_only=True)
class DateWindow(_Common):
    """The order was received (client-local date) from `start` to `end`, both inclusive."""

    start: date | None = None
    end: date | None = None
    rule = Rule.DATE_WINDOW

    def check(self, basket: Basket, selection: Selection) -> Check:
        day = basket.received_on
        early = self.start is not None and day < self.start
        late = self.end is not None and day > self.end
        message = self.message
        if self.invert:
            if early or late:
                return Check(self.rule, message=message)
            window = (self.start, self.end)
            return Check(self.rule, Problem.IN_WINDOW, day, window, message=message)
        if self.start is not None and early:
            gap = (self.start - day).days
            return Check(self.rule, Problem.BEFORE_START, day, self.start, gap, message=message)
        if self.end is not None and late:
            gap = (day - self.end).days
            return Check(self.rule, Problem.AFTER_END, day, self.end, gap, message=message)
        return Check(self.rule, message=message)

    def to_dict(self) -> dict[str, object]:
        start = None if self.start is None else self.start.isoformat()
        end = None if self.end is None else self.end.isoformat()
        return {"rule": self.rule.value, "start": start, "end": end}


def _no_suggestion(up: bool, change: Amount) -> None:
    """History cannot be changed by changing the order."""
    return None


def _other_currency(check: Check, actual: str, required: str) -> Check:
    return Check(check.rule, Problem.OTHER_CURRENCY, actual, required, message=check.message)
