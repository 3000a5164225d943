"""Pricing an order: every requested line ends quoted or rejected with its reason, never dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mailbot.domain.lines import Origin, RejectedLine, Rejection, RequestedLine
from mailbot.domain.money import Money
from mailbot.domain.pricing import Markup, Offer, best_offer, normalise_sku


@dataclass(frozen=True, slots=True)
class QuotedLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money
    supplier_id: int
    origin: Origin


@dataclass(frozen=True, slots=True)
class Quote:
    currency: str
    lines: tuple[QuotedLine, ...]
    rejected: tuple[RejectedLine, ...]

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            total += line.line_total
        return total


def quote_order(
    requested: Sequence[RequestedLine],
    offers_by_sku: Mapping[str, Iterable[Offer]],
    *,
    currency: str,
    markup: Markup,
    max_quantity: int,
    rejected: Iterable[RejectedLine] = (),
) -> Quote:
    """Price each requested line from `offers_by_sku` (keyed by normalised SKU) in `currency`.

    `rejected` are lines the parser already refused; they are carried into the quote so the
    reply lists every line the partner wrote.
    """
    quoted: list[QuotedLine] = []
    refused = list(rejected)
    for line in requested:
        outcome = _quote_line(line, offers_by_sku, currency, markup, max_quantity)
        if isinstance(outcome, QuotedLine):
            quoted.append(outcome)
        else:
            refused.append(outcome)
    refused.sort(key=lambda r: (r.origin.source != "body", r.origin.source, r.origin.row))
    return Quote(currency=currency, lines=tuple(quoted), rejected=tuple(refused))


def _quote_line(
    line: RequestedLine,
    offers_by_sku: Mapping[str, Iterable[Offer]],
    currency: str,
    markup: Markup,
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
    offer = best_offer(in_currency, quantity, markup)
    if offer is None:
        available = max(offer.stock or 0 for offer in in_currency)
        if available == 0:
            return reject(Rejection.OUT_OF_STOCK)
        return reject(Rejection.INSUFFICIENT_STOCK, str(available))
    unit_price = markup.client_price(offer)
    return QuotedLine(
        sku=offer.sku,
        name=offer.name,
        quantity=quantity,
        unit_price=unit_price,
        line_total=(unit_price * quantity).rounded(),
        supplier_id=offer.supplier_id,
        origin=line.origin,
    )
