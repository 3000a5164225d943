"""What judging a voucher gives: checks of its rules, discounts, and the outcome of each code.

These are values a reply can show; nothing here raises for an expected outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from mailbot.domain.money import Money

Scalar = Money | int | date | str
# A rule's actual, required value or gap: one value, a set of names, a (low, high) range.
Value = Scalar | tuple[Scalar | None, ...] | None

NO_MESSAGE: Final[Mapping[str, str]] = MappingProxyType({})


def no_message() -> Mapping[str, str]:
    """No per-language message: the built-in phrases explain the failure."""
    return NO_MESSAGE


class Rule(StrEnum):
    """The name of a restriction, as written in a voucher's terms (and `currency`, `budget`
    for a benefit or budget the basket's currency cannot use)."""

    PAST_ORDERS = "past_orders"
    PAST_REVENUE = "past_revenue"
    NEW_CLIENT = "new_client"
    ORDER_TOTAL = "order_total"
    PRODUCTS = "products"
    PRODUCT_QUANTITY = "product_quantity"
    BRANDS = "brands"
    CATEGORIES = "categories"
    CLIENT_GROUPS = "client_groups"
    DATE_WINDOW = "date_window"
    CURRENCY = "currency"


class Problem(StrEnum):
    """How a rule failed."""

    BELOW_MIN = "below_min"  # actual < required (the minimum)
    ABOVE_MAX = "above_max"  # actual > required (the maximum)
    NOT_BELOW = "not_below"  # inverted minimum: actual must be below required
    NOT_ABOVE = "not_above"  # inverted maximum: actual must be above required
    IN_RANGE = "in_range"  # inverted range: actual must be outside required (low, high)
    MISSING = "missing"  # none of required is in the basket (or the client's group)
    EXCLUDED = "excluded"  # inverted: the basket (or group) holds only what required excludes
    NOT_NEW = "not_new"  # a new client was required; actual past orders
    NEW = "new"  # inverted: a returning client was required
    BEFORE_START = "before_start"  # received before the window; gap in days
    AFTER_END = "after_end"  # received after the window; gap in days
    IN_WINDOW = "in_window"  # inverted: received inside required (start, end)
    OTHER_CURRENCY = "other_currency"  # actual is the basket's currency, required the rule's


class Action(StrEnum):
    """The kind of change to the order that would make a rule pass."""

    ADD_AMOUNT = "add_amount"
    REMOVE_AMOUNT = "remove_amount"
    ADD_QUANTITY = "add_quantity"
    REMOVE_QUANTITY = "remove_quantity"
    ADD_ITEM = "add_item"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which lines a voucher covers: one line rule (products, brands or categories)."""

    rule: Rule
    values: tuple[str, ...]
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The smallest change that would qualify: "add 84.00 EUR net of brand BPW" is
    ADD_AMOUNT, 84.00 EUR, basis "net", scope (brands BPW); "2 more of SAF-2234" is
    ADD_QUANTITY, 2, target "SAF-2234"."""

    action: Action
    amount: Money | int | None = None
    basis: str = ""
    target: str = ""
    scope: tuple[Scope, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    """A rule's verdict: passed (`problem` None), or why not, with the actual and required
    values, the gap between them and the smallest change that would qualify."""

    rule: Rule
    problem: Problem | None = None
    actual: Value = None
    required: Value = None
    gap: Value = None
    suggestion: Suggestion | None = None
    message: Mapping[str, str] = field(default_factory=no_message, compare=False)
    subject: str = ""  # what the rule counts, when it names one: the SKU of product_quantity

    @property
    def passed(self) -> bool:
        return self.problem is None


Failure = Check


@dataclass(frozen=True, slots=True)
class Discount:
    """What one benefit takes off: an amount per basket position, and free shipping."""

    shares: tuple[tuple[int, Money], ...] = ()
    free_shipping: bool = False

    def total(self, currency: str) -> Money:
        total = Money.zero(currency)
        for _, share in self.shares:
            total += share
        return total


ZERO_DISCOUNT: Final = Discount()


class SkipReason(StrEnum):
    """Why a code that met its rules was not used."""

    EXCLUSIVE_BETTER = "exclusive_better"  # `others` is an exclusive code that gives more
    EXCLUSIVE_WORSE = "exclusive_worse"  # this code is exclusive; `others` give more together
    NO_EXTRA = "no_extra"  # `others` give as much without it
    NOTHING_TO_DISCOUNT = "nothing_to_discount"  # no discount left on the lines it covers
    DUPLICATE = "duplicate"  # the same code was given earlier in the message
    TOO_MANY = "too_many"  # more codes than one message may use; `others` is the limit


@dataclass(frozen=True, slots=True)
class AppliedVoucher:
    """A code that applies: its discount, the positions it reduces, and free shipping."""

    code: str
    discount: Money
    positions: tuple[int, ...]
    free_shipping: bool
    shares: tuple[tuple[int, Money], ...] = ()


@dataclass(frozen=True, slots=True)
class RefusedVoucher:
    """A code whose rules the order does not meet: every failed rule."""

    code: str
    failures: tuple[Failure, ...]


@dataclass(frozen=True, slots=True)
class SkippedVoucher:
    """A code that met its rules but was left out of the best set, and why."""

    code: str
    reason: SkipReason
    others: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VoucherResults:
    """The outcome of every code given with one order, in the basket's currency."""

    applied: tuple[AppliedVoucher, ...]
    refused: tuple[RefusedVoucher, ...]
    skipped: tuple[SkippedVoucher, ...]
    currency: str

    @property
    def total_discount(self) -> Money:
        total = Money.zero(self.currency)
        for voucher in self.applied:
            total += voucher.discount
        return total

    @property
    def free_shipping(self) -> bool:
        return any(voucher.free_shipping for voucher in self.applied)
