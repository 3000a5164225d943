"""What a voucher gives: a percentage (optionally capped), a fixed amount, or free shipping.

A benefit works on what is left of the lines it covers after earlier codes, so no line ever
goes below zero; the amount is rounded for the currency and spread over those lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

from mailbot.domain.money import Money, minor_unit
from mailbot.domain.vouchers.outcomes import Check, Problem, Rule


class Benefit(Protocol):
    """A voucher's benefit."""

    @property
    def free_shipping(self) -> bool: ...

    def refusal(self, currency: str) -> Check | None:
        """Why the benefit cannot be given in `currency`, or None when it can."""

    def amount(self, base: Money) -> Money:
        """The discount on `base`, what is left of the covered lines: never more than it."""

    def to_dict(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class Percent:
    """`value` percent off, at most `max_discount` when one is set."""

    value: Decimal
    max_discount: Money | None = None
    free_shipping = False

    def refusal(self, currency: str) -> Check | None:
        cap = self.max_discount
        return None if cap is None else currency_refusal(cap.currency, currency)

    def amount(self, base: Money) -> Money:
        discount = (base * (self.value / 100)).rounded()
        if self.max_discount is not None:
            discount = smaller(discount, self.max_discount)
        return smaller(discount, base)

    def to_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"kind": "percent", "value": self.value.to_eng_string()}
        if self.max_discount is not None:
            found["max_discount"] = self.max_discount.amount.to_eng_string()
            found["currency"] = self.max_discount.currency
        return found


@dataclass(frozen=True, slots=True)
class Fixed:
    """`value` off, in its own currency only."""

    value: Money
    free_shipping = False

    def refusal(self, currency: str) -> Check | None:
        return currency_refusal(self.value.currency, currency)

    def amount(self, base: Money) -> Money:
        return smaller(self.value, base)

    def to_dict(self) -> dict[str, object]:
        value = self.value.amount.to_eng_string()
        return {"kind": "fixed", "value": value, "currency": self.value.currency}


@dataclass(frozen=True, slots=True)
class FreeShipping:
    """Shipping free of charge; no amount off the lines."""

    free_shipping = True

    def refusal(self, currency: str) -> Check | None:
        return None

    def amount(self, base: Money) -> Money:
        return Money.zero(base.currency)

    def to_dict(self) -> dict[str, object]:
        return {"kind": "free_shipping"}


def currency_refusal(own: str, basket: str) -> Check | None:
    """A CURRENCY failure when an amount in `own` cannot apply to a basket in `basket`."""
    if own == basket:
        return None
    return Check(Rule.CURRENCY, Problem.OTHER_CURRENCY, actual=basket, required=own)


def smaller(first: Money, second: Money) -> Money:
    return first if first.amount <= second.amount else second


def allocate(total: Money, remaining: Sequence[tuple[int, Money]]) -> tuple[tuple[int, Money], ...]:
    """`total` spread over the lines (position, what is left of it) in proportion to what is
    left, in whole minor units, no line getting more than it has; leftover units go to the
    first lines with room, one each. `total` must not exceed the sum of `remaining`."""
    unit = minor_unit(total.currency)
    units = int(total.amount / unit)
    room = [int(left.amount / unit) for _, left in remaining]
    whole = sum(room)
    if units <= 0 or whole <= 0:
        return ()
    shares = [int((Decimal(units) * part / whole).to_integral_value(ROUND_FLOOR)) for part in room]
    leftover = units - sum(shares)
    # Each line lost less than a unit to rounding down, so one more unit each is enough.
    for index, part in enumerate(room):
        if leftover and shares[index] < part:
            shares[index] += 1
            leftover -= 1
    return tuple(
        (position, Money(unit * share, total.currency))
        for (position, _), share in zip(remaining, shares, strict=True)
        if share
    )
