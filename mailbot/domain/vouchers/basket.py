"""What a voucher is judged on: the priced lines of an order, the client and the day it came."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mailbot.domain.money import Money


@dataclass(frozen=True, slots=True)
class BasketLine:
    """One priced line of an order; `unit_price` is net, `position` its number in the quote."""

    position: int
    sku: str
    brand: str
    category: str
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        """The net line total, rounded for the currency."""
        return (self.unit_price * self.quantity).rounded()


@dataclass(frozen=True, slots=True)
class ClientHistory:
    """The client company's earlier orders: how many, and their revenue net and gross."""

    past_orders: int
    revenue_net: Money
    revenue_gross: Money


@dataclass(frozen=True, slots=True)
class Basket:
    """An order as vouchers see it. `received_on` is the client-local date the mail arrived."""

    lines: tuple[BasketLine, ...]
    currency: str
    vat_percent: Decimal
    client_group: str
    history: ClientHistory
    received_on: date

    def net(self, lines: Iterable[BasketLine]) -> Money:
        """The net total of `lines`."""
        total = Money.zero(self.currency)
        for line in lines:
            total += line.total
        return total

    def gross(self, lines: Iterable[BasketLine]) -> Money:
        """The gross total of `lines`: VAT added on their net total, rounded once."""
        return (self.net(lines) * (1 + self.vat_percent / 100)).rounded()
