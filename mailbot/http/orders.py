"""`GET /api/v1/orders` and `GET /api/v1/orders/{number}`: a manager sees every order whole,
as `mailbot orders show` prints it, and a client's key its own orders whole; a supplier's key
sees only orders with its lines, and of each only its own lines and its own part (another
supplier's lines and the client's mail are not its business). An order a key may not see is
404, like one that does not exist."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from mailbot import read_models as views
from mailbot.domain.api_roles import Role
from mailbot.domain.orders import OrderStatus
from mailbot.http.auth import Caller, allowed, key_partner, state_of
from mailbot.http.problems import ApiError
from mailbot.services.orders.matrix import MatrixError, NoSuchPartError, correct_matrix
from mailbot.services.orders.visibility import Scope
from mailbot.storage.models import Order
from mailbot.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

Viewer = Annotated[Caller, Depends(allowed(Role.SUPPLIER, Role.CLIENT))]


@router.get("")
def list_orders(
    request: Request,
    who: Viewer,
    status: OrderStatus | None = None,
    client: Annotated[str | None, Query(description="A client's address")] = None,
    supplier: Annotated[str | None, Query(description="A supplier's address")] = None,
    since: Annotated[datetime | None, Query(description="Received at or after")] = None,
    until: Annotated[datetime | None, Query(description="Received before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The newest orders meeting every filter given, `limit` at a time from `offset`."""
    app = state_of(request).app
    with app.reading() as uow:
        scope = _scope(uow, who)
        supplier_id = scope.supplier_id
        if supplier is not None and supplier_id is None:
            supplier_id = _partner_id(uow, supplier)
        client_id = scope.client_id
        if client is not None and client_id is None:
            client_id = _partner_id(uow, client)
        found = uow.orders.find(
            client_id=client_id,
            supplier_id=supplier_id,
            status=status,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        rows = [views.order_row(order) for order in found]
    return {"orders": rows, "limit": limit, "offset": offset}


@router.get("/{number}", responses={404: {"description": "No such order, or not yours"}})
def show_order(request: Request, who: Viewer, number: str) -> dict[str, Any]:
    """The order whole for a manager and its client; for a supplier, its own lines and part
    of it."""
    app = state_of(request).app
    with app.reading() as uow:
        order = uow.orders.by_number(number.upper())
        scope = _scope(uow, who)
        if order is None or not scope.sees(order):
            raise ApiError(404, f"no order {number}")
        supplier_id = scope.supplier_id
        if scope.client_id is not None:
            return _client_view(views.order_matrix(uow, order), order)
        if supplier_id is None:
            return views.order_matrix(uow, order)
        parts = uow.order_records.supplier_orders(order.id)
        row = views.order_row(order)
        return {
            **{field: row[field] for field in ("number", "status", "currency", "created_at")},
            "lines": [
                views.order_line(line, order.currency)
                for line in order.lines
                if line.supplier_id == supplier_id and line.rejection is None
            ],
            "suppliers": [
                views.supplier_part(part) for part in parts if part.supplier_id == supplier_id
            ],
        }


def _client_view(whole: dict[str, Any], order: Order) -> dict[str, Any]:
    """The order as its client sees it: the mail between it and mailbot only (the order files
    to suppliers and their answers are not its business)."""
    own = {address.address for address in order.client.addresses}
    return {
        **whole,
        "messages": [
            m for m in whole["messages"] if parseaddr(m["sender"] or "")[1].lower() in own
        ],
        "outbox": [m for m in whole["outbox"] if m["recipient"] in own],
    }


def _scope(uow: UnitOfWork, who: Caller) -> Scope:
    return Scope.of(str(who.role.kind), key_partner(uow, who))


def _partner_id(uow: UnitOfWork, address: str) -> int:
    partner = uow.partners.by_address(address.strip().lower())
    if partner is None:
        raise ApiError(404, f"no partner has the address {address}")
    return partner.id


class CorrectionIn(BaseModel):
    supplier: str = Field(min_length=3, max_length=320, description="The supplier's address")
    field: Literal["sent_at", "confirmed_at", "shipped_at", "ship_date", "ship_method"]
    value: str = Field(
        max_length=100,
        description="A time in ISO 8601 with its offset, a date YYYY-MM-DD, the shipping "
        'method\'s words; "" for a time or date that has not happened',
    )
    reason: str = Field(min_length=1, max_length=500)


@router.patch("/{number}/matrix", responses={404: {"description": "No such order or part"}})
def correct(
    number: str,
    body: CorrectionIn,
    request: Request,
    who: Annotated[Caller, Depends(allowed())],
) -> dict[str, Any]:
    """A manager corrects a time or the shipping method of a supplier's part of the order,
    with a reason; recorded with the key (an `order.matrix_corrected` event)."""
    app = state_of(request).app
    try:
        part = correct_matrix(
            app.uow,
            number,
            supplier=body.supplier,
            field=body.field,
            value=body.value,
            reason=body.reason,
            now=app.clock.now(),
            by=who.actor,
        )
    except NoSuchPartError as error:
        raise ApiError(404, str(error)) from None
    except MatrixError as error:
        raise ApiError(422, str(error)) from None
    return views.supplier_part(part)
