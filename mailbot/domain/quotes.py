"""Pricing an order: every requested line ends quoted or rejected with its reason, never dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mailbot.domain.lines import Origin, RejectedLine, Rejection, RequestedLine
from mailbot.domain.money import Money
from mailbot.domain.pricing import Offer, PriceRules, StockState, best_offer, normalise_sku


@dataclass(frozen=True, slots=True)
class QuotedLine:
    """A priced line: net unit price and total, and the chosen offer's stock state (with the
    count when the supplier gives one)."""

    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money
    supplier_id: int
    origin: Origin
    stock_state: StockState = StockState.UNKNOWN
    stock: int | None = None
    brand: str = ""
    category: str = ""
    written: str = ""  # how the partner wrote the SKU, when it was read as another notation


@dataclass(frozen=True, slots=True)
class Quote:
    """Priced and rejected lines. Amounts are net; `gross` clients are also shown the VAT on
    the net total and the gross total, each rounded for the currency. `discount` is what the
    order's vouchers take off the net total (None: no voucher applied)."""

    currency: str
    lines: tuple[QuotedLine, ...]
    rejected: tuple[RejectedLine, ...]
    vat_percent: Decimal = Decimal(0)
    gross: bool = False
    discount: Money | None = None

    @property
    def questions(self) -> tuple[RejectedLine, ...]:
        """The lines the reply asks about (which item, how many) rather than refuses."""
        return tuple(line for line in self.rejected if line.reason.is_question)

    @property
    def refused(self) -> tuple[RejectedLine, ...]:
        """The lines that could not be priced, with their reasons; questions aside."""
        return tuple(line for line in self.rejected if not line.reason.is_question)

    @property
    def subtotal(self) -> Money:
        """The sum of the line totals, before any discount."""
        total = Money.zero(self.currency)
        for line in self.lines:
            total += line.line_total
        return total

    @property
    def total(self) -> Money:
        """The net total: the line totals less the discount, never below zero."""
        if self.discount is None:
            return self.subtotal
        remaining = self.subtotal - self.discount
        return remaining if remaining.amount > 0 else Money.zero(self.currency)

    @property
    def vat(self) -> Money:
        """VAT on the net total, worked out once on the total rather than per line."""
        return (self.total * (self.vat_percent / 100)).rounded()

    @property
    def gross_total(self) -> Money:
        return self.total + self.vat


def quote_order(
    requested: Sequence[RequestedLine],
    offers_by_sku: Mapping[str, Iterable[Offer]],
    *,
    currency: str,
    prices: PriceRules,
    max_quantity: int,
    group: str = "",
    gross: bool = False,
    rejected: Iterable[RejectedLine] = (),
) -> Quote:
    """Price each requested line from `offers_by_sku` (keyed by normalised SKU) in `currency`,
    for a client in `group` who is shown gross totals if `gross`.

    `rejected` are lines the parser already refused; they are carried into the quote so the
    reply lists every line the partner wrote.
    """
    quoted: list[QuotedLine] = []
    refused = list(rejected)
    for line in requested:
        outcome = _quote_line(line, offers_by_sku, currency, prices, group, max_quantity)
        if isinstance(outcome, QuotedLine):
            quoted.append(outcome)
        else:
            refused.append(outcome)
    refused.sort(key=lambda r: (r.origin.source != "body", r.origin.source, r.origin.row))
    return Quote(currency, tuple(quoted), tuple(refused), prices.vat_percent, gross)


def _quote_line(
    line: RequestedLine,
    offers_by_sku: Mapping[str, Iterable[Offer]],
    currency: str,
    prices: PriceRules,
    group: str,
    max_quantity: int,
) -> QuotedLine | RejectedLine:
    def reject(reason: Rejection, detail: str = "") -> RejectedLine:
        text = str(line.quantity)
        return RejectedLine(line.origin, reason, sku=line.sku, text=text, detail=detail)

    if line.quantity <= 0:
        return reject(Rejection.NON_POSITIVE_QUANTITY)
    if line.quantity != line.quantity.to_integral_value():
        return reject(Rejection.FRACTIONAL_QUANTITY)
    if line.quantity > max_quantity:
        return reject(Rejection.QUANTITY_TOO_LARGE, str(max_quantity))
    quantity = int(line.quantity)
    offers = list(offers_by_sku.get(normalise_sku(line.sku), ()))
    if not offers:
        return reject(Rejection.UNKNOWN_SKU)
    in_currency = [offer for offer in offers if offer.price.currency == currency]
    if not in_currency:
        return reject(Rejection.NO_OFFER_IN_CURRENCY, currency)
    offer = best_offer(in_currency, quantity, prices, group)
    if offer is None:
        available = max(offer.stock or 0 for offer in in_currency)
        if available == 0:
            return reject(Rejection.OUT_OF_STOCK)
        return reject(Rejection.INSUFFICIENT_STOCK, str(available))
    unit_price = prices.client_price(offer, group)
    return QuotedLine(
        sku=offer.sku,
        name=offer.name,
        quantity=quantity,
        unit_price=unit_price,
        line_total=(unit_price * quantity).rounded(),
        supplier_id=offer.supplier_id,
        origin=line.origin,
        stock_state=offer.stock_state,
        stock=offer.stock,
        brand=offer.brand,
        category=offer.category,
        written=line.written,
    )
