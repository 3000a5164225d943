"""A client's and a supplier's acts on an order given outside mail (the HTTP API): the same
steps under the same rules as their answers by mail, one transaction each, recorded with who
acted. Where mail answers an act that changes nothing with a reply, these refuse it with the
reason, and the caller says so."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

from mailbot.domain.actors import Actor
from mailbot.domain.lines import Origin, RequestedLine
from mailbot.domain.orders import FINAL, SupplierOrderStatus
from mailbot.parsers.supplier_answers import Shipment, SupplierAnswer
from mailbot.services.orders import agreement
from mailbot.services.orders.agreement import OrderActionError
from mailbot.services.orders.supplier_orders import Problem, carry_out, check_answer
from mailbot.services.work import Desk
from mailbot.storage.models import Order
from mailbot.storage.unit_of_work import UnitOfWork

# Where a quantity given outside mail comes from, as a line read from mail names its place.
API_ORIGIN = Origin("api", 0)


class NoSuchOrderError(OrderActionError):
    """No such order, or not one of the acting partner's: the same answer for both."""


class AnswerRefusedError(OrderActionError):
    """A supplier's answer that cannot be carried out, with every reason."""

    def __init__(self, number: str, problems: Sequence[Problem]) -> None:
        super().__init__(f"the answer about {number} is refused: {len(problems)} problem(s)")
        self.problems = list(problems)


def agree(
    uow: Callable[[], UnitOfWork],
    desk: Desk,
    number: str,
    *,
    client_id: int | None,
    now: datetime,
    by: Actor,
) -> str:
    """The client (`client_id`, or None for a manager acting for it) agrees to its quote or
    to a partial confirmation."""
    with uow() as unit:
        order = _client_order(unit, number, client_id)
        refused = agreement.agree_refused(unit, order)
        if refused is not None:
            raise OrderActionError(f"order {order.number} is {order.status}: {_said(refused)}")
        summary = agreement.agree(desk.at(unit, now), order, order.client, None, by)
        unit.commit()
        return summary


def cancel(
    uow: Callable[[], UnitOfWork],
    desk: Desk,
    number: str,
    *,
    client_id: int,
    now: datetime,
    by: Actor,
) -> str:
    """The client cancels its order while no supplier has confirmed all of it."""
    with uow() as unit:
        order = _client_order(unit, number, client_id)
        refused = agreement.cancel_refused(order)
        if refused is not None:
            raise OrderActionError(f"order {order.number} is {order.status}: {_said(refused)}")
        summary = agreement.cancel(desk.at(unit, now), order, order.client, None, by)
        unit.commit()
        return summary


def answer(
    uow: Callable[[], UnitOfWork],
    desk: Desk,
    number: str,
    *,
    supplier_id: int,
    answer: SupplierAnswer,
    now: datetime,
    by: Actor,
) -> str:
    """The supplier confirms its lines (all, or the quantities given) and/or says they were
    shipped, judged exactly as its answer by mail."""
    with uow() as unit:
        order = unit.orders.by_number(number.strip().upper())
        if order is None:
            raise NoSuchOrderError(f"no order {number}")
        unit.order_records.lock(order)
        parts = unit.order_records.supplier_orders(order.id)
        part = next((p for p in parts if p.supplier_id == supplier_id), None)
        if part is None:
            raise NoSuchOrderError(f"no order {number}")
        if order.status in FINAL or part.status == SupplierOrderStatus.SHIPPED:
            raise OrderActionError(f"order {order.number} is {order.status}: nothing to answer")
        work = desk.at(unit, now)
        checked = check_answer(work, order, part, answer)
        if checked.problems:
            raise AnswerRefusedError(order.number, checked.problems)
        summary = carry_out(work, order, part, checked, inbound_id=None, by=by)
        unit.commit()
        return summary


def supplier_answer(
    *,
    confirm: bool,
    quantities: Sequence[tuple[str, Decimal]] = (),
    shipped_on: date | None = None,
    method: str = "",
) -> SupplierAnswer:
    """What a supplier says outside mail, as its answer by mail would say it: confirmed (in
    full, or the `quantities` by SKU, the rest in full) and shipped on a day by a method."""
    lines = tuple(RequestedLine(sku, quantity, API_ORIGIN) for sku, quantity in quantities)
    shipment = None
    if shipped_on is not None:
        shipment = Shipment(shipped_on, method.strip(), shipped_on.isoformat())
    return SupplierAnswer(confirm, lines, (), shipment)


def _client_order(unit: UnitOfWork, number: str, client_id: int | None) -> Order:
    order = unit.orders.by_number(number.strip().upper())
    if order is None or (client_id is not None and order.client_id != client_id):
        raise NoSuchOrderError(f"no order {number}")
    unit.order_records.lock(order)
    return order


# What a refused act's outcome means, for the caller.
_REASONS = {
    "already_agreed": "already agreed",
    "already_cancelled": "already cancelled",
    "expired": "its quote expired",
    "nothing_to_agree": "no line was priced",
    "too_late": "too late to cancel",
}


def _said(outcome: str) -> str:
    return _REASONS.get(outcome, outcome)
