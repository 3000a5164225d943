"""Changing an order's status: the domain's order matrix checks the move, this records it.

The states and the allowed moves are in `mailbot.domain.orders`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from mailbot.domain.orders import OrderStatus, move
from mailbot.parsers.commands import order_number_in
from mailbot.parsers.message import ParsedMessage
from mailbot.storage.models import Order, OrderTransition
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
) -> OrderTransition:
    """Set the order's status and record the step: who (a partner, or None for mailbot and the
    scheduler; `actor_name` names a person who acted without being a partner, such as a
    manager at the command line), when, and from which inbound message. TransitionError (from
    the domain) for a move the order matrix does not allow."""
    step = move(order.number, order.status, status, at=at, actor_id=actor_id)
    order.status = step.target
    record = OrderTransition(
        order_id=order.id,
        status=step.target,
        at=step.at,
        actor_id=step.actor_id,
        actor_name=actor_name[:100],
        inbound_message_id=inbound_id,
        note=note[:2000],
    )
    uow.order_records.add(record)
    payload: dict[str, object] = {"order": order.number, "status": step.target, "note": note}
    if actor_name:
        payload["by"] = actor_name
    uow.events.record("OrderStatusChanged", payload, at)
    return record


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
