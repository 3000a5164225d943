"""Order status changes, each recorded as a row of the order matrix.

A minimal version for the scheduler (quote expiry); the order lifecycle's fuller module, with
the same `transition` signature and table, replaces it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from mailbot.errors import MailbotError
from mailbot.storage.models import Order, OrderTransition
from mailbot.storage.unit_of_work import UnitOfWork

# Which status may follow which; cancelled, expired and closed are final.
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "received": frozenset({"quoted", "cancelled"}),
    "quoted": frozenset({"agreed", "held", "cancelled", "expired"}),
    "held": frozenset({"agreed", "cancelled"}),
    "agreed": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"closed"}),
}


class TransitionRefusedError(MailbotError):
    """An order cannot go from its status to the one asked for."""


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
    """Set `order.status` and record the step; TransitionRefusedError for an impossible one."""
    if status not in ALLOWED.get(order.status, frozenset()):
        raise TransitionRefusedError(
            f"order {order.number} is {order.status}, it cannot be {status}"
        )
    order.status = status
    step = OrderTransition(
        order_id=order.id,
        status=status,
        at=at,
        actor_id=actor_id,
        inbound_message_id=inbound_id,
        note=note,
    )
    uow.session.add(step)
    uow.session.flush()
    return step
