"""Vouchers in the order flow: reading typed codes, and reserving, redeeming and releasing them.

Every function works in the caller's unit of work and leaves the commit to it. Limits (total
redemptions, per client company, discount budget) count reservations and redemptions, never
released ones, and are checked with the campaign's row locked (by the guarded UPDATE that counts
a use, or SELECT ... FOR UPDATE to give one back; SQLite's BEGIN IMMEDIATE holds the whole
database), so concurrent processes never exceed them. The lock lasts until the caller commits:
reserve late in a transaction. A limit reached is an answer with a reason, not an error. Each
step is idempotent per inbound message: a message reserves a code at most once, and redeeming
or releasing what is already redeemed or released changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mailbot.domain.actors import HTTP_API, Actor
from mailbot.domain.events import VERSIONS, EventType, money
from mailbot.domain.money import Money
from mailbot.domain.vouchers.codes import loose_form, normalise_code
from mailbot.domain.vouchers.redemptions import HOLDING, RedemptionStatus
from mailbot.parsers.voucher_codes import (
    PREFIX_LENGTH,
    MatchKind,
    candidates,
    is_serial_shape,
    match,
    one_slip_variants,
)
from mailbot.storage.models import VoucherCampaign, VoucherRedemption
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.storage.voucher_lookup import KnownCode
from mailbot.storage.voucher_reservations import (
    Claimable,
    Holder,
    ReservedEvent,
    ServerReservation,
)


class Refusal(StrEnum):
    """Why a code cannot be used, in words a reply template can pick its own text by."""

    UNKNOWN = "unknown"
    LOOKS_MISTYPED = "looks mistyped"
    NOT_YOURS = "issued to another client"
    CLOSED = "campaign closed"
    CODE_USED = "code already used"
    LIMIT_REACHED = "limit reached"
    COMPANY_LIMIT = "already used by your company"
    BUDGET_EXHAUSTED = "budget exhausted"
    CURRENCY = "budget kept in another currency"


@dataclass(frozen=True, slots=True)
class FoundCode:
    """A typed code read as a usable voucher, or refused with the reason.

    `code` is the stored code (None when nothing fits), `shown` how to print it; `corrected`
    says that the typed text was read as another code (look-alikes or one slip); `suggestion`
    is the one usable code an unknown code is a slip from.
    """

    typed: str
    code: str | None
    shown: str
    corrected: bool
    campaign: str = ""
    terms: dict[str, Any] | None = None
    budget_left: Money | None = None
    refusal: Refusal | None = None
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class Reservation:
    """What reserving one code did: `status` reserved (or already redeemed/released by an
    earlier step), or refused with `refusal`."""

    code: str
    status: str
    refusal: Refusal | None = None
    redemption_id: int | None = None
    hold_until: datetime | None = None


def budget_left(campaign: VoucherCampaign | KnownCode) -> Money | None:
    """What is left of the campaign's discount budget, None without a budget."""
    if campaign.budget is None or campaign.budget_currency is None:
        return None
    left = max(campaign.budget - campaign.discount_used, Decimal(0))
    return Money(left, campaign.budget_currency)


def _budget_refusal(left: Money | None, discount: Money | None) -> Refusal | None:
    if left is None:
        return None
    if discount is None:
        return Refusal.BUDGET_EXHAUSTED if left.amount <= 0 else None
    if discount.currency != left.currency:
        return Refusal.CURRENCY
    return Refusal.BUDGET_EXHAUSTED if discount.amount > left.amount else None


def _refusal(code: KnownCode, client_id: int) -> Refusal | None:
    """The first thing that stops `client_id` using `code`, given its counts."""
    if not code.active:
        return Refusal.CLOSED
    if code.owner_id is not None and code.owner_id != client_id:
        return Refusal.NOT_YOURS
    if code.kind == "serial" and code.code_held:
        return Refusal.CODE_USED
    if code.max_redemptions is not None and code.used >= code.max_redemptions:
        return Refusal.LIMIT_REACHED
    if code.per_client_limit is not None and code.held_by_client >= code.per_client_limit:
        return Refusal.COMPANY_LIMIT
    return _budget_refusal(budget_left(code), None)


def look_up(
    uow: UnitOfWork,
    tokens: Sequence[str],
    client_id: int,
    written: Collection[str] = (),
    near: Collection[str] = (),
) -> tuple[FoundCode, ...]:
    """Read candidate tokens (from `code_tokens`) as codes for `client_id`, in their order.

    Known codes, serial-shaped tokens with a campaign's prefix ("unknown" or "looks
    mistyped"), and tokens the client wrote as codes (`written`, in loose form: "unknown", with
    the usable code one slip away if there is exactly one) are answered; so are tokens that
    may be written as codes (`near`, in loose form) when exactly one usable code is one slip
    away ("unknown", did you mean). Every other token is an ordinary word and left out. The
    limits are read without a lock: `reserve` checks them again.
    """
    return look_up_with_history(uow, tokens, client_id, written, near)[0]


def look_up_with_history(
    uow: UnitOfWork,
    tokens: Sequence[str],
    client_id: int,
    written: Collection[str] = (),
    near: Collection[str] = (),
    currency: str | None = None,
) -> tuple[tuple[FoundCode, ...], tuple[Decimal, ...] | None]:
    """`look_up`, and with a `currency` the net totals of the client's earlier orders in it,
    read in the same statement as the codes (None: no currency, or no code was found, and so
    no code to judge on a history)."""
    codes = (c for token in tokens for c in candidates(token))
    known, past_totals = uow.vouchers.codes_for(codes, client_id, history_in=currency)
    prefixes: set[str] | None = None
    found: dict[str, FoundCode] = {}
    for token in tokens:
        if prefixes is None and normalise_code(token) not in known and is_serial_shape(token):
            prefixes = uow.vouchers.known_prefixes()  # asked only when a token needs them
        read = match(token, known, prefixes or set())
        if read.code is None:
            unknown = read.kind is MatchKind.UNKNOWN
            if not unknown or _looks_like_ours(token, prefixes or set()):
                why = Refusal.UNKNOWN if unknown else Refusal.LOOKS_MISTYPED
                found.setdefault(token, FoundCode(token, None, token, False, refusal=why))
            elif loose_form(token) in written or loose_form(token) in near:
                hint = _suggestion(uow, token, client_id)
                if hint is not None or loose_form(token) in written:
                    found.setdefault(
                        token,
                        FoundCode(
                            token, None, token, False, refusal=Refusal.UNKNOWN, suggestion=hint
                        ),
                    )
            continue
        code = known[read.code]
        found.setdefault(
            read.code,
            FoundCode(
                typed=token,
                code=read.code,
                shown=code.display,
                corrected=read.kind is MatchKind.CORRECTED,
                campaign=code.campaign,
                terms=code.terms,
                budget_left=budget_left(code),
                refusal=_refusal(code, client_id),
            ),
        )
    return tuple(found.values()), past_totals


def _suggestion(uow: UnitOfWork, typed: str, client_id: int) -> str | None:
    """The one code `client_id` may use that `typed` is a slip from, as printed; None when
    none or several are."""
    near = uow.vouchers.usable_codes(one_slip_variants(typed), client_id)
    return near[0] if len(near) == 1 else None


def _looks_like_ours(typed: str, prefixes: set[str]) -> bool:
    """A serial-shaped token with a campaign's prefix: worth an "unknown" answer."""
    return is_serial_shape(typed) and normalise_code(typed)[:PREFIX_LENGTH] in prefixes


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
        told = _channel(holder.customer_ref, holder.order_ref,
                        uow.api_keys.name_of(holder.api_key_id))  # fmt: skip
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
        **_channel(holder.customer_ref, holder.order_ref, uow.api_keys.name_of(holder.api_key_id)),
    }
    uow.events.record(EventType.VOUCHER_CODE_RESERVED, campaign_id, payload, now)


def _channel(customer_ref: str | None, order_ref: str | None, key: str | None) -> dict[str, str]:
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
    return _budget_refusal(budget_left(campaign), discount) or Refusal.LIMIT_REACHED


def _reservation(code: str, status: str, redemption_id: int, hold_until: datetime) -> Reservation:
    return Reservation(code, status, redemption_id=redemption_id, hold_until=hold_until)


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
        **_channel(redemption.customer_ref, redemption.order_ref, by),
        **more,
    }
    uow.events.record(kind, redemption.campaign_id, payload, now)
