"""Markup rules: what a rule applies to, how specific it is, and the price it makes.

A rule names what it applies to: a client group, a brand, a category, a supplier and a
currency, each optional (empty means any). It adds a percentage of the supplier's net unit
price and a fixed amount, and may set a minimum margin. Fixed amounts and margins are per unit,
in the offer's own currency; a rule with them usually names a currency too.

Of the rules that match an offer, the most specific prices it alone (see `specificity`):
a rule naming a client group outranks any rule that does not; then one naming a brand or a
category (naming both ranks higher still); then one naming a supplier; then one naming only a
currency; then the default, which names nothing. Rules of equal rank: the first listed wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from mailbot.domain.money import Money, minor_unit


@dataclass(frozen=True, slots=True)
class MarkupRule:
    """One markup rule. `min_margin` None: no floor, so even a negative markup is honoured."""

    group: str = ""
    brand: str = ""
    category: str = ""
    supplier_id: int | None = None
    currency: str = ""
    percent: Decimal = Decimal(0)
    fixed: Decimal = Decimal(0)
    min_margin: Decimal | None = None

    @property
    def specificity(self) -> tuple[int, int, int, int]:
        """The rule's rank, compared as a tuple: group, then brand and category (0-2), then
        supplier, then currency. So {group} outranks {brand, category, supplier}."""
        return (
            bool(self.group),
            bool(self.brand) + bool(self.category),
            self.supplier_id is not None,
            bool(self.currency),
        )

    def price(self, cost: Money) -> Money:
        """The client unit price for the supplier's net unit price `cost`, in its currency.

        cost × (1 + percent/100) + fixed, rounded half-up to the minor unit; then, if that
        leaves less than `min_margin` over cost, cost + min_margin rounded *up*, so that
        rounding can never eat into the margin.
        """
        marked = (cost * (1 + self.percent / 100) + Money(self.fixed, cost.currency)).rounded()
        if self.min_margin is None:
            return marked
        floor = (cost + Money(self.min_margin, cost.currency)).rounded_up()
        return floor if floor.amount > marked.amount else marked


NO_MARKUP = MarkupRule()


def with_ending(price: Money, ending: Decimal) -> Money:
    """`price` raised to the nearest amount ending in `ending` (a fraction, 0 ≤ ending < 1).

    With ending 0.90: 10.90 stays, 10.91 becomes 11.90, 10.00 becomes 10.90. Only ever up,
    so a minimum margin still holds. Left alone: prices under one whole unit (a 0.12 washer
    would cost 0.90), and currencies whose minor unit cannot show the ending (JPY and .90).
    """
    if price.amount < 1 or ending % minor_unit(price.currency):
        return price
    candidate = price.amount.to_integral_value(ROUND_FLOOR) + ending
    if candidate < price.amount:
        candidate += 1
    return Money(candidate, price.currency).rounded()
