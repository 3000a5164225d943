"""Reserving voucher codes for an order, by mail or over the HTTP API.

Every function works in the caller's unit of work and leaves the commit to it. Limits (total
redemptions, per client company, discount budget) count reservations and redemptions, never
released ones, and are checked with the campaign's row locked (by the guarded UPDATE that counts
a use; SQLite's BEGIN IMMEDIATE holds the whole database), so concurrent processes never exceed
them. The lock lasts until the caller commits: reserve late in a transaction. A limit reached is
an answer with a reason, not an error. A message reserves a code at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mailbot.domain.actors import HTTP_API, Actor
from mailbot.domain.events import VERSIONS, EventType, money
from mailbot.domain.money import Money
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.services.vouchers.look_up import Refusal, budget_left, budget_refusal
from mailbot.storage.models import VoucherCampaign
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.voucher_reservations import (
    Claimable,
    Holder,
    ReservedEvent,
    ServerReservation,
)


@dataclass(frozen=True, slots=True)
class Reservation:
    """What reserving one code did: `status` reserved (or already redeemed/released by an
    earlier step), or refused with `refusal`."""

    code: str
    status: str
    refusal: Refusal | None = None
    redemption_id: int | None = None
    hold_until: datetime | None = None


def reserve(
    uow: UnitOfWork,
    *,
    order_id: int | None,
    client_id: int | None,
    codes_with_discounts: Sequence[tuple[str, Money]],
    inbound_id: int | None,
    now: datetime,
    hold_until: datetime,
    holder: Holder | None = None,
) -> tuple[Reservation, ...]:
    """Reserve each stored code for the order with its discount, until `hold_until`.

    By mail the customer is the client `client_id` and the step is the inbound message's;
    over the HTTP API `holder` names the customer (a partner, or a retail channel's customer
    reference that per-customer limits count under), the API key and the channel's order
    reference, and `inbound_id` is None.

    The first write to a campaign is a guarded UPDATE that counts the use unless the total
    limit is reached or the budget cannot take the discount, and so also takes the campaign's
    row lock; the per-client and single-use checks follow under that lock, and undo the count
    when they refuse. Campaigns are locked in id order, so two transactions never wait on each
    other in a circle. A code the message already reserved gives back that reservation instead
    of a second one (two processes handling the same message at once: the second fails on a
    unique constraint and is retried). On PostgreSQL all of it is one call of a server
    function (one round trip: `Vouchers.reserve_on_server`); on SQLite the same steps are
    statements of their own, under the database lock that BEGIN IMMEDIATE took.
    """
    holder = holder or Holder(client_id)
    if uow.vouchers.reserves_on_server:
        kind = EventType.VOUCHER_CODE_RESERVED
        told = channel(holder.customer_ref, holder.order_ref, holder.api_key_name)
        rows = uow.vouchers.reserve_on_server(
            codes_with_discounts,
            holder=holder,
            order_id=order_id,
            inbound_id=inbound_id,
            now=now,
            hold_until=hold_until,  # and the events `_reserved` records, in the same statement
            event=ReservedEvent(kind.value, VERSIONS[kind], kind.aggregate.value, told),
        )
        by_code = {row.code: row for row in rows}
        return tuple(_from_server(by_code[code]) for code, _ in codes_with_discounts)
    known = uow.vouchers.claimable((code for code, _ in codes_with_discounts), inbound_id)
    results: dict[str, Reservation] = {}
    claims = []
    for code, discount in codes_with_discounts:
        stored = known.get(code)
        if stored is None:
            results[code] = Reservation(code, "refused", Refusal.UNKNOWN)
        elif (earlier := stored.earlier) is not None:
            results[code] = _reservation(code, earlier.status, earlier.id, earlier.hold_until)
        elif stored.owner_id is not None and stored.owner_id != holder.client_id:
            results[code] = Reservation(code, "refused", Refusal.NOT_YOURS)
        else:
            claims.append((stored.campaign_id, code, discount))
    for campaign_id, code, discount in sorted(claims, key=lambda claim: claim[:2]):
        stored = known[code]
        values: dict[str, object] = {
            "code_id": stored.code_id,
            "campaign_id": campaign_id,
            "client_id": holder.client_id,
            "customer_ref": holder.customer_ref,
            "order_id": order_id,
            "order_ref": holder.order_ref,
            "api_key_id": holder.api_key_id,
            "status": RedemptionStatus.RESERVED,
            "discount": discount.amount,
            "currency": discount.currency,
            "terms": stored.terms,
            "inbound_message_id": inbound_id,
            "reserved_at": now,
            "hold_until": hold_until,
            "release_reason": "",
        }
        done = _claim(uow, stored, holder, discount, values)
        if isinstance(done, Refusal):
            results[code] = Reservation(code, "refused", done)
        else:
            results[code] = _reservation(code, "reserved", done, hold_until)
            _reserved(uow, (code, done, campaign_id), holder, order_id, discount, now)
    return tuple(results[code] for code, _ in codes_with_discounts)


def _reserved(
    uow: UnitOfWork,
    about: tuple[str, int, int],
    holder: Holder,
    order_id: int | None,
    discount: Money,
    now: datetime,
) -> None:
    """Record a new reservation (code, its id, its campaign), for the ERP. On PostgreSQL the
    reservation's statement records the same event (`Vouchers.reserve_on_server`): a change
    here is a change there."""
    code, redemption_id, campaign_id = about
    payload: dict[str, object] = {
        "code": code,
        "redemption": redemption_id,
        "client": holder.client_id,
        "order_id": order_id,
        "campaign": campaign_id,
        "discount": money(discount.amount, discount.currency),
        **channel(holder.customer_ref, holder.order_ref, holder.api_key_name),
    }
    uow.events.record(EventType.VOUCHER_CODE_RESERVED, campaign_id, payload, now)


def channel(customer_ref: str | None, order_ref: str | None, key: str | None) -> dict[str, str]:
    """What an event tells of a step taken over the HTTP API: the retail customer's reference,
    the channel's order reference, the API key (named as `signed` names who acted: "till 1
    (HTTP API)"); nothing for a step by mail."""
    by = None if key is None else Actor(key, HTTP_API).label
    told = {"customer_ref": customer_ref, "order_ref": order_ref, "by": by}
    return {name: value for name, value in told.items() if value is not None}


def _from_server(row: ServerReservation) -> Reservation:
    if row.refusal is not None:
        return Reservation(row.code, row.status, Refusal[row.refusal])
    return Reservation(row.code, row.status, redemption_id=row.redemption_id,
                       hold_until=row.hold_until)  # fmt: skip


def _claim(
    uow: UnitOfWork, code: Claimable, holder: Holder, discount: Money, values: dict[str, object]
) -> int | Refusal:
    """Count one use of the code's campaign, charging its budget, and insert the reservation
    `values` under the campaign's row lock: the reservation's id; or undo the count and say
    why not."""
    taken = uow.vouchers.take_use(code.campaign_id, discount)
    if taken is None:
        return _why_not(uow.vouchers.campaign_now(code.campaign_id), discount)
    single_use = code.kind == "serial"
    added = uow.vouchers.add_redemption_within(
        values, per_client=taken.per_client_limit, single_use=single_use
    )
    if added is not None:
        return added
    _, code_held = uow.vouchers.holding(code.campaign_id, holder, code.code_id)
    uow.vouchers.give_back_use(code.campaign_id, taken.discount_used_before)
    return Refusal.CODE_USED if single_use and code_held else Refusal.COMPANY_LIMIT


def _why_not(campaign: VoucherCampaign, discount: Money) -> Refusal:
    """Why `take_use` counted no use, read from the campaign as committed just after."""
    if not campaign.active:
        return Refusal.CLOSED
    if campaign.max_redemptions is not None and campaign.used >= campaign.max_redemptions:
        return Refusal.LIMIT_REACHED
    # Nothing stops it now only if a use was given back since the UPDATE: the limit was
    # reached when the UPDATE looked.
    return budget_refusal(budget_left(campaign), discount) or Refusal.LIMIT_REACHED


def _reservation(code: str, status: str, redemption_id: int, hold_until: datetime) -> Reservation:
    return Reservation(code, status, redemption_id=redemption_id, hold_until=hold_until)
