"""Baskets and terms for the voucher tests, built the short way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mailbot.domain.money import Money
from mailbot.domain.vouchers import Basket, BasketLine, Candidate, ClientHistory, VoucherTerms


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def item(
    position: int, sku: str, brand: str, quantity: int, price: str, category: str = ""
) -> BasketLine:
    return BasketLine(position, sku, brand, category or "parts", quantity, eur(price))


# Net 116.00 of BPW brakes, 50.00 of SAF axles: 166.00 net, 200.86 gross at 21% VAT.
LINES = (
    item(1, "BPW-0310", "BPW", 2, "58.00", "brakes"),
    item(2, "SAF-2234", "SAF", 1, "50.00", "axles"),
)


def basket(
    lines: tuple[BasketLine, ...] = LINES,
    *,
    group: str = "fleet",
    orders: int = 2,
    revenue: str = "900.00",
    on: date = date(2026, 11, 20),
    currency: str = "EUR",
) -> Basket:
    net = Money(Decimal(revenue), currency)
    history = ClientHistory(orders, net, (net * Decimal("1.21")).rounded())
    return Basket(lines, currency, Decimal(21), group, history, on)


def terms(
    benefit: dict[str, object], *rules: dict[str, object], exclusive: bool = False
) -> VoucherTerms:
    document = {"benefit": benefit, "exclusive": exclusive, "restrictions": list(rules)}
    return VoucherTerms.from_dict(document)


def percent(value: str, **extra: object) -> dict[str, object]:
    return {"kind": "percent", "value": value, **extra}


def fixed(value: str, currency: str = "EUR") -> dict[str, object]:
    return {"kind": "fixed", "value": value, "currency": currency}


def code(name: str, voucher: VoucherTerms, budget: Money | None = None) -> Candidate:
    return Candidate(name, voucher, budget)
