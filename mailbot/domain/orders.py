"""An order's states and the moves between them (the order matrix), with no storage attached.

quoted → agreed → sent (order files sent to suppliers) → confirmed (every supplier confirmed)
→ shipped → closed; or held (above the credit limit, for a manager), cancelled, expired.
`received` exists only inside the transaction that quotes an order. `sent` → `sent` records
a client agreeing to a partial confirmation while other suppliers have still to answer.

`move` checks one step and returns its record; the services persist what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from mailbot.errors import MailbotError


class OrderStatus(StrEnum):
    RECEIVED = "received"
    QUOTED = "quoted"
    HELD = "held"
    AGREED = "agreed"
    SENT = "sent"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# The orders that count as a client's earlier orders (voucher terms on a client's history):
# agreed to, whatever happened after.
PAST_ORDER_STATUSES: Final = (
    OrderStatus.AGREED,
    OrderStatus.HELD,
    OrderStatus.SENT,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.CLOSED,
)


class SupplierOrderStatus(StrEnum):
    """Where the part of an order one supplier delivers stands."""

    SENT = "sent"  # the order file went out; no answer yet
    PARTIAL = "partial"  # fewer confirmed than ordered: the client has to agree to the rest
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"


MOVES: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = MappingProxyType(
    {
        OrderStatus.RECEIVED: frozenset({OrderStatus.QUOTED}),
        OrderStatus.QUOTED: frozenset(
            {OrderStatus.AGREED, OrderStatus.HELD, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
        ),
        OrderStatus.HELD: frozenset(
            {OrderStatus.AGREED, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
        ),
        OrderStatus.AGREED: frozenset({OrderStatus.SENT, OrderStatus.CANCELLED}),
        OrderStatus.SENT: frozenset(
            {OrderStatus.SENT, OrderStatus.CONFIRMED, OrderStatus.CANCELLED}
        ),
        OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
        OrderStatus.SHIPPED: frozenset({OrderStatus.CLOSED}),
        OrderStatus.CLOSED: frozenset(),
        OrderStatus.CANCELLED: frozenset(),
        OrderStatus.EXPIRED: frozenset(),
    }
)
FINAL: Final = frozenset(status for status, moves in MOVES.items() if not moves)
# Orders someone still has to do something about: quoted, and not yet at an end. A tuple in
# the order of the matrix, so that a query naming them is always written the same way.
OPEN: Final = tuple(
    status for status in OrderStatus if status not in FINAL and status is not OrderStatus.RECEIVED
)
# Where a client's CANCEL still takes: before any supplier confirmed everything.
CLIENT_CANCELLABLE: Final = frozenset(
    {OrderStatus.QUOTED, OrderStatus.HELD, OrderStatus.AGREED, OrderStatus.SENT}
)


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of an order's life: from which status to which, when, and by whom (a
    partner's id, or None for mailbot and the scheduler)."""

    order: str
    source: OrderStatus
    target: OrderStatus
    at: datetime
    actor_id: int | None


class TransitionError(MailbotError):
    """An order cannot go from its status to the one asked for."""

    def __init__(self, order: str, current: str, wanted: str) -> None:
        super().__init__(f"order {order} is {current}; it cannot become {wanted}")
        self.current = current
        self.wanted = wanted


def can_move(current: str, wanted: str) -> bool:
    """Whether an order in status `current` may move to `wanted`."""
    return current in MOVES and wanted in MOVES[OrderStatus(current)]


def move(
    order: str, current: str, wanted: OrderStatus, *, at: datetime, actor_id: int | None
) -> Transition:
    """The step of order number `order` from `current` to `wanted` at `at` by `actor_id`;
    TransitionError when the order matrix has no such move."""
    if not can_move(current, wanted):
        raise TransitionError(order, current, wanted)
    return Transition(order, OrderStatus(current), OrderStatus(wanted), at, actor_id)


def shipment_date_fault(shipped: date, *, sent_on: date, today: date) -> str | None:
    """Why `shipped` cannot be the day a supplier's goods left: "date_future" when it is after
    `today`, "date_before_order" when it is before `sent_on` (the order file's day); None when
    it can be. All three are days in the supplier's time zone."""
    if shipped > today:
        return "date_future"
    if shipped < sent_on:
        return "date_before_order"
    return None
