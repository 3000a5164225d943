"""Changing an order's status: the domain's order matrix checks the move, this records it.

The states and the allowed moves are in `mailbot.domain.orders`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from mailbot.domain.events import EventType, money
from mailbot.domain.orders import OrderStatus, Transition, move
from mailbot.parsers.commands import order_number_in
from mailbot.parsers.message import ParsedMessage
from mailbot.storage.models import Order
from mailbot.storage.unit_of_work import UnitOfWork


def transition(
    uow: UnitOfWork,
    order: Order,
    status: OrderStatus,
    *,
    at: datetime,
    actor_id: int | None,
    inbound_id: int | None,
    note: str = "",
    actor_name: str = "",
    details: Mapping[str, object] | None = None,
) -> None:
    """Set the order's status and record the step: who (a partner, or None for mailbot and the
    scheduler; `actor_name` names a person who acted without being a partner, such as a
    manager at the command line), when, and from which inbound message. TransitionError (from
    the domain) for a move the order matrix does not allow. The step's event (see
    `event_type`) carries the order's total and `details`."""
    step = move(order.number, order.status, status, at=at, actor_id=actor_id)
    order.status = step.target
    record_step(
        uow, order, step, inbound_id=inbound_id, note=note, actor_name=actor_name, details=details
    )


def record_step(
    uow: UnitOfWork,
    order: Order,
    step: Transition,
    *,
    inbound_id: int | None,
    note: str = "",
    actor_name: str = "",
    details: Mapping[str, object] | None = None,
) -> None:
    """Record `step`, which `order` has taken (its status is already the step's target), and
    its event, as `transition` describes."""
    uow.order_records.add_step(
        {
            "order_id": order.id,
            "status": step.target,
            "at": step.at,
            "actor_id": step.actor_id,
            "actor_name": actor_name[:100],
            "inbound_message_id": inbound_id,
            "note": note[:2000],
        }
    )
    payload: dict[str, object] = {
        "order": order.number,
        "client": order.client_id,
        "status": step.target.value,
        "previous": step.source.value,
        "actor": step.actor_id,
        "note": note,
        "total": money(order.total, order.currency),
        **(details or {}),
    }
    if actor_name:
        payload["by"] = actor_name
    uow.events.record(event_type(step), order.number, payload, step.at)


def event_type(step: Transition) -> EventType:
    """The event a step of the order matrix is told as: `order.<status>`, but a held order
    agreed is `order.released`, and a sent order sent again (the client took a partial
    confirmation) is `order.partial_accepted`."""
    if step.source == OrderStatus.HELD and step.target == OrderStatus.AGREED:
        return EventType.ORDER_RELEASED
    if step.source == step.target == OrderStatus.SENT:
        return EventType.ORDER_PARTIAL_ACCEPTED
    return EventType(f"order.{step.target.value}")


def order_replied_to(uow: UnitOfWork, message: ParsedMessage, number: str = "") -> Order | None:
    """The order a message is about: the number it names (`number`, else the one in its
    subject when its threading does not lead to one of our mails), else the order of the mail
    it replies to. Whose order it is, is for the caller to check."""
    if number:
        return uow.orders.by_number(number)
    threaded = uow.order_records.order_answered(_thread_ids(message))
    if threaded is not None:
        return uow.order_records.get_order(threaded)
    in_subject = order_number_in(message.subject)
    return uow.orders.by_number(in_subject) if in_subject else None


def _thread_ids(message: ParsedMessage) -> Iterable[str]:
    return [message.in_reply_to, *reversed(message.references)]
