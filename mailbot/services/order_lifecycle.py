"""An order's states and the one way to change them, each change recorded (the order matrix).

quoted → agreed → sent (order files sent to suppliers) → confirmed (every supplier confirmed)
→ shipped → closed; or held (above the credit limit, for a manager), cancelled, expired.
`received` exists only inside the transaction that quotes an order. `sent` → `sent` records
a client agreeing to a partial confirmation while other suppliers have still to answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Final

from mailbot.errors import MailbotError
from mailbot.parsers.commands import order_number_in
from mailbot.parsers.message import ParsedMessage
from mailbot.storage.models import Order, OrderTransition
from mailbot.storage.unit_of_work import UnitOfWork

MOVES: Final[Mapping[str, frozenset[str]]] = {
    "received": frozenset({"quoted"}),
    "quoted": frozenset({"agreed", "held", "cancelled", "expired"}),
    "held": frozenset({"agreed", "cancelled", "expired"}),
    "agreed": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"sent", "confirmed", "cancelled"}),
    "confirmed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"closed"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}
FINAL: Final = frozenset(status for status, moves in MOVES.items() if not moves)
# Where a client's CANCEL still takes: before any supplier confirmed everything.
CLIENT_CANCELLABLE: Final = frozenset({"quoted", "held", "agreed", "sent"})


class TransitionError(MailbotError):
    """An order cannot go from its status to the one asked for."""

    def __init__(self, order: Order, status: str) -> None:
        super().__init__(f"order {order.number} is {order.status}; it cannot become {status}")
        self.current = order.status
        self.wanted = status


def can_move(order: Order, status: str) -> bool:
    return status in MOVES.get(order.status, frozenset())


def transition(
    uow: UnitOfWork,
    order: Order,
    status: str,
    *,
    at: datetime,
    actor_id: int | None,
    inbound_id: int | None,
    note: str = "",
) -> OrderTransition:
    """Set the order's status and record the step: who (a partner, or None for mailbot and the
    scheduler), when, and from which inbound message. TransitionError for an impossible one."""
    if not can_move(order, status):
        raise TransitionError(order, status)
    order.status = status
    step = OrderTransition(
        order_id=order.id,
        status=status,
        at=at,
        actor_id=actor_id,
        inbound_message_id=inbound_id,
        note=note[:2000],
    )
    uow.order_records.add(step)
    uow.events.record(
        "OrderStatusChanged", {"order": order.number, "status": status, "note": note}, at
    )
    return step


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
