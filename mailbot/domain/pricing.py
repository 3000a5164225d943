"""Client prices: a supplier's offer plus the markup, and the choice among competing offers.

Supplier prices are net (VAT excluded); so are client unit prices. VAT is added to a quote's
total for clients shown gross prices (see `quotes.Quote`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from mailbot.domain.markup import NO_MARKUP, MarkupRule, with_ending
from mailbot.domain.money import Money


class StockState(StrEnum):
    """What a quote can say about an offer's availability."""

    COUNTED = "counted"  # in stock, and the supplier gives the count
    IN_STOCK = "in_stock"  # the supplier says available, without a count
    UNKNOWN = "unknown"  # the supplier does not say


@dataclass(frozen=True, slots=True)
class Offer:
    """One row of a supplier's active price list. `stock` None means no count was given;
    `in_stock` True means the supplier nevertheless said it is available."""

    supplier_id: int
    sku: str
    name: str
    price: Money
    stock: int | None = None
    brand: str = ""
    category: str = ""
    in_stock: bool | None = None
    delivery_days: int | None = None

    def can_supply(self, quantity: int) -> bool:
        return self.stock is None or self.stock >= quantity

    @property
    def stock_state(self) -> StockState:
        if self.stock is not None:
            return StockState.COUNTED
        return StockState.IN_STOCK if self.in_stock else StockState.UNKNOWN


@dataclass(frozen=True, slots=True)
class PriceRules:
    """How client prices are made and compared.

    `markup`: the rules, most specific matching one wins (see `mailbot.domain.markup`);
    `ending`: psychological rounding, e.g. Decimal("0.90"), None for none;
    `vat_percent`: the VAT rate shown to clients who see gross prices;
    `supplier_priority`: by supplier id, higher wins a tie on price and delivery (default 0).
    """

    markup: tuple[MarkupRule, ...] = ()
    ending: Decimal | None = None
    vat_percent: Decimal = Decimal(0)
    supplier_priority: Mapping[int, int] = field(default_factory=dict)

    def rule_for(self, offer: Offer, group: str = "") -> MarkupRule:
        """The most specific rule matching `offer` for a client in `group` (first among equals)."""
        best: MarkupRule | None = None
        for rule in self.markup:
            if _matches(rule, offer, group) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return best or NO_MARKUP

    def client_price(self, offer: Offer, group: str = "") -> Money:
        """The net unit price a client in `group` pays for `offer`, rounded for its currency."""
        price = self.rule_for(offer, group).price(offer.price)
        return price if self.ending is None else with_ending(price, self.ending)

    def preference(self, offer: Offer, group: str = "") -> tuple[Decimal, bool, int, int, int]:
        """Sort key among offers: lowest client price, then fewest delivery days (unknown
        last), then highest supplier priority, then lowest supplier id (so always the same)."""
        days = offer.delivery_days
        return (
            self.client_price(offer, group).amount,
            days is None,
            days or 0,
            -self.supplier_priority.get(offer.supplier_id, 0),
            offer.supplier_id,
        )


def _matches(rule: MarkupRule, offer: Offer, group: str) -> bool:
    return (
        _same(rule.group, group)
        and _same(rule.brand, offer.brand)
        and _same(rule.category, offer.category)
        and rule.supplier_id in (None, offer.supplier_id)
        and rule.currency in ("", offer.price.currency)
    )


def _same(wanted: str, actual: str) -> bool:
    """An empty `wanted` matches anything; otherwise case and surrounding spaces do not matter."""
    return not wanted or wanted.strip().casefold() == actual.strip().casefold()


def normalise_sku(sku: str) -> str:
    """The key a SKU is matched by: case and surrounding spaces do not matter."""
    return sku.strip().upper()


def best_offer(
    offers: Iterable[Offer], quantity: int, rules: PriceRules, group: str = ""
) -> Offer | None:
    """The preferred offer (see `PriceRules.preference`) that can supply `quantity`, or None."""
    able = [offer for offer in offers if offer.can_supply(quantity)]
    if not able:
        return None
    return min(able, key=lambda offer: rules.preference(offer, group))
