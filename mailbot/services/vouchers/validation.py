"""Judging voucher codes on a basket a shop, a till or a call centre sends (the HTTP API),
by the same rules as an order by mail: the lines priced from the active price lists for the
customer (or at the unit prices a shop that prices itself gives), the codes looked up with
the customer's limits, and judged on that basket. Nothing is changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from mailbot.domain.lines import Origin, RequestedLine
from mailbot.domain.money import Money
from mailbot.domain.pricing import normalise_sku
from mailbot.domain.quotes import Quote, QuotedLine, quote_order
from mailbot.domain.vouchers.basket import ClientHistory
from mailbot.domain.vouchers.codes import loose_form
from mailbot.services.orders.taking import OrderRules, price_rules
from mailbot.services.vouchers.look_up import look_up_with_history
from mailbot.services.vouchers.order_codes import OrderVouchers, history_from, judge_found
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork

# Where a basket's lines come from, as quotes and rejections name it.
SOURCE = "request"


@dataclass(frozen=True, slots=True)
class BasketItem:
    """A line of a basket: SKU, quantity and, from a shop that prices itself, its unit price
    (net, in the customer's currency)."""

    sku: str
    quantity: int
    unit_price: Decimal | None = None


# The client id a retail customer (no partner) is looked up as: no partner has it, so it holds
# no use and no code issued to a client is its own. Its per-customer uses are counted under its
# reference when a code is reserved.
NO_PARTNER = 0


@dataclass(frozen=True, slots=True)
class Buyer:
    """Who a basket is judged for: a client partner (`client_id`), or a retail channel's
    customer known only by the channel's reference (`customer_ref`: the default price group,
    net prices, no order history)."""

    client_id: int | None
    currency: str
    group: str = ""
    gross: bool = False
    customer_ref: str | None = None

    @classmethod
    def of(cls, client: Partner) -> Buyer:
        return cls(client.id, client.currency, client.group, client.price_display == "gross")


@dataclass(frozen=True, slots=True)
class Validation:
    """The basket as priced (lines by their row, from 1) and every code as judged on it."""

    quote: Quote
    vouchers: OrderVouchers


def validate_codes(
    uow: UnitOfWork,
    customer: Buyer,
    items: Sequence[BasketItem],
    codes: Sequence[str],
    *,
    rules: OrderRules,
    on: date,
) -> Validation:
    """Judge `codes` on `items` for `customer` as of the day `on`, as an order's mail would be
    judged; nothing is reserved or written."""
    requested = [
        RequestedLine(item.sku, Decimal(item.quantity), Origin(SOURCE, row))
        for row, item in enumerate(items, 1)
    ]
    quote = quote_order(
        requested,
        uow.prices.offers(normalise_sku(line.sku) for line in requested),
        currency=customer.currency,
        prices=price_rules(uow, rules.pricing),
        max_quantity=rules.max_quantity,
        group=customer.group,
        gross=customer.gross,
    )
    given = {
        row: item.unit_price for row, item in enumerate(items, 1) if item.unit_price is not None
    }
    if given:
        lines = tuple(_at_price(line, given.get(line.origin.row)) for line in quote.lines)
        quote = replace(quote, lines=lines)
    written = {loose_form(code) for code in codes}
    client_id = NO_PARTNER if customer.client_id is None else customer.client_id
    # A client's history is read in the look-up's statement. None: a retail customer, which
    # has no history, or no code found, and so nothing to judge on one.
    currency = None if customer.client_id is None else quote.currency
    found, past_totals = look_up_with_history(
        uow, list(dict.fromkeys(codes)), client_id, written, currency=currency
    )
    if past_totals is None:
        none = Money.zero(quote.currency)
        history = ClientHistory(0, none, none)
    else:
        history = history_from(past_totals, quote.currency, quote.vat_percent)
    return Validation(quote, judge_found(found, quote, customer.group, history, on))


def _at_price(line: QuotedLine, unit_price: Decimal | None) -> QuotedLine:
    if unit_price is None:
        return line
    price = Money(unit_price, line.unit_price.currency)
    return replace(line, unit_price=price, line_total=(price * line.quantity).rounded())
