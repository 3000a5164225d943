"""Deadlines on orders: opened and closed by the order's steps, acted on by the scheduler.

Each due deadline is claimed first (a lease, in its own short transaction), then acted on in
one transaction that queues its mail and moves it to the next stage only if the lease is still
this worker's. So two instances never act twice on one stage, and one that dies after the claim
leaves the stage to whoever finds the lease run out. A tick late enough to find several
stages due acts on the latest only (after downtime, no reminder to answer by a time past).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.domain.deadlines import (
    DeadlineKind,
    DeadlineSettings,
    DeadlineStatus,
    Stage,
    next_stage,
    stage_time,
    stage_to_act,
    stages,
)
from mailbot.domain.orders import OrderStatus, TransitionError
from mailbot.domain.quotes import Quote
from mailbot.services.orders.lifecycle import transition
from mailbot.services.outbox.replies import Replies
from mailbot.services.schedule.deadline_mail import escalate, remind, tell_expired
from mailbot.services.vouchers import redemptions as vouchers
from mailbot.services.work import Work
from mailbot.storage.models import Deadline, Order
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.deadlines")

# The order statuses in which a deadline of each kind still waits for someone; in any other
# the deadline is moot and is closed without a word.
WAITING = {
    DeadlineKind.CLIENT_AGREEMENT: frozenset({OrderStatus.QUOTED}),
    DeadlineKind.SUPPLIER_CONFIRMATION: frozenset({OrderStatus.SENT}),
    DeadlineKind.SHIPPING: frozenset({OrderStatus.SENT, OrderStatus.CONFIRMED}),
}


@dataclass(frozen=True, slots=True)
class Acted:
    """What a tick did with one deadline."""

    deadline_id: int
    order: str
    kind: str
    stage: str
    summary: str

    def as_row(self) -> dict[str, object]:
        return {
            "deadline": self.deadline_id,
            "order": self.order,
            "kind": self.kind,
            "stage": self.stage,
            "summary": self.summary,
        }


def open_deadline(
    uow: UnitOfWork,
    *,
    kind: str,
    order_id: int,
    partner_id: int,
    due_at: datetime,
    now: datetime,
) -> None:
    """Open a deadline in the caller's transaction. Its first stage is looked at on the next
    tick, which works out the stage's time from the configured policy."""
    uow.deadlines.open(
        {
            "kind": DeadlineKind(kind).value,
            "order_id": order_id,
            "partner_id": partner_id,
            "opened_at": now,
            "due_at": due_at,
            "stage": Stage.REMIND.value,
            "stage_at": now,
            "status": DeadlineStatus.OPEN,
            "attempts": 0,
            "last_error": "",
            "updated_at": now,
        }
    )


def open_agreement(work: Work, order: Order, quote: Quote) -> datetime | None:
    """Open the client's agreement window on a quote with priced lines; when it is due."""
    if not quote.lines:
        return None
    kind = DeadlineKind.CLIENT_AGREEMENT
    due_at = work.deadlines.due(kind, work.now)
    open_deadline(
        work.uow,
        kind=kind,
        order_id=order.id,
        partner_id=order.client_id,
        due_at=due_at,
        now=work.now,
    )
    return due_at


def open_supplier_confirmation(work: Work, order: Order, supplier_id: int) -> datetime:
    """Open a supplier's window to confirm the order file it is sent now; when it is due."""
    kind = DeadlineKind.SUPPLIER_CONFIRMATION
    due_at = work.deadlines.due(kind, work.now)
    open_deadline(
        work.uow, kind=kind, order_id=order.id, partner_id=supplier_id, due_at=due_at, now=work.now
    )
    return due_at


def open_shipping(
    work: Work, order: Order, supplier_id: int, *, delivery_days: int | None
) -> datetime:
    """Open a supplier's shipping promise on its confirmation: due `delivery_days` (its price
    list's, for the slowest of its lines) after now, else the configured `shipping_days`."""
    days = work.deadlines.shipping_days if delivery_days is None else delivery_days
    due_at = work.now + timedelta(days=days)
    kind = DeadlineKind.SHIPPING
    open_deadline(
        work.uow, kind=kind, order_id=order.id, partner_id=supplier_id, due_at=due_at, now=work.now
    )
    return due_at


def close_deadlines(
    uow: UnitOfWork,
    *,
    order_id: int,
    kinds: Sequence[str] = tuple(DeadlineKind),
    now: datetime,
    partner_id: int | None = None,
) -> int:
    """Mark the order's open deadlines of `kinds` (of one partner, when given) done: the
    awaited step happened, or nothing waits any more. In the caller's transaction; returns how
    many were closed."""
    closed = 0
    for deadline in uow.deadlines.for_order(order_id, kinds):
        if partner_id is not None and deadline.partner_id != partner_id:
            continue
        deadline.status, deadline.stage, deadline.stage_at = DeadlineStatus.DONE, None, None
        deadline.closed_at = deadline.updated_at = now
        closed += 1
    return closed


def run_due(
    uow: Callable[[], UnitOfWork],
    now: datetime,
    *,
    settings: DeadlineSettings,
    replies: Replies,
    limit: int = 100,
) -> list[Acted]:
    """Act on every deadline whose next stage has come; what was done, in order."""
    with uow() as reading:
        due = reading.deadlines.due(now, limit)
    acted = []
    for deadline_id, stage in due:
        until = now + settings.lease
        with uow() as claiming:
            claimed = claiming.deadlines.claim(deadline_id, stage, now, until)
            claiming.commit()
        if not claimed:
            continue
        try:
            result = _act(uow, deadline_id, Stage(stage), now, until, settings, replies)
        except Exception as error:
            log.exception(
                "deadline %s: %s failed; retried when its lease runs out", deadline_id, stage
            )
            _record_failure(uow, deadline_id, error, now)
            continue
        if result is not None:
            acted.append(result)
    return acted


def _act(
    uow: Callable[[], UnitOfWork],
    deadline_id: int,
    stage: Stage,
    now: datetime,
    held_until: datetime,
    settings: DeadlineSettings,
    replies: Replies,
) -> Acted | None:
    with uow() as unit:
        deadline = unit.deadlines.get(deadline_id)
        assert deadline is not None, f"claimed deadline {deadline_id} vanished"
        order = unit.orders.get(deadline.order_id)
        assert order is not None
        kind = DeadlineKind(deadline.kind)
        policy = settings.policy
        due_at, opened_at = deadline.due_at, deadline.opened_at
        acting = stage_to_act(
            kind, stage, now=now, due_at=due_at, opened_at=opened_at, policy=policy
        )
        if acting is None:  # not yet: look again then
            when = stage_time(stage, due_at=due_at, opened_at=opened_at, policy=policy)
            settled = unit.deadlines.settle(
                deadline_id, stage=stage, held_until=held_until, values={"stage_at": when}
            )
            if settled:
                unit.commit()
            return None
        if order.status not in WAITING[kind]:
            acting = stage  # nothing is done: the stage it stood at is what was closed
            summary = f"closed: order is {order.status}"
            values: dict[str, object] = {
                "status": DeadlineStatus.DONE,
                "stage": None,
                "stage_at": None,
            }
        else:
            summary = _perform(unit, acting, kind, deadline, order, now, replies)
            skipped = _between(kind, stage, acting)
            if skipped:
                summary += f" (skipped, overtaken: {', '.join(skipped)})"
            after = next_stage(kind, acting, due_at=due_at, opened_at=opened_at, policy=policy)
            values = {"stage": None, "stage_at": None}
            if after is not None:
                values = {"stage": after[0].value, "stage_at": after[1]}
            if acting is Stage.EXPIRE:
                values["status"] = DeadlineStatus.DONE
        if values.get("status") == DeadlineStatus.DONE:
            values["closed_at"] = now
        values.update(updated_at=now, attempts=0, last_error="")
        if not unit.deadlines.settle(
            deadline_id, stage=stage, held_until=held_until, values=values
        ):
            unit.rollback()  # another instance took it over after our lease ran out
            return None
        unit.commit()
        return Acted(deadline_id, order.number, kind.value, acting.value, summary)


def _between(kind: DeadlineKind, pending: Stage, acting: Stage) -> list[str]:
    """The stages from `pending` up to `acting` (excluded): those a late tick skipped."""
    order = stages(kind)
    return [stage.value for stage in order[order.index(pending) : order.index(acting)]]


def _perform(
    unit: UnitOfWork,
    stage: Stage,
    kind: DeadlineKind,
    deadline: Deadline,
    order: Order,
    now: datetime,
    replies: Replies,
) -> str:
    """Queue the stage's mail (and expire the quote), in the caller's transaction."""
    if stage is Stage.REMIND:
        return remind(unit, replies, kind, deadline, order, now=now)
    if stage is Stage.ESCALATE:
        return escalate(unit, replies, kind, deadline, order, now=now)
    try:
        transition(
            unit,
            order,
            OrderStatus.EXPIRED,
            at=now,
            actor_id=None,
            inbound_id=None,
            note=f"quote not agreed by {deadline.due_at.isoformat()}",
        )
    except TransitionError as refused:
        return f"not expired: {refused}"
    released = vouchers.release(
        unit, order_id=order.id, inbound_id=None, now=now, reason="quote expired"
    )
    codes = [
        unit.vouchers.code(redemption.code_id).display
        for redemption in released
        if redemption.released_at == now  # released by this expiry, not before
    ]
    return tell_expired(unit, replies, deadline, order, now=now, released_codes=codes)


def _record_failure(
    uow: Callable[[], UnitOfWork], deadline_id: int, error: Exception, now: datetime
) -> None:
    with uow() as unit:
        deadline = unit.deadlines.get(deadline_id)
        if deadline is not None:
            deadline.last_error = f"{type(error).__name__}: {error}"[:2000]
            deadline.updated_at = now
            unit.commit()
