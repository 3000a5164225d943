"""Client prices: a supplier's offer plus the markup, and the choice among competing offers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from mailbot.domain.money import Money


@dataclass(frozen=True, slots=True)
class Offer:
    """One row of a supplier's active price list. `stock` None means the supplier does not say."""

    supplier_id: int
    sku: str
    name: str
    price: Money
    stock: int | None = None
    brand: str = ""
    category: str = ""

    def can_supply(self, quantity: int) -> bool:
        return self.stock is None or self.stock >= quantity


@dataclass(frozen=True, slots=True)
class Markup:
    """Markup percentages: one per supplier where configured, else the default."""

    default_percent: Decimal
    supplier_percent: Mapping[int, Decimal] = field(default_factory=dict)

    def percent_for(self, offer: Offer) -> Decimal:
        return self.supplier_percent.get(offer.supplier_id, self.default_percent)

    def client_price(self, offer: Offer) -> Money:
        """The unit price a client pays for `offer`, rounded to the currency's minor unit."""
        factor = 1 + self.percent_for(offer) / 100
        return (offer.price * factor).rounded()


def normalise_sku(sku: str) -> str:
    """The key a SKU is matched by: case and surrounding spaces do not matter."""
    return sku.strip().upper()


def best_offer(offers: Iterable[Offer], quantity: int, markup: Markup) -> Offer | None:
    """The offer with the lowest client price that can supply `quantity`, or None."""
    able = [offer for offer in offers if offer.can_supply(quantity)]
    if not able:
        return None
    return min(able, key=lambda offer: (markup.client_price(offer).amount, offer.supplier_id))
