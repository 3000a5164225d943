"""Acting on an order over the API, under the rules of the same acts by mail: a client's key
agrees to or cancels its own order; a supplier's key confirms its lines (all, or some in part)
and says they shipped. A manager's key may do either for the partner it names. Each answers
with the order as the key sees it afterwards; an act that would change nothing is 409 with the
reason, an answer that breaks a rule is 422 with every problem, as the supplier's mail would
be answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from mailbot.domain.api_roles import Role
from mailbot.http.auth import Caller, allowed, key_partner, state_of
from mailbot.http.orders import show_order
from mailbot.http.problems import ApiError
from mailbot.parsers.supplier_answers import SupplierAnswer
from mailbot.services.orders import acts
from mailbot.services.orders.agreement import OrderActionError, cancel_by_desk
from mailbot.services.orders.supplier_orders import Problem
from mailbot.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such order, or not yours"}}
Client = Annotated[Caller, Depends(allowed(Role.CLIENT))]
Supplier = Annotated[Caller, Depends(allowed(Role.SUPPLIER))]


class CancelIn(BaseModel):
    reason: str = Field(default="", max_length=500, description="Said in the records")


@router.post("/{number}/agree", responses=NOT_FOUND)
def agree(number: str, request: Request, who: Client) -> dict[str, Any]:
    """The client agrees to its quote (or to the quantities its suppliers confirmed): debited
    and sent to the suppliers, or held above its credit limit, as AGREE by mail."""
    app = state_of(request).app
    with app.reading() as uow:
        client_id = key_partner(uow, who)
    _act(
        lambda: acts.agree(
            app.uow, app.desk, number, client_id=client_id, now=app.clock.now(), by=who.actor
        )
    )
    return show_order(request, who, number)


@router.post("/{number}/cancel", responses=NOT_FOUND)
def cancel(
    number: str, request: Request, who: Client, body: CancelIn | None = None
) -> dict[str, Any]:
    """The client cancels its order while no supplier has confirmed all of it, as CANCEL by
    mail; a manager's key cancels any unfinished order, as `mailbot orders cancel`."""
    app = state_of(request).app
    with app.reading() as uow:
        client_id = key_partner(uow, who)
    now, reason, by = app.clock.now(), "" if body is None else body.reason, who.actor
    if client_id is None:
        _act(lambda: cancel_by_desk(app.uow, app.desk, number, now=now, note=reason, by=by))
    else:
        _act(lambda: acts.cancel(app.uow, app.desk, number, client_id=client_id, now=now, by=by))
    return show_order(request, who, number)


class ConfirmedLine(BaseModel):
    sku: str = Field(min_length=1, max_length=100)
    quantity: Annotated[Decimal, Field(ge=0, le=1_000_000)]


class ConfirmationIn(BaseModel):
    lines: list[ConfirmedLine] = Field(
        default=[],
        max_length=5000,
        description="The lines confirmed in part, by SKU; every other line is confirmed whole",
    )
    supplier: str | None = Field(
        default=None, max_length=320, description="The supplier's address (a manager's key)"
    )


class ShipmentIn(BaseModel):
    date: dt.date
    method: str = Field(default="", max_length=100, description="e.g. a carrier")
    supplier: str | None = Field(
        default=None, max_length=320, description="The supplier's address (a manager's key)"
    )


@router.post("/{number}/confirmation", responses=NOT_FOUND)
def confirm(number: str, body: ConfirmationIn, request: Request, who: Supplier) -> dict[str, Any]:
    """The supplier confirms its lines of the order: all of them, or some in part (the
    client is then asked to agree to the confirmed quantities)."""
    quantities = [(line.sku, line.quantity) for line in body.lines]
    said = acts.supplier_answer(confirm=True, quantities=quantities)
    return _answer(number, request, who, body.supplier, said)


@router.post("/{number}/shipment", responses=NOT_FOUND)
def ship(number: str, body: ShipmentIn, request: Request, who: Supplier) -> dict[str, Any]:
    """The supplier's lines of the order left on `date` (its own local day, not after today
    nor before the order file was sent), by `method`."""
    said = acts.supplier_answer(confirm=False, shipped_on=body.date, method=body.method)
    return _answer(number, request, who, body.supplier, said)


def _answer(
    number: str, request: Request, who: Caller, named: str | None, said: SupplierAnswer
) -> dict[str, Any]:
    app = state_of(request).app
    with app.reading() as uow:
        supplier_id = _supplier(uow, who, named)
    _act(
        lambda: acts.answer(
            app.uow,
            app.desk,
            number,
            supplier_id=supplier_id,
            answer=said,
            now=app.clock.now(),
            by=who.actor,
        )
    )
    return show_order(request, who, number)


def _supplier(uow: UnitOfWork, who: Caller, named: str | None) -> int:
    """The supplier a key answers for: its own, or for a manager's key the one it names."""
    own = key_partner(uow, who)
    if own is not None:
        if named is not None and named.strip().lower() != who.role.partner:
            raise ApiError(403, f"this key answers for {who.role.partner} only")
        return own
    if named is None:
        raise ApiError(422, "a manager's key names the supplier it answers for")
    supplier = uow.partners.by_address(named.strip().lower())
    if supplier is None:
        raise ApiError(404, f"no partner has the address {named}")
    return supplier.id


def _act(step: Callable[[], str]) -> None:
    """Run a use case, answering its refusals as problems."""
    try:
        step()
    except acts.NoSuchOrderError as error:
        raise ApiError(404, str(error)) from None
    except acts.AnswerRefusedError as error:
        raise ApiError(422, str(error), problems=[_problem(p) for p in error.problems]) from None
    except OrderActionError as error:
        raise ApiError(409, str(error)) from None


def _problem(problem: Problem) -> dict[str, object]:
    return {
        "kind": problem.kind,
        "sku": problem.sku or None,
        "given": problem.text or None,
        "ordered": problem.ordered,
        "day": None if problem.day is None else problem.day.isoformat(),
    }
