"""Redeeming and releasing reserved voucher codes: when the client agrees, when an order is
cancelled or a hold runs out, and over the HTTP API.

Every function works in the caller's unit of work and leaves the commit to it. A release gives
its use and discount back to the campaign's limits with the campaign's row locked (SELECT ...
FOR UPDATE; SQLite's BEGIN IMMEDIATE holds the whole database), so concurrent processes never
exceed them. Redeeming or releasing what is already redeemed or released changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from mailbot.domain.events import EventType, money
from mailbot.domain.vouchers.redemptions import HOLDING, RedemptionStatus
from mailbot.services.vouchers.reservations import channel
from mailbot.storage.models import VoucherRedemption
from mailbot.storage.unit_of_work import UnitOfWork


def redeem(
    uow: UnitOfWork, *, order_id: int, inbound_id: int, now: datetime
) -> tuple[VoucherRedemption, ...]:
    """Redeem the order's reservations (the client agreed); what is already redeemed or released
    stays so. Returns every redemption of the order as it now is."""
    redemptions = uow.vouchers.of_order(order_id)
    for redemption in redemptions:
        if redemption.status == RedemptionStatus.RESERVED:
            redemption.status = RedemptionStatus.REDEEMED
            redemption.redeemed_at = now
            redemption.redeemed_inbound_id = inbound_id
            _tell(uow, EventType.VOUCHER_CODE_REDEEMED, redemption, now)
    uow.flush()
    return tuple(redemptions)


def release(
    uow: UnitOfWork, *, order_id: int, inbound_id: int | None, now: datetime, reason: str
) -> tuple[VoucherRedemption, ...]:
    """Release the order's reserved and redeemed codes (the order was cancelled), giving their
    uses and discounts back to the limits. Returns every redemption of the order as it now is."""
    redemptions = uow.vouchers.of_order(order_id)  # in campaign order, for the locks
    for redemption in redemptions:
        if redemption.status in HOLDING:
            _release(uow, redemption, inbound_id, now, reason)
    uow.flush()
    return tuple(redemptions)


def release_expired(uow: UnitOfWork, *, now: datetime, without_order: bool = False) -> int:
    """Release every reservation whose hold ran out before `now` (a quote expired, a till's
    hold ran out), with `without_order` only those of no order (a shop's, a till's); how many.
    One redeemed meanwhile (over the API) stays redeemed."""
    released = 0
    expired = uow.vouchers.expired(now, without_order=without_order)
    for redemption in expired:  # in campaign order, for the locks
        released += _release(uow, redemption, None, now, "hold expired", only=RESERVED)
    uow.flush()
    return released


def redeem_held(
    uow: UnitOfWork, redemption_id: int, *, now: datetime, key_id: int, order_ref: str
) -> VoucherRedemption | RedemptionStatus | None:
    """Redeem one reservation made over the API, for the channel's order `order_ref`, by the
    API key `key_id`: the redemption; or its status when it is no longer reserved (released, or
    redeemed already: for another order reference); None when its hold ran out before `now`."""
    redemption = uow.vouchers.lock_redemption(redemption_id)
    if redemption.status != RedemptionStatus.RESERVED:
        if redemption.status == RedemptionStatus.REDEEMED and redemption.order_ref == order_ref:
            return redemption  # the same redemption asked again
        return RedemptionStatus(redemption.status)
    if redemption.hold_until < now:
        return None
    redemption.status = RedemptionStatus.REDEEMED
    redemption.redeemed_at = now
    redemption.order_ref = order_ref
    redemption.redeemed_by_key_id = key_id
    _tell(uow, EventType.VOUCHER_CODE_REDEEMED, redemption, now)
    uow.flush()
    return redemption


def release_held(
    uow: UnitOfWork, redemption_id: int, *, now: datetime, key_id: int, reason: str,
    status: RedemptionStatus,
) -> bool:  # fmt: skip
    """Release one reservation (`status` reserved) or roll back one redemption (redeemed) over
    the API, by the key `key_id`, giving its use and discount back to the limits; False when
    it was not in `status` (any more)."""
    redemption = uow.vouchers.redemption(redemption_id)
    if redemption is None:
        return False
    done = _release(uow, redemption, None, now, reason, only=frozenset({status}), key_id=key_id)
    uow.flush()
    return done


RESERVED = frozenset({RedemptionStatus.RESERVED})


def _release(
    uow: UnitOfWork,
    redemption: VoucherRedemption,
    inbound_id: int | None,
    now: datetime,
    reason: str,
    *,
    only: Collection[str] = HOLDING,
    key_id: int | None = None,
) -> bool:
    """Release `redemption` if, read again under its campaign's lock, it is still in one of
    the statuses `only`; whether it was."""
    campaign = uow.vouchers.lock_campaign(redemption.campaign_id)
    redemption = uow.vouchers.lock_redemption(redemption.id)
    if redemption.status not in only:
        return False
    campaign.used -= 1
    if campaign.budget is not None:
        campaign.discount_used -= redemption.discount
    redemption.status = RedemptionStatus.RELEASED
    redemption.released_at = now
    redemption.released_inbound_id = inbound_id
    redemption.released_by_key_id = key_id
    redemption.release_reason = reason[:64]
    _tell(uow, EventType.VOUCHER_CODE_RELEASED, redemption, now, reason=reason)
    return True


def _tell(
    uow: UnitOfWork, kind: EventType, redemption: VoucherRedemption, now: datetime, **more: str
) -> None:
    """Record what became of a redemption, for the ERP; over the API, with the key that
    took this step."""
    key_id = {
        EventType.VOUCHER_CODE_REDEEMED: redemption.redeemed_by_key_id,
        EventType.VOUCHER_CODE_RELEASED: redemption.released_by_key_id,
    }.get(kind, redemption.api_key_id)
    by = uow.api_keys.name_of(key_id)
    payload = {
        "code": uow.vouchers.code(redemption.code_id).code,
        "redemption": redemption.id,
        "client": redemption.client_id,
        "order_id": redemption.order_id,
        "campaign": redemption.campaign_id,
        "discount": money(redemption.discount, redemption.currency),
        **channel(redemption.customer_ref, redemption.order_ref, by),
        **more,
    }
    uow.events.record(kind, redemption.campaign_id, payload, now)
