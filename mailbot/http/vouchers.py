"""`POST /api/v1/vouchers/validate`: codes judged on a basket, with every failed rule in
machine terms and in words, changing nothing (services/vouchers/validation.py)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Self

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator

from mailbot.domain.api_roles import Role
from mailbot.domain.money import Money
from mailbot.domain.quotes import Quote
from mailbot.domain.vouchers.outcomes import Check, Value
from mailbot.http.auth import Caller, allowed, state_of
from mailbot.http.problems import ApiError
from mailbot.services.vouchers import channel_sales as sales
from mailbot.services.vouchers.campaigns import VoucherError
from mailbot.services.vouchers.compensation import compensate
from mailbot.services.vouchers.order_codes import OrderVouchers
from mailbot.services.vouchers.validation import BasketItem, validate_codes

router = APIRouter(prefix="/api/v1/vouchers", tags=["vouchers"])

MAX_LINES = 2000
MAX_CODES = 20
# A validated basket links to its reservation (see voucher_sales: reserve → redeem → rollback),
# for clients and schemathesis' stateful mode.
VALIDATED_LINKS = {
    "Reserve": {
        "operationId": "reserve",
        "requestBody": {
            part: f"$request.body#/{part}" for part in ("customer", "currency", "lines", "codes")
        },
    },
}


class LineIn(BaseModel):
    sku: str = Field(min_length=1, max_length=100)
    quantity: int = Field(gt=0, le=1_000_000)
    unit_price: Decimal | None = Field(
        None,
        ge=0,
        max_digits=18,
        decimal_places=4,
        description="Net, from a shop that prices itself",
    )


class CustomerIn(BaseModel):
    """Exactly one of: a client partner's address or id, or the channel's own reference of a
    retail customer (a loyalty card), under which per-customer limits count."""

    address: str | None = Field(None, min_length=3, max_length=320)
    id: int | None = Field(None, ge=1, le=2**31 - 1)
    external: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one(self) -> Self:
        if sum(value is not None for value in (self.address, self.id, self.external)) != 1:
            raise ValueError("name the customer by exactly one of address, id, external")
        return self


class ValidateIn(BaseModel):
    customer: str | CustomerIn = Field(
        description="A client's address, or {address}, {id} or {external: reference}"
    )
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    codes: list[str] = Field(min_length=1, max_length=MAX_CODES)
    language: str = Field("en", max_length=16, description="Of the sentences: en, ru or ro")


class MoneyOut(BaseModel):
    amount: str
    currency: str


class FailedRule(BaseModel):
    rule: str
    problem: str
    actual: object = None
    required: object = None
    gap: object = None
    fix: dict[str, object] | None = None
    subject: str = ""


class CodeOut(BaseModel):
    code: str
    status: Literal["applied", "refused", "skipped", "valid"]
    reason: str = Field("", description="Why it was refused or skipped, as a machine code")
    campaign: str = ""
    discount: MoneyOut | None = None
    lines: list[int] = []
    failures: list[FailedRule] = []
    read_as: str = Field("", description="The code the typed text was read as, when corrected")
    did_you_mean: str = ""
    sentence: str = ""
    details: list[str] = []


class LineOut(BaseModel):
    line: int
    sku: str
    quantity: int
    unit_price: MoneyOut
    total: MoneyOut


class RejectedOut(BaseModel):
    line: int
    sku: str
    reason: str


class ValidateOut(BaseModel):
    currency: str
    subtotal: MoneyOut
    discount: MoneyOut
    lines: list[LineOut]
    rejected: list[RejectedOut]
    codes: list[CodeOut]


def money(value: Money) -> MoneyOut:
    return MoneyOut(amount=str(value.amount), currency=value.currency)


def plain(value: Value | Money | Decimal) -> object:
    """A rule's value as JSON: amounts with their currency, dates in ISO 8601."""
    if isinstance(value, Money):
        return money(value).model_dump()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    return value


def failed(check: Check) -> FailedRule:
    fix = None
    if check.suggestion is not None:
        hint = check.suggestion
        fix = {
            "action": str(hint.action),
            "amount": plain(hint.amount),
            "basis": hint.basis,
            "target": hint.target,
            "scope": [
                {"rule": str(s.rule), "values": list(s.values), "except": s.invert}
                for s in hint.scope
            ],
        }
    return FailedRule(
        rule=str(check.rule),
        problem=str(check.problem or ""),
        actual=plain(check.actual),
        required=plain(check.required),
        gap=plain(check.gap),
        fix=fix,
        subject=check.subject,
    )


@router.post(
    "/validate",
    responses={
        200: {"description": "Each code judged", "links": VALIDATED_LINKS},
        404: {"description": "No such customer"},
    },
)
def validate(
    body: ValidateIn,
    request: Request,
    _who: Annotated[
        Caller,
        Depends(allowed(Role.SHOP, Role.POS, Role.CALL_CENTRE, Role.MARKETING)),
    ],
) -> ValidateOut:
    """Judge `codes` on the basket for the customer, as an order by mail would be: for each
    code whether it applies and what it takes off which lines, or every rule it fails with
    the actual and required values, the gap and the smallest fix, and the same sentences as
    the mailed quote in `language`. Nothing is reserved."""
    app = state_of(request).app
    with app.reading() as uow:
        uow.commit_each_statement()  # three reads, each seeing what is committed, as it would
        try:
            buyer, zone = sales.buyer_of(uow, customer_of(body.customer), body.currency.upper())
        except sales.SaleError as error:
            raise sale_error(error) from None
        items = [BasketItem(line.sku, line.quantity, line.unit_price) for line in body.lines]
        on = app.clock.now().astimezone(app.deadlines.zone_of(zone)).date()
        judged = validate_codes(uow, buyer, items, body.codes, rules=app.rules, on=on)
    return _answer(judged.quote, judged.vouchers, body.language)


def customer_of(given: str | CustomerIn) -> sales.Customer:
    if isinstance(given, str):
        return sales.Customer(address=given)
    return sales.Customer(given.address, given.id, given.external)


def sale_error(error: sales.SaleError) -> ApiError:
    """A channel's refused request as a problem, naming the field at fault if one is."""
    if error.field:
        field = {"field": f"body.{error.field}", "message": str(error)}
        return ApiError(error.status, str(error), errors=[field])
    return ApiError(error.status, str(error))


def _answer(quote: Quote, vouchers: OrderVouchers, language: str) -> ValidateOut:
    rows = {row.code: row for row in vouchers.rows(language)}
    results = vouchers.results
    applied = {a.code: a for a in results.applied} if results else {}
    refused = {r.code: r for r in results.refused} if results else {}
    skipped = {s.code: s for s in results.skipped} if results else {}
    codes = []
    for found in vouchers.found:
        row = rows.get(found.shown)
        out = CodeOut(
            code=found.shown,
            status="refused",
            campaign=found.campaign,
            read_as=found.shown if found.corrected else "",
            did_you_mean=found.suggestion or "",
            sentence=row.summary if row else "",
            details=list(row.details) if row else [],
        )
        if found.refusal is not None:
            out.reason = found.refusal.name.lower()
        elif found.shown in applied:
            hit = applied[found.shown]
            out.status, out.discount, out.lines = (
                "applied",
                money(hit.discount),
                list(hit.positions),
            )
        elif found.shown in refused:
            out.reason = "rules"
            out.failures = [failed(check) for check in refused[found.shown].failures]
        elif found.shown in skipped:
            out.status, out.reason = "skipped", str(skipped[found.shown].reason)
        else:
            out.status = "valid"  # usable, with no line to judge it on
        codes.append(out)
    discount = vouchers.discount or Money.zero(quote.currency)
    return ValidateOut(
        currency=quote.currency,
        subtotal=money(quote.total),
        discount=money(discount),
        lines=[
            LineOut(
                line=line.origin.row,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=money(line.unit_price),
                total=money(line.line_total),
            )
            for line in quote.lines
        ],
        rejected=[
            RejectedOut(line=line.origin.row, sku=line.sku, reason=str(line.reason))
            for line in quote.rejected
        ],
        codes=codes,
    )


class CompensationIn(BaseModel):
    customer: str = Field(min_length=3, max_length=320, description="The client's address")
    amount: Decimal = Field(gt=0, max_digits=11, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    reason: str = Field(min_length=1, max_length=500)


@router.post("/compensations", status_code=201)
def compensation(
    body: CompensationIn,
    request: Request,
    who: Annotated[Caller, Depends(allowed(Role.CALL_CENTRE))],
) -> dict[str, str]:
    """Issue one code worth `amount` off the client's next order, for that client and one
    use, at most `http.max_compensation`; recorded with the key and the reason."""
    app = state_of(request).app
    cap_amount, cap_currency = app.config.http.max_compensation.split()
    try:
        code = compensate(
            app.uow,
            client=body.customer,
            amount=Money(body.amount, body.currency.upper()),
            cap=Money(Decimal(cap_amount), cap_currency),
            reason=body.reason,
            now=app.clock.now(),
            by=who.actor,
            rng=random.SystemRandom(),
        )
    except VoucherError as error:
        raise ApiError(422, str(error)) from None
    return {"code": code, "customer": body.customer}
