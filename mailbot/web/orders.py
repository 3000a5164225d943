"""The cabinet's order pages: the list (a manager's matrix of every order, with filters and
pages; a client's own orders; a supplier's orders with its lines) and an order's page with what
its reader may do there: a client agrees or cancels, a supplier confirms (whole or in part) and
ships, a manager corrects the matrix or cancels. Each act goes through the use case the same act
by mail or over the API goes through, and is recorded with the person who acted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from mailbot.domain.actors import who_acted
from mailbot.domain.money import Money
from mailbot.domain.orders import FINAL, OrderStatus, SupplierOrderStatus
from mailbot.parsers.supplier_answers import SupplierAnswer
from mailbot.services.orders import acts
from mailbot.services.orders.agreement import (
    OrderActionError,
    agree_refused,
    cancel_by_desk,
    cancel_refused,
)
from mailbot.services.orders.mail import first_address
from mailbot.services.orders.matrix import MatrixError, correct_matrix
from mailbot.services.orders.visibility import Scope
from mailbot.storage.models import Order, OrderLine, SupplierOrder
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.web.cabinet import NotFoundError, Posting, Signed, Visitor, cabinet_of, render
from mailbot.web.order_mail import thread

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MATRIX_FIELDS = ("sent_at", "confirmed_at", "shipped_at", "ship_date", "ship_method")


@router.get("/")
def home() -> Response:
    return RedirectResponse("/orders", status_code=303)


@router.get("/orders")
def order_list(
    request: Request,
    who: Signed,
    status: Annotated[OrderStatus | None, Query()] = None,
    client: Annotated[str, Query(max_length=320)] = "",
    supplier: Annotated[str, Query(max_length=320)] = "",
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    sort: Annotated[Literal["newest", "oldest"], Query()] = "newest",
) -> Response:
    """The orders the reader may see, newest (or oldest) first, `PAGE_SIZE` a page; a manager
    filters them."""
    cabinet = cabinet_of(request)
    person = who.person
    scope = Scope.of(person.role, person.partner_id)
    with cabinet.app.reading() as uow:
        client_id, supplier_id = scope.client_id, scope.supplier_id
        if person.role == "manager":
            client_id = _partner_id(uow, client)
            supplier_id = _partner_id(uow, supplier)
        found = uow.orders.find(
            client_id=client_id,
            supplier_id=supplier_id,
            status=status,
            since=None if since is None else datetime.combine(since, time(), UTC),
            until=None if until is None else datetime.combine(until, time(), UTC),
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
            oldest_first=sort == "oldest",
        )
        shown = found[:PAGE_SIZE]
        parts = uow.order_records.supplier_orders_of(order.id for order in shown)
        rows = [_row(order, parts.get(order.id, []), scope) for order in shown]
        filters = {
            "status": status or "",
            "client": client,
            "supplier": supplier,
            "since": since or "",
            "until": until or "",
            "sort": "" if sort == "newest" else sort,
        }
        context = {
            "orders": rows,
            "filters": filters,
            "query": urlencode({name: str(value) for name, value in filters.items() if value}),
            "statuses": list(OrderStatus),
            "page": page,
            "more": len(found) > PAGE_SIZE,
        }
        return render(request, who, "orders", context)


@router.get("/orders/{number}")
def order_page(request: Request, who: Signed, number: str) -> Response:
    return _order_page(request, who, number)


@router.post("/orders/{number}/agree")
def agree(request: Request, who: Posting, number: str) -> Response:
    app = cabinet_of(request).app
    client_id = _own(who, "client")
    return _act(
        request,
        who,
        number,
        "agreed",
        lambda: acts.agree(
            app.uow, app.desk, number, client_id=client_id, now=app.clock.now(), by=who.actor
        ),
    )


@router.post("/orders/{number}/cancel")
def cancel(
    request: Request,
    who: Posting,
    number: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    app = cabinet_of(request).app
    now, by = app.clock.now(), who.actor
    if who.person.role == "manager":

        def step() -> str:
            return cancel_by_desk(app.uow, app.desk, number, now=now, note=reason, by=by)

    else:
        client_id = _own(who, "client")

        def step() -> str:
            return acts.cancel(app.uow, app.desk, number, client_id=client_id, now=now, by=by)

    return _act(request, who, number, "cancelled", step)


@router.post("/orders/{number}/confirmation")
async def confirm(request: Request, who: Posting, number: str) -> Response:
    """Confirm the supplier's lines: each quantity field as given (the ordered quantity when
    left as it is)."""
    supplier_id = _own(who, "supplier")
    form = await request.form()
    quantities = _quantities(form)
    if quantities is None:
        return _order_page(request, who, number, error="quantity", status=422)
    said = acts.supplier_answer(confirm=True, quantities=quantities)
    return await _answer(request, who, number, supplier_id, said, "confirmed")


@router.post("/orders/{number}/shipment")
async def ship(
    request: Request,
    who: Posting,
    number: str,
    day: Annotated[date, Form()],
    method: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    supplier_id = _own(who, "supplier")
    said = acts.supplier_answer(confirm=False, shipped_on=day, method=method)
    return await _answer(request, who, number, supplier_id, said, "shipped")


@router.post("/orders/{number}/matrix")
def correct(
    request: Request,
    who: Posting,
    number: str,
    supplier: Annotated[str, Form(max_length=320)],
    field: Annotated[str, Form(max_length=20)],
    value: Annotated[str, Form(max_length=100)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> Response:
    """A manager corrects a time, the ship date or the method of a supplier's part."""
    if who.person.role != "manager":
        raise NotFoundError()
    app = cabinet_of(request).app
    if field not in MATRIX_FIELDS:
        return _order_page(request, who, number, error="field", status=422)
    try:
        correct_matrix(
            app.uow,
            number,
            supplier=supplier,
            field=field,
            value=value,
            reason=reason,
            now=app.clock.now(),
            by=who.actor,
        )
    except MatrixError as error:
        return _order_page(request, who, number, error=str(error), status=422)
    return RedirectResponse(f"/orders/{number}?done=corrected", status_code=303)


async def _answer(
    request: Request,
    who: Visitor,
    number: str,
    supplier_id: int,
    said: SupplierAnswer,
    done: str,
) -> Response:
    app = cabinet_of(request).app

    def step() -> str:
        return acts.answer(
            app.uow,
            app.desk,
            number,
            supplier_id=supplier_id,
            answer=said,
            now=app.clock.now(),
            by=who.actor,
        )

    return _act(request, who, number, done, step)


def _act(
    request: Request, who: Visitor, number: str, done: str, step: Callable[[], str]
) -> Response:
    """Run an act; back to the order's page, saying it was done or why not."""
    try:
        step()
    except acts.NoSuchOrderError:
        raise NotFoundError() from None
    except acts.AnswerRefusedError as error:
        return _order_page(request, who, number, problems=error.problems, status=422)
    except OrderActionError as error:
        return _order_page(request, who, number, error=str(error), status=409)
    return RedirectResponse(f"/orders/{number}?done={done}", status_code=303)


def _order_page(
    request: Request,
    who: Visitor,
    number: str,
    *,
    error: str = "",
    problems: object = (),
    status: int = 200,
) -> Response:
    cabinet = cabinet_of(request)
    person = who.person
    scope = Scope.of(person.role, person.partner_id)
    with cabinet.app.reading() as uow:
        order = uow.orders.by_number(number.strip().upper())
        if order is None or not scope.sees(order):
            raise NotFoundError()
        context = {
            **_order(uow, order, scope, person.role),
            "done": request.query_params.get("done", ""),
            "error": error,
            "problems": problems,
        }
        return render(request, who, "order", context, status=status)


def _order(uow: UnitOfWork, order: Order, scope: Scope, role: str) -> dict[str, Any]:
    """What the order's page shows its reader, and which acts it offers."""
    parts = [
        part
        for part in uow.order_records.supplier_orders(order.id)
        if scope.supplier_id in (None, part.supplier_id)
    ]
    lines = [
        line
        for line in order.lines
        if line.rejection is None and scope.supplier_id in (None, line.supplier_id)
    ]
    own = parts[0] if scope.supplier_id is not None and parts else None
    answerable = (
        own is not None and order.status not in FINAL and own.status != SupplierOrderStatus.SHIPPED
    )
    unfinished = order.status not in FINAL and order.status != OrderStatus.SHIPPED
    return {
        "order": order,
        "total": Money(order.total, order.currency),
        "lines": [_line(line, order.currency) for line in lines],
        "parts": [{"part": part, "address": first_address(part.supplier)} for part in parts],
        "steps": [] if scope.supplier_id is not None else _steps(uow, order),
        "thread": thread(uow, order, role),
        "codes": [] if scope.supplier_id is not None else _codes(uow, order),
        "deadlines": [] if scope.supplier_id is not None else _deadlines(uow, order),
        "may_agree": role == "client" and agree_refused(uow, order) is None,
        "may_cancel": (role == "client" and cancel_refused(order) is None)
        or (role == "manager" and unfinished),
        "may_confirm": answerable and own is not None and own.confirmed_at is None,
        "may_ship": answerable,
        "may_correct": role == "manager" and bool(parts),
        "matrix_fields": MATRIX_FIELDS,
    }


def _line(line: OrderLine, currency: str) -> dict[str, Any]:
    def money(amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, currency)

    return {
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "confirmed": line.confirmed_quantity,
        "price": money(line.unit_price),
        "amount": money(line.line_total),
    }


def _codes(uow: UnitOfWork, order: Order) -> list[dict[str, Any]]:
    """The order's voucher codes with their campaign, state and discount."""
    return [
        {
            "code": code,
            "campaign": campaign,
            "status": held.status,
            "discount": Money(held.discount, held.currency),
        }
        for held, code, campaign in uow.order_records.codes(order.id)
    ]


def _deadlines(uow: UnitOfWork, order: Order) -> list[dict[str, Any]]:
    """The order's deadlines: what waits on whom until when, and whether still open."""
    return [
        {
            "kind": deadline.kind,
            "party": party,
            "due_at": deadline.due_at,
            "status": deadline.status,
        }
        for deadline, party in uow.order_records.deadlines(order.id)
    ]


def _steps(uow: UnitOfWork, order: Order) -> list[dict[str, Any]]:
    """Every step of the order with who made it (a partner, a person, or mailbot)."""
    steps = []
    for step in uow.order_records.transitions(order.id):
        actor = None if step.actor_id is None else uow.partners.get(step.actor_id)
        partner = None if actor is None else (actor.name, actor.role)
        by, _ = who_acted(partner, step.actor_name)
        steps.append({"status": step.status, "at": step.at, "by": by, "note": step.note})
    return steps


def _row(order: Order, parts: Sequence[SupplierOrder], scope: Scope) -> dict[str, Any]:
    """A line of the list: the order and the suppliers' parts its reader may see."""
    seen = [part for part in parts if scope.supplier_id in (None, part.supplier_id)]
    return {"order": order, "total": Money(order.total, order.currency), "parts": seen}


def _quantities(form: FormData) -> list[tuple[str, Decimal]] | None:
    """The quantities a supplier's confirmation form gives, by SKU (`q:<SKU>` fields); None
    when one is not a number."""
    found = []
    for name, value in form.multi_items():
        if name.startswith("q:") and isinstance(value, str):
            try:
                found.append((name[2:], Decimal(value.strip() or "x")))
            except InvalidOperation:
                return None
    return found


def _own(who: Visitor, role: str) -> int:
    """The reader's partner id when it acts in `role`; anyone else is answered as if the
    order did not exist."""
    if who.person.role != role:
        raise NotFoundError()
    return who.person.partner_id


def _partner_id(uow: UnitOfWork, address: str) -> int | None:
    if not address.strip():
        return None
    partner = uow.partners.by_address(address.strip().lower())
    return -1 if partner is None else partner.id  # an unknown address finds nothing
