"""Vouchers sold through a channel (a web shop, a till, over the HTTP API): a basket's codes
judged as `validation` judges them, then reserved until a hold runs out, redeemed for the
channel's order reference (from a reservation or at once), released, or rolled back. Every
step goes through `reservations` and `redemptions` (reserve; redeem_held, release_held), so it
counts against the same limits and budgets as an order by mail, and records the same events;
each names the API key that took it. A key that is not a manager's sees only what it reserved
itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from mailbot.domain.money import Money
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.errors import MailbotError
from mailbot.services.orders.taking import OrderRules
from mailbot.services.vouchers.order_codes import OrderVouchers
from mailbot.services.vouchers.redemptions import redeem_held, release_expired, release_held
from mailbot.services.vouchers.reservations import reserve
from mailbot.services.vouchers.validation import BasketItem, Buyer, validate_codes
from mailbot.storage.models import VoucherRedemption
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.voucher_reservations import Holder


class SaleError(MailbotError):
    """A channel's request that cannot be done: `status` says how (404 no such customer or
    reservation for this key, 409 not in a state for it, 422 a customer that does not fit)."""

    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass(frozen=True, slots=True)
class Customer:
    """How a channel names its customer: a client partner's address or id, or the channel's
    own reference (a loyalty card) for a retail customer with no partner record."""

    address: str | None = None
    partner_id: int | None = None
    external: str | None = None


@dataclass(frozen=True, slots=True)
class Key:
    """The API key taking a step (its id and name), and whether it may act on any key's
    reservations."""

    key_id: int
    name: str
    sees_all: bool


@dataclass(frozen=True, slots=True)
class Sold:
    """One code of a sale: reserved or redeemed (with its reservation's id, discount and hold),
    or refused with a machine reason."""

    code: str
    status: str
    reason: str = ""
    reservation: int | None = None
    discount: Money | None = None
    hold_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """A reservation or redemption as a channel sees it."""

    id: int
    code: str
    campaign: str
    status: str
    discount: Money
    hold_until: datetime
    order_ref: str | None


@dataclass(frozen=True, slots=True)
class Basket:
    customer: Customer
    currency: str
    items: Sequence[BasketItem]
    codes: Sequence[str]


def sell(
    unit: Callable[[], UnitOfWork],
    basket: Basket,
    *,
    rules: OrderRules,
    zone_of: Callable[[str], tzinfo],
    now: datetime,
    hold: timedelta,
    key: Key,
    order_ref: str | None = None,
) -> tuple[Sold, ...]:
    """Judge the basket's codes and reserve those that apply until `now + hold`; with an
    `order_ref`, redeem them for that order at once. One transaction."""
    with unit() as uow:
        buyer, zone = buyer_of(uow, basket.customer, basket.currency)
        on = now.astimezone(zone_of(zone)).date()
        sold = _reserve(uow, buyer, basket, rules, on, now, now + hold, key, order_ref)
        if order_ref is not None:
            for one in sold:
                if one.reservation is not None and one.status == RedemptionStatus.RESERVED:
                    redeem_held(uow, one.reservation, now=now, key_id=key.key_id,
                                order_ref=order_ref)  # fmt: skip
            sold = tuple(
                _as(one, RedemptionStatus.REDEEMED) if one.reservation is not None else one
                for one in sold
            )
        uow.commit()
    return sold


def redeem(
    unit: Callable[[], UnitOfWork],
    reservations: Sequence[int],
    *,
    key: Key,
    order_ref: str,
    now: datetime,
) -> tuple[Held, ...]:
    """Redeem the key's reservations for the channel's order `order_ref`, all or none: 404 for
    one the key may not see, 409 for one released, redeemed for another order, or whose hold
    ran out. One transaction."""
    with unit() as uow:
        done = []
        for redemption_id in sorted(set(reservations)):  # in id order, for the row locks
            _visible(uow, redemption_id, key)
            outcome = redeem_held(uow, redemption_id, now=now, key_id=key.key_id,
                                  order_ref=order_ref)  # fmt: skip
            if outcome is None:
                raise SaleError(409, f"the hold of reservation {redemption_id} ran out")
            if not isinstance(outcome, VoucherRedemption):
                raise SaleError(409, f"reservation {redemption_id} is {outcome}, not reserved")
            done.append(_held(uow, outcome))
        uow.commit()
    return tuple(done)


def release(
    unit: Callable[[], UnitOfWork],
    redemption_id: int,
    *,
    key: Key,
    now: datetime,
    status: RedemptionStatus,
    reason: str,
) -> Held:
    """Release the key's reservation (`status` reserved) or roll back its redemption
    (redeemed), giving the use and the discount back to the limits. One transaction."""
    with unit() as uow:
        found = _visible(uow, redemption_id, key)
        if not release_held(uow, redemption_id, now=now, key_id=key.key_id, reason=reason,
                            status=status):  # fmt: skip
            raise SaleError(409, f"{redemption_id} is {found.status}, not {status}")
        held = _held(uow, found)
        uow.commit()
    return held


def release_lapsed(unit: Callable[[], UnitOfWork], now: datetime) -> int:
    """Release the reservations of shops and tills (no order: a quote's are released when its
    deadline runs out) whose hold ran out before `now`, as the scheduler does on each tick;
    how many. One transaction."""
    with unit() as uow:
        released = release_expired(uow, now=now, without_order=True)
        if released:
            uow.commit()
    return released


def show(unit: Callable[[], UnitOfWork], redemption_id: int, *, key: Key) -> Held:
    with unit() as uow:
        return _held(uow, _visible(uow, redemption_id, key))


def _visible(uow: UnitOfWork, redemption_id: int, key: Key) -> VoucherRedemption:
    """The reservation if the key may see it: its own, or any for a manager; 404 otherwise
    (another key's reservations are not enumerable)."""
    found = uow.vouchers.redemption(redemption_id)
    if found is None or not (key.sees_all or found.api_key_id == key.key_id):
        raise SaleError(404, f"no reservation {redemption_id} of this key")
    return found


def buyer_of(uow: UnitOfWork, customer: Customer, currency: str) -> tuple[Buyer, str]:
    """The buyer a channel names, with its time zone ("" for the desk's)."""
    if customer.external is not None:
        return Buyer(None, currency, customer_ref=customer.external), ""
    if customer.partner_id is not None:
        client = uow.partners.get(customer.partner_id)
        named = f"client {customer.partner_id}"
    else:
        client = uow.partners.by_address(customer.address or "")
        named = f"client {customer.address}"
    if client is None or client.role != "client" or not client.active:
        raise SaleError(404, f"no active {named}")
    if currency != client.currency:
        raise SaleError(422, f"{named} buys in {client.currency}, not {currency}", "currency")
    return Buyer.of(client), client.timezone


def _reserve(
    uow: UnitOfWork,
    buyer: Buyer,
    basket: Basket,
    rules: OrderRules,
    on: date,
    now: datetime,
    hold_until: datetime,
    key: Key,
    order_ref: str | None,
) -> tuple[Sold, ...]:
    judged = validate_codes(uow, buyer, basket.items, basket.codes, rules=rules, on=on).vouchers
    applied = {a.code: a for a in judged.results.applied} if judged.results else {}
    stored = {f.shown: f.code for f in judged.found if f.code is not None and f.shown in applied}
    holder = Holder(buyer.client_id, buyer.customer_ref, key.key_id, order_ref, key.name)
    wanted = [(stored[shown], applied[shown].discount) for shown in stored]
    reservations = reserve(uow, order_id=None, client_id=buyer.client_id,
                           codes_with_discounts=wanted, inbound_id=None, now=now,
                           hold_until=hold_until, holder=holder)  # fmt: skip
    by_code = {r.code: r for r in reservations}
    sold = []
    for found in judged.found:
        reservation = by_code.get(found.code or "") if found.shown in stored else None
        if reservation is None:
            sold.append(Sold(found.shown, "refused", _why_not(judged, found.shown, found.refusal)))
        elif reservation.refusal is not None:
            sold.append(Sold(found.shown, "refused", reservation.refusal.name.lower()))
        else:
            discount = applied[found.shown].discount
            sold.append(Sold(found.shown, reservation.status, "", reservation.redemption_id,
                             discount, reservation.hold_until))  # fmt: skip
    return tuple(sold)


def _why_not(judged: OrderVouchers, shown: str, refusal: object) -> str:
    """Why a code was not reserved, as the validation answer says it."""
    if refusal is not None:
        return str(getattr(refusal, "name", refusal)).lower()
    results = judged.results
    if results is not None and any(r.code == shown for r in results.refused):
        return "rules"
    if results is not None and any(s.code == shown for s in results.skipped):
        return "skipped"
    return "no_line"


def _as(sold: Sold, status: str) -> Sold:
    return Sold(sold.code, status, sold.reason, sold.reservation, sold.discount, sold.hold_until)


def _held(uow: UnitOfWork, redemption: VoucherRedemption) -> Held:
    return Held(
        redemption.id,
        uow.vouchers.code(redemption.code_id).display,
        uow.vouchers.campaign_of(redemption.campaign_id).name,
        redemption.status,
        Money(redemption.discount, redemption.currency),
        redemption.hold_until,
        redemption.order_ref,
    )
