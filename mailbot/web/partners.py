"""A manager's partner pages: the list, adding one, and a partner's page where its name,
language, group, addresses, credit limit, time zone and contract end are edited, it is cut off
or taken back, and a client's payments are booked against its ledger. Each act is the use case
`mailbot partners ...` and `mailbot payments add` run, recorded with the manager who acted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from mailbot.bootstrap import App
from mailbot.errors import MailbotError
from mailbot.services.orders import ledger
from mailbot.services.partners.contracts import deactivate
from mailbot.services.partners.editing import Changes, edit_partner, reactivate
from mailbot.services.partners.registry import LANGUAGES, ROLES, add_partner
from mailbot.services.partners.terms import Terms
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.web.cabinet import NotFoundError, Posting, Signed, Visitor, cabinet_of, render
from mailbot.web.desk import statement_rows

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=320)]


def _manager(who: Visitor) -> None:
    if who.person.role != "manager":
        raise NotFoundError()


@router.get("/partners")
def partner_list(
    request: Request, who: Signed, role: Annotated[str, Query(max_length=16)] = ""
) -> Response:
    _manager(who)
    app = cabinet_of(request).app
    with app.reading() as uow:
        partners = uow.partners.list(role if role in ROLES else None)
        context = {"partners": partners, "role": role, "roles": ROLES, "languages": LANGUAGES}
        return render(request, who, "partners", context)


@router.post("/partners")
def add(
    request: Request,
    who: Posting,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    role: Annotated[str, Form(max_length=16)],
    address: Annotated[str, Form(min_length=3, max_length=320)],
    language: Annotated[str, Form(max_length=8)],
    currency: Annotated[str, Form(max_length=3)],
    group: Text = "",
) -> Response:
    """Register a partner, as `mailbot partners add`."""
    _manager(who)
    app = cabinet_of(request).app
    try:
        partner_id = add_partner(
            app.uow, name=name, role=role, addresses=[address], language=language,
            group=group, currency=currency, now=app.clock.now(), by=who.actor,
        )  # fmt: skip
    except MailbotError as error:
        return _list_with_error(request, who, str(error))
    return RedirectResponse(f"/partners/{partner_id}?done=added", status_code=303)


@router.get("/partners/{partner_id}")
def partner_page(request: Request, who: Signed, partner_id: int) -> Response:
    return _partner_page(request, who, partner_id)


@router.post("/partners/{partner_id}")
def edit(
    request: Request,
    who: Posting,
    partner_id: int,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    language: Annotated[str, Form(max_length=8)],
    group: Text = "",
    credit_limit: Annotated[str, Form(max_length=20)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    contract_end: Annotated[date | None, Form()] = None,
    add_address: Text = "",
    remove_address: Text = "",
) -> Response:
    """Change a partner's details, as `mailbot partners set`; all or nothing. A contract end
    is a day, ending at its start in the desk's zone."""
    midnight = time(tzinfo=ZoneInfo(cabinet_of(request).app.config.scheduler.timezone))
    changes = Changes(
        name=name,
        language=language,
        group=group,
        add_addresses=(add_address,) if add_address.strip() else (),
        remove_addresses=(remove_address,) if remove_address.strip() else (),
        terms=Terms(credit_limit=credit_limit, timezone=timezone),
        new_contract_end=True,
        contract_ends_at=None if contract_end is None else datetime.combine(contract_end, midnight),
    )
    return _act(
        request, who, partner_id, "saved",
        lambda app, address, now: edit_partner(app.uow, address, changes, now=now, by=who.actor),
    )  # fmt: skip


@router.post("/partners/{partner_id}/deactivate")
def cut_off(request: Request, who: Posting, partner_id: int) -> Response:
    """Cut the partner off now, as `mailbot partners deactivate` (it is told once)."""
    return _act(
        request, who, partner_id, "deactivated",
        lambda app, address, now: deactivate(app.uow, app.replies, address, now=now, by=who.actor),
    )  # fmt: skip


@router.post("/partners/{partner_id}/reactivate")
def take_back(request: Request, who: Posting, partner_id: int) -> Response:
    return _act(
        request, who, partner_id, "reactivated",
        lambda app, address, now: reactivate(app.uow, address, now=now, by=who.actor),
    )  # fmt: skip


@router.post("/partners/{partner_id}/payments")
def pay(
    request: Request,
    who: Posting,
    partner_id: int,
    amount: Annotated[str, Form(min_length=1, max_length=20)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Book a client's payment, as `mailbot payments add`."""
    return _act(
        request, who, partner_id, "paid",
        lambda app, address, now: ledger.add_payment(
            app.uow, address, amount, currency=None, note=note, now=now, created_by=who.actor.label
        ),
    )  # fmt: skip


def _act(
    request: Request,
    who: Visitor,
    partner_id: int,
    done: str,
    step: Callable[[App, str, datetime], object],
) -> Response:
    """Run an act on the partner (by one of its addresses); back to its page, saying it was
    done or why not."""
    _manager(who)
    app = cabinet_of(request).app
    with app.reading() as uow:
        partner = uow.partners.get(partner_id)
        if partner is None or not partner.addresses:
            raise NotFoundError()
        address = partner.addresses[0].address
    try:
        step(app, address, app.clock.now())
    except MailbotError as error:
        return _partner_page(request, who, partner_id, error=str(error), status=422)
    return RedirectResponse(f"/partners/{partner_id}?done={done}", status_code=303)


def _partner_page(
    request: Request, who: Visitor, partner_id: int, *, error: str = "", status: int = 200
) -> Response:
    _manager(who)
    app = cabinet_of(request).app
    with app.reading() as uow:
        partner = uow.partners.get(partner_id)
        if partner is None:
            raise NotFoundError()
        context = {
            "partner": partner,
            "zone": app.config.scheduler.timezone,
            "languages": LANGUAGES,
            "account": _account(uow, partner),
            "done": request.query_params.get("done", ""),
            "error": error,
        }
        return render(request, who, "partner", context, status=status)


def _account(uow: UnitOfWork, partner: Partner) -> dict[str, Any] | None:
    if partner.role != "client":
        return None
    held = ledger.account(uow, partner, entries=0)
    return {
        "balance": held.balance,
        "credit_limit": held.credit_limit,
        "lines": statement_rows(uow, partner),
    }


def _list_with_error(request: Request, who: Visitor, error: str) -> Response:
    app = cabinet_of(request).app
    with app.reading() as uow:
        context = {
            "partners": uow.partners.list(None),
            "role": "",
            "roles": ROLES,
            "languages": LANGUAGES,
            "error": error,
        }
        return render(request, who, "partners", context, status=422)
