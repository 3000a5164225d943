"""An order's voucher codes: read from its mail, judged on its quote, reserved with it.

Codes come from the subject, the body without quoted mail, and the order's voucher columns.
Words written as codes (after "code:", alone on a line, in a voucher column) are always
answered, also in a mail without order lines (a usable code is then "valid", with what it
gives); words that may be codes (`near_codes`) only when one slip from a usable code; other
tokens that are neither known codes nor serial-shaped are ordinary words and are left out
(`vouchers.look_up`). Judging is pure (`domain.vouchers`). Reserving counts
against the limits and can still refuse a code that other orders took in the meantime: its
discount is then dropped and the reply says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from mailbot.domain.money import Money
from mailbot.domain.orders import PAST_ORDER_STATUSES
from mailbot.domain.pricing import normalise_sku
from mailbot.domain.quotes import Quote
from mailbot.domain.vouchers import (
    AppliedVoucher,
    Basket,
    BasketLine,
    Candidate,
    ClientHistory,
    VoucherResults,
    VoucherTerms,
    evaluate_vouchers,
)
from mailbot.domain.vouchers.codes import loose_form
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.outbound.voucher_lookups import benefit_words, lookup_words
from mailbot.outbound.voucher_rows import VoucherRow, voucher_rows
from mailbot.parsers import voucher_codes
from mailbot.parsers.catalogue import Catalogue
from mailbot.parsers.message import ParsedMessage
from mailbot.parsers.order_lines import NO_CATALOGUE
from mailbot.parsers.voucher_tokens import code_tokens
from mailbot.parsers.written_codes import near_codes, written_codes
from mailbot.services.orders.taking import ReadOrder
from mailbot.services.vouchers.look_up import FoundCode, Refusal, look_up_with_history
from mailbot.services.vouchers.reservations import reserve
from mailbot.storage.models import Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class OrderVouchers:
    """Every code an order's mail named: as looked up, as judged, and refused when reserving."""

    found: tuple[FoundCode, ...] = ()
    results: VoucherResults | None = None
    refused_on_reserve: Mapping[str, Refusal] = field(default_factory=dict)

    @property
    def kept(self) -> tuple[AppliedVoucher, ...]:
        """The applied codes that were not refused on reserving."""
        if self.results is None:
            return ()
        return tuple(a for a in self.results.applied if a.code not in self.refused_on_reserve)

    @property
    def discount(self) -> Money | None:
        """What the kept codes take off the net total; None when that is nothing (a free
        shipping code takes nothing off the lines)."""
        if not self.kept:
            return None
        total = self.kept[0].discount
        for applied in self.kept[1:]:
            total += applied.discount
        return total if total.amount else None

    def rows(self, language: str) -> tuple[VoucherRow, ...]:
        """One row per code, in the order written, in `language`."""
        words = lookup_words(language)
        judged = {}
        if self.results is not None:
            judged = {row.code: row for row in voucher_rows(self.results, language)}
        rows = []
        for found in self.found:
            refusal = found.refusal or self.refused_on_reserve.get(found.shown)
            row = judged.get(found.shown)
            if refusal is not None:
                row = VoucherRow(found.shown, "refused", words[refusal.value])
            elif row is None and self.results is None and found.terms is not None:
                benefit = benefit_words(VoucherTerms.from_dict(found.terms), language)
                valid = words["valid"] % {"benefit": benefit}
                row = VoucherRow(found.shown, "valid", valid, (words["with order lines"],))
            if row is None:
                continue
            if found.corrected:
                read_as = words["corrected"] % {"typed": found.typed, "code": found.shown}
                row = replace(row, details=(*row.details, read_as))
            if found.suggestion is not None:
                did_you_mean = words["did you mean"] % {"code": found.suggestion}
                row = replace(row, details=(*row.details, did_you_mean))
            rows.append(row)
        return tuple(rows)


def look_up_codes(
    uow: UnitOfWork,
    client: Partner,
    order: ReadOrder,
    message: ParsedMessage,
    catalogue: Catalogue = NO_CATALOGUE,
) -> OrderVouchers:
    """The codes the order's mail names, looked up and not yet judged: what a mail without
    order lines is answered with (its usable codes "valid").

    Words written as codes are answered even when unknown, unless they are the order's SKUs or
    the `catalogue`'s; words that may be codes, when one slip from a usable code.
    """
    return OrderVouchers(_look_up(uow, client, order, message, catalogue, None)[0])


def code_candidates(message: ParsedMessage) -> set[str]:
    """Every stored code the words of `message`'s subject and text may stand for, whatever its
    order's SKUs: what `look_up_codes` asks of them and more (it leaves the order's SKUs out).
    What an order's files name as codes is not among them."""
    subject, text = message.subject, message.text
    words = [
        *code_tokens(subject, text),
        *written_codes(subject, text, _never),
        *near_codes(subject, text, _never),
    ]
    return {code for word in words for code in voucher_codes.candidates(word)}


def _never(word: str) -> bool:
    return False


def _look_up(
    uow: UnitOfWork,
    client: Partner,
    order: ReadOrder,
    message: ParsedMessage,
    catalogue: Catalogue,
    currency: str | None,
) -> tuple[tuple[FoundCode, ...], tuple[Decimal, ...] | None]:
    """`look_up_codes`' codes, and with a `currency` the client's earlier order totals in it,
    read together (see `look_up_with_history`)."""
    skus = {normalise_sku(line.sku) for line in order.lines.lines}
    skus |= {normalise_sku(line.sku) for line in order.lines.rejected}

    def is_sku(word: str) -> bool:
        return normalise_sku(word) in skus or bool(catalogue.find(word).skus)

    written = [*written_codes(message.subject, message.text, is_sku), *order.codes]
    near = near_codes(message.subject, message.text, is_sku)
    tokens = [*code_tokens(message.subject, message.text), *written, *near]
    tokens = list(dict.fromkeys(tokens))
    if not tokens:
        return (), None
    marked = {loose_form(code) for code in written}
    loose_near = {loose_form(word) for word in near}
    return look_up_with_history(uow, tokens, client.id, marked, loose_near, currency)


def judge_codes(
    uow: UnitOfWork,
    client: Partner,
    order: ReadOrder,
    message: ParsedMessage,
    quote: Quote,
    *,
    received_at: datetime,
    zone: tzinfo,
    catalogue: Catalogue = NO_CATALOGUE,
) -> OrderVouchers:
    """Look up the codes the order's mail names (`look_up_codes`) and judge the usable ones on
    `quote`. Dates are judged on the day the mail was received in `zone` (the client's time
    zone). The client's history is read in the same statement as the codes."""
    currency = quote.currency if quote.lines else None
    found, past_totals = _look_up(uow, client, order, message, catalogue, currency)
    if past_totals is None:
        return OrderVouchers(found)  # no line to judge a usable code on: it is "valid"
    history = history_from(past_totals, quote.currency, quote.vat_percent)
    return judge_found(found, quote, client.group, history, received_at.astimezone(zone).date())


def judge_found(
    found: Sequence[FoundCode], quote: Quote, group: str, history: ClientHistory, on: date
) -> OrderVouchers:
    """Judge the usable codes of `found` on `quote` for a client of `group` with `history`,
    dates as of the day `on`: the mail's and the API's judging."""
    found = tuple(found)
    usable = [f for f in found if f.refusal is None and f.terms is not None]
    if not usable or not quote.lines:
        return OrderVouchers(found)  # no line to judge a usable code on: it is "valid"
    basket = Basket(
        lines=tuple(
            BasketLine(n, line.sku, line.brand, line.category, line.quantity, line.unit_price)
            for n, line in enumerate(quote.lines, 1)
        ),
        currency=quote.currency,
        vat_percent=quote.vat_percent,
        client_group=group,
        history=history,
        received_on=on,
    )
    candidates = [
        Candidate(f.shown, _terms_of(f.terms), f.budget_left) for f in usable if f.terms is not None
    ]
    return OrderVouchers(found, evaluate_vouchers(basket, candidates))


# Terms parsed lately, by the identity of their document (kept here, so that its id is not
# reused while it is): the look-up gives the same document for a campaign's same terms
# (`storage.voucher_lookup`), so each is parsed once, not once per order.
_parsed: dict[int, tuple[dict[str, Any], VoucherTerms]] = {}


def _terms_of(document: dict[str, Any]) -> VoucherTerms:
    hit = _parsed.get(id(document))
    if hit is not None and hit[0] is document:
        return hit[1]
    terms = VoucherTerms.from_dict(document)
    if len(_parsed) >= 256:
        _parsed.clear()
    _parsed[id(document)] = (document, terms)
    return terms


def reserve_codes(
    uow: UnitOfWork,
    judged: OrderVouchers,
    *,
    order_id: int,
    client_id: int,
    inbound_id: int,
    now: datetime,
    hold_until: datetime,
) -> OrderVouchers:
    """Reserve the applied codes for the order until `hold_until`; those refused now (a limit
    reached since they were looked up) lose their discount."""
    if judged.results is None or not judged.results.applied:
        return judged
    stored = {f.shown: f.code for f in judged.found if f.code is not None}
    applied = judged.results.applied
    reservations = reserve(
        uow,
        order_id=order_id,
        client_id=client_id,
        codes_with_discounts=[(stored[a.code], a.discount) for a in applied],
        inbound_id=inbound_id,
        now=now,
        hold_until=hold_until,
    )
    refused = {
        voucher.code: reservation.refusal
        for voucher, reservation in zip(applied, reservations, strict=True)
        if reservation.refusal is not None
    }
    return replace(judged, refused_on_reserve=refused)


def client_history(
    uow: UnitOfWork, client_id: int, currency: str, vat_percent: Decimal
) -> ClientHistory:
    """The client company's earlier agreed orders in `currency`: how many, revenue net and gross."""
    totals = uow.orders.totals_of(client_id, PAST_ORDER_STATUSES, currency)
    return history_from(totals, currency, vat_percent)


def history_from(totals: Sequence[Decimal], currency: str, vat_percent: Decimal) -> ClientHistory:
    """A client's history from the net totals of its earlier orders in `currency`."""
    net = Money(sum(totals, Decimal(0)), currency).rounded()
    gross = (net * (1 + vat_percent / 100)).rounded()
    return ClientHistory(len(totals), net, gross)


def discount_on_confirmed(
    uow: UnitOfWork, order: Order, client: Partner, *, vat_percent: Decimal, zone: tzinfo
) -> Decimal:
    """Judge the order's redeemed codes again on its confirmed quantities, with the terms frozen
    when they were reserved, and return their discount now.

    A code never gives more than it was granted; a code that no longer qualifies gives nothing.
    What a code gives back returns to its campaign's budget. The client's history leaves this
    order out, as it was when the order was quoted; dates are judged on the day the order was
    received in `zone`.
    """
    redeemed = [r for r in uow.vouchers.of_order(order.id) if r.status == RedemptionStatus.REDEEMED]
    if not redeemed:
        return Decimal(0)
    priced = [line for line in order.lines if line.unit_price is not None and line.quantity]
    offers = uow.prices.offers(normalise_sku(line.sku) for line in priced)
    lines = []
    for n, line in enumerate(priced, 1):
        count = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
        offer = next(iter(offers.get(normalise_sku(line.sku), ())), None)
        if count and line.unit_price is not None:
            price = Money(line.unit_price, order.currency)
            brand, category = (offer.brand, offer.category) if offer else ("", "")
            lines.append(BasketLine(n, line.sku, brand, category, count, price))
    past = client_history(uow, client.id, order.currency, vat_percent)
    this = Money(order.total, order.currency)
    net = past.revenue_net - this
    history = ClientHistory(past.past_orders - 1, net, (net * (1 + vat_percent / 100)).rounded())
    basket = Basket(
        lines=tuple(lines),
        currency=order.currency,
        vat_percent=vat_percent,
        client_group=client.group,
        history=history,
        received_on=order.created_at.astimezone(zone).date(),
    )
    candidates = [Candidate(str(r.id), VoucherTerms.from_dict(r.terms)) for r in redeemed]
    results = evaluate_vouchers(basket, candidates)
    now_given = {int(a.code): a.discount.amount for a in results.applied}
    total = Decimal(0)
    for redemption in redeemed:
        given = min(now_given.get(redemption.id, Decimal(0)), redemption.discount)
        if given != redemption.discount:
            campaign = uow.vouchers.lock_campaign(redemption.campaign_id)
            if campaign.budget is not None:
                campaign.discount_used -= redemption.discount - given
            redemption.discount = given
        total += given
    return total
