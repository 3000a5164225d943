"""Reservations and redemptions of voucher codes by a shop or a till
(services/vouchers/channel_sales.py): reserve a basket's codes for a while, release them,
redeem them for the channel's order (from a reservation, or at once), roll a redemption back.
`shop` and `pos` keys act on what they reserved themselves (another key's is 404), a manager's
on anything. The OpenAPI document links each answer to the next steps (validate → reserve →
redeem → rollback), which schemathesis' stateful tests follow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field, model_validator

from mailbot.domain.api_roles import Role
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.http.auth import Caller, allowed, state_of
from mailbot.http.problems import ApiError
from mailbot.http.vouchers import (
    MAX_CODES,
    MAX_LINES,
    CustomerIn,
    LineIn,
    MoneyOut,
    customer_of,
    money,
    sale_error,
)
from mailbot.services.vouchers import channel_sales as sales
from mailbot.services.vouchers.validation import BasketItem

router = APIRouter(prefix="/api/v1/vouchers", tags=["vouchers"])
Seller = Annotated[Caller, Depends(allowed(Role.SHOP, Role.POS))]
DEFAULT_HOLD = 900
RESERVATION_ID = Annotated[int, Path(ge=1, le=2**31 - 1)]


class BasketIn(BaseModel):
    customer: str | CustomerIn = Field(
        description="A client's address, or {address}, {id} or {external: reference}"
    )
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    codes: list[str] = Field(min_length=1, max_length=MAX_CODES)


class ReserveIn(BasketIn):
    ttl: int = Field(DEFAULT_HOLD, ge=1, description="Seconds to hold the codes (at most "
                     "http.max_hold_seconds)")  # fmt: skip


class RedeemIn(BaseModel):
    """Either `reservations` (ids this key reserved), or a basket (customer, currency, lines,
    codes) to reserve and redeem at once; always the channel's `order_ref`."""

    order_ref: str = Field(min_length=1, max_length=100)
    reservations: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, min_length=1, max_length=MAX_CODES
    )
    customer: str | CustomerIn | None = None
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=MAX_LINES)
    codes: list[str] | None = Field(None, min_length=1, max_length=MAX_CODES)

    @model_validator(mode="after")
    def _either(self) -> Self:
        basket = (self.customer, self.currency, self.lines, self.codes)
        if self.reservations is not None and all(part is None for part in basket):
            return self
        if self.reservations is None and all(part is not None for part in basket):
            return self
        raise ValueError("give reservations, or customer, currency, lines and codes")


class RollbackIn(BaseModel):
    reason: str = Field("rolled back", min_length=1, max_length=64)


class SoldOut(BaseModel):
    code: str
    status: Literal["reserved", "redeemed", "refused"]
    reason: str = Field("", description="Why it was refused, as a machine code")
    reservation: int | None = Field(None, description="Its id, to redeem or release it")
    discount: MoneyOut | None = None
    hold_until: datetime | None = None


class SaleOut(BaseModel):
    currency: str
    discount: MoneyOut
    reservations: list[int] = Field(description="The ids of the codes reserved or redeemed")
    codes: list[SoldOut]


class HeldOut(BaseModel):
    id: int
    code: str
    campaign: str
    status: Literal["reserved", "redeemed", "released"]
    discount: MoneyOut
    hold_until: datetime
    order_ref: str | None


class RedeemedOut(BaseModel):
    redemptions: list[HeldOut]
    codes: list[SoldOut] = Field(
        [], description="With a basket: each code, redeemed or refused with the reason"
    )


def _link(operation: str, **more: Any) -> dict[str, Any]:
    return {"operationId": operation, **more}


FIRST = "$response.body#/reservations/0"
# reserve → redeem or release → rollback (validate → reserve: vouchers.VALIDATED_LINKS)
RESERVED_LINKS = {
    "Redeem": _link(
        "redeem",
        requestBody={"reservations": [FIRST], "order_ref": "till-1"},
        **{"x-schemathesis": {"merge_body": False}},
    ),
    "Release": _link("release_reservation", parameters={"reservation_id": FIRST}),
}
REDEEMED_LINKS = {
    "Rollback": _link(
        "rollback_redemption", parameters={"redemption_id": "$response.body#/redemptions/0/id"}
    ),
}


def _key(who: Caller) -> sales.Key:
    return sales.Key(who.key_id, who.name, sees_all=who.role.kind == Role.MANAGER)


def _basket(body: BasketIn | RedeemIn) -> sales.Basket:
    customer, currency, lines, codes = body.customer, body.currency, body.lines, body.codes
    if customer is None or currency is None or lines is None or codes is None:
        raise ApiError(422, "a basket needs customer, currency, lines and codes")
    items = [BasketItem(line.sku, line.quantity, line.unit_price) for line in lines]
    return sales.Basket(customer_of(customer), currency.upper(), items, codes)


def _sale(sold: tuple[sales.Sold, ...], currency: str, response: Response) -> SaleOut:
    taken = [one for one in sold if one.reservation is not None]
    response.status_code = 201 if taken else 200
    total = sum((one.discount.amount for one in taken if one.discount), start=0)
    return SaleOut(
        currency=currency,
        discount=MoneyOut(amount=f"{total:.2f}", currency=currency),
        reservations=[one.reservation for one in taken if one.reservation is not None],
        codes=[
            SoldOut(
                code=one.code,
                status=one.status,
                reason=one.reason,
                reservation=one.reservation,
                discount=money(one.discount) if one.discount else None,
                hold_until=one.hold_until,
            )
            for one in sold
        ],
    )


def _held(held: sales.Held) -> HeldOut:
    return HeldOut(id=held.id, code=held.code, campaign=held.campaign,
                   status=held.status,
                   discount=money(held.discount), hold_until=held.hold_until,
                   order_ref=held.order_ref)  # fmt: skip


@router.post(
    "/reservations",
    operation_id="reserve",
    status_code=201,
    responses={
        201: {"description": "Codes reserved", "links": RESERVED_LINKS},
        200: {"description": "No code could be reserved: each says why", "model": SaleOut},
    },
)
def reserve(body: ReserveIn, request: Request, response: Response, who: Seller) -> SaleOut:
    """Judge `codes` on the basket for the customer as `validate` does, and reserve those that
    apply for `ttl` seconds: they count against the codes' limits and budgets (as an order by
    mail's do) until redeemed, released, or the hold runs out. 201 when a code was reserved;
    200 when none was, each code with the reason."""
    app = state_of(request).app
    longest = app.config.http.max_hold_seconds
    if body.ttl > longest:
        raise ApiError(422, f"a reservation holds at most {longest} s (http.max_hold_seconds)",
                       errors=[{"field": "body.ttl", "message": f"at most {longest}"}])  # fmt: skip
    basket = _basket(body)
    try:
        sold = sales.sell(app.uow, basket, rules=app.rules, zone_of=app.deadlines.zone_of,
                          now=app.clock.now(), hold=timedelta(seconds=body.ttl),
                          key=_key(who))  # fmt: skip
    except sales.SaleError as error:
        raise sale_error(error) from None
    return _sale(sold, basket.currency, response)


@router.get("/reservations/{reservation_id}", operation_id="show_reservation")
def show(reservation_id: RESERVATION_ID, request: Request, who: Seller) -> HeldOut:
    """A reservation or redemption this key made (any, for a manager) as it is now."""
    try:
        held = sales.show(state_of(request).app.uow, reservation_id, key=_key(who))
    except sales.SaleError as error:
        raise sale_error(error) from None
    return _held(held)


@router.delete("/reservations/{reservation_id}", operation_id="release_reservation")
def release(reservation_id: RESERVATION_ID, request: Request, who: Seller) -> HeldOut:
    """Release a reservation: its use and discount go back to the code's limits. 409 when it
    is not reserved any more (a redemption is rolled back instead)."""
    return _release(request, who, reservation_id, RedemptionStatus.RESERVED, "released by channel")


@router.post(
    "/redemptions",
    operation_id="redeem",
    status_code=201,
    responses={201: {"description": "Redeemed", "links": REDEEMED_LINKS}},
)
def redeem(body: RedeemIn, request: Request, response: Response, who: Seller) -> RedeemedOut:
    """Redeem for the channel's order `order_ref`: the `reservations` this key made (all or
    none; 409 when one is released, redeemed for another order, or its hold ran out), or a
    basket's codes at once (those that apply and are not refused by a limit)."""
    app = state_of(request).app
    now = app.clock.now()
    codes: list[SoldOut] = []
    try:
        if body.reservations is not None:
            held = sales.redeem(app.uow, body.reservations, key=_key(who),
                                order_ref=body.order_ref, now=now)  # fmt: skip
        else:
            sold = sales.sell(app.uow, _basket(body), rules=app.rules,
                              zone_of=app.deadlines.zone_of, now=now, hold=timedelta(0),
                              key=_key(who), order_ref=body.order_ref)  # fmt: skip
            codes = _sale(sold, body.currency or "", response).codes
            shown = sales.Key(who.key_id, who.name, sees_all=True)
            held = tuple(
                sales.show(app.uow, one.reservation, key=shown)
                for one in sold
                if one.reservation is not None
            )
    except sales.SaleError as error:
        raise sale_error(error) from None
    response.status_code = 201 if held else 200
    return RedeemedOut(redemptions=[_held(one) for one in held], codes=codes)


@router.post("/redemptions/{redemption_id}/rollback", operation_id="rollback_redemption")
def rollback(
    redemption_id: RESERVATION_ID, request: Request, who: Seller, body: RollbackIn | None = None
) -> HeldOut:
    """Roll back a redemption (a returned purchase, a cancelled sale): the code's use and
    discount go back to its limits. 409 when it is not redeemed."""
    reason = body.reason if body is not None else "rolled back"
    return _release(request, who, redemption_id, RedemptionStatus.REDEEMED, reason)


def _release(
    request: Request, who: Caller, redemption_id: int, status: RedemptionStatus, reason: str
) -> HeldOut:
    app = state_of(request).app
    try:
        held = sales.release(app.uow, redemption_id, key=_key(who), now=app.clock.now(),
                             status=status, reason=reason)  # fmt: skip
    except sales.SaleError as error:
        raise sale_error(error) from None
    return _held(held)
