"""Vouchers in the cabinet: a manager's campaigns (limits, use, terms, redemptions), defining
one, issuing a serial campaign's codes and exporting them, as `mailbot vouchers
list|show|create|generate|export` do; and a client's own codes with their state."""

from __future__ import annotations

import io
import random
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from mailbot.domain.money import Money
from mailbot.domain.vouchers.redemptions import HOLDING
from mailbot.errors import MailbotError
from mailbot.outbound.sheets import write_text_table
from mailbot.services.vouchers.campaigns import (
    EXPORT_HEADERS,
    Limits,
    VoucherError,
    campaign_rows,
    create_campaign,
    describe,
    export_rows,
    generate_codes,
    simple_terms,
)
from mailbot.web.cabinet import NotFoundError, Posting, Signed, Visitor, cabinet_of, render

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _manager(who: Visitor) -> None:
    if who.person.role != "manager":
        raise NotFoundError()


@router.get("/vouchers")
def campaigns(request: Request, who: Signed) -> Response:
    _manager(who)
    with cabinet_of(request).app.reading() as uow:
        return render(request, who, "vouchers", {"campaigns": campaign_rows(uow), "error": ""})


@router.post("/vouchers")
def define(
    request: Request,
    who: Posting,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    kind: Annotated[str, Form(max_length=16)],
    benefit: Annotated[str, Form(max_length=8)],
    value: Annotated[str, Form(min_length=1, max_length=20)],
    code: Annotated[str, Form(max_length=40)] = "",
    prefix: Annotated[str, Form(max_length=8)] = "",
    limit: Annotated[int | None, Form(ge=1, le=10_000_000)] = None,
    per_client: Annotated[int | None, Form(ge=1, le=1000)] = None,
) -> Response:
    """Define a campaign with one benefit (a percent off, or an amount off in the desk's
    currency) and its limits, as `mailbot vouchers create` does; richer terms (restrictions,
    rules) are given there or over the API as a terms document."""
    _manager(who)
    app = cabinet_of(request).app
    try:
        terms = _simple(benefit, value, app.config.pricing.currency)
        create_campaign(
            app.uow, name=name.strip(), kind=kind, terms=terms, limits=Limits(limit, per_client),
            now=app.clock.now(), code=code.strip() or None, prefix=prefix.strip() or None,
            by=who.actor,
        )  # fmt: skip
    except MailbotError as error:
        with app.reading() as uow:
            context = {"campaigns": campaign_rows(uow), "error": str(error)}
            return render(request, who, "vouchers", context, status=422)
    return RedirectResponse(f"/vouchers/{quote(name.strip())}?done=defined", status_code=303)


def _simple(benefit: str, value: str, currency: str) -> dict[str, object]:
    """One benefit's terms: a percent, or an amount in `currency`; VoucherError when the
    value is not a number."""
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise VoucherError(f"{value!r} is not a number") from None
    if benefit == "percent":
        return simple_terms(percent=number)
    return simple_terms(amount=Money(number, currency))


@router.get("/vouchers/{name}")
def campaign(request: Request, who: Signed, name: str) -> Response:
    return _campaign_page(request, who, name)


@router.post("/vouchers/{name}/codes")
def issue(
    request: Request,
    who: Posting,
    name: str,
    count: Annotated[int, Form(ge=1, le=10_000)],
    clients: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Issue `count` codes of a serial campaign, or `count` to each client listed (addresses
    separated by spaces, commas or lines)."""
    _manager(who)
    app = cabinet_of(request).app
    addresses = [a for a in clients.replace(",", " ").split() if a]
    try:
        generate_codes(
            app.uow, campaign=name, count=count, clients=addresses, rng=random.SystemRandom(),
            now=app.clock.now(), by=who.actor,
        )  # fmt: skip
    except MailbotError as error:
        return _campaign_page(request, who, name, error=str(error), status=422)
    return RedirectResponse(f"/vouchers/{name}?done=issued", status_code=303)


@router.get("/vouchers/{name}/codes.{fmt}")
def export(request: Request, who: Signed, name: str, fmt: str) -> Response:
    """The campaign's codes with their clients and states, as CSV or XLSX."""
    _manager(who)
    if fmt not in MEDIA_TYPES:
        raise NotFoundError()
    target = io.BytesIO()
    with cabinet_of(request).app.reading() as uow:
        try:
            write_text_table(target, fmt, EXPORT_HEADERS, export_rows(uow, name))
        except MailbotError:
            raise NotFoundError() from None
    disposition = f'attachment; filename="codes.{fmt}"'
    return Response(
        target.getvalue(),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": disposition},
    )


@router.get("/codes")
def own_codes(request: Request, who: Signed) -> Response:
    """A client's codes: each with its campaign and whether it is free, reserved or used."""
    if who.person.role != "client":
        raise NotFoundError()
    with cabinet_of(request).app.reading() as uow:
        codes = [
            {
                "code": code.display,
                "campaign": found.name,
                "state": status if status in HOLDING else "free",
                "active": found.active,
            }
            for code, found, status in uow.vouchers.of_client(who.person.partner_id)
        ]
        return render(request, who, "codes", {"codes": codes})


def _campaign_page(
    request: Request, who: Visitor, name: str, *, error: str = "", status: int = 200
) -> Response:
    _manager(who)
    with cabinet_of(request).app.reading() as uow:
        try:
            detail = describe(uow, name)
        except MailbotError:
            raise NotFoundError() from None
        if "campaign" in detail:  # a code was named, not a campaign
            raise NotFoundError()
        context = {
            "campaign": detail,
            "done": request.query_params.get("done", ""),
            "error": error,
        }
        return render(request, who, "voucher", context, status=status)
