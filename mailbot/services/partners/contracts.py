"""Cutting a partner off, when its contract ends or a manager deactivates it.

The partner can no longer order or send price lists; its open orders and the lines it was to
supply go to the managers in one mail; its next message gets one polite notice and later
ones are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update

from mailbot.domain.deadlines import DeadlineStatus
from mailbot.domain.money import Money
from mailbot.domain.orders import OPEN
from mailbot.services.outbox.replies import Replies
from mailbot.services.partners.registry import PartnerError, normalise_address
from mailbot.services.vouchers import redemptions as vouchers
from mailbot.storage.models import Deadline, Order, OrderLine, Partner
from mailbot.storage.unit_of_work import UnitOfWork

DEACTIVATED, CONTRACT_END = "deactivated", "contract_end"


def deactivate(uow: UnitOfWork, replies: Replies, address: str, *, now: datetime) -> Partner:
    """Cut off the partner that has `address` now (a manager's decision)."""
    with uow:
        partner = uow.partners.by_address(normalise_address(address))
        if partner is None:
            raise PartnerError(f"no partner has the address {address}")
        if _take(uow, partner.id):
            cut_off(uow, replies, partner, reason=DEACTIVATED, now=now)
            uow.commit()
        return partner


def end_contracts(uow: Callable[[], UnitOfWork], replies: Replies, now: datetime) -> list[str]:
    """Cut off every active partner whose contract has ended by `now`, each in its own
    transaction; the names of those cut off."""
    with uow() as reading:
        query = select(Partner.id).where(Partner.active, Partner.contract_ends_at <= now)
        due = reading.session.scalars(query).all()
    names = []
    for partner_id in due:
        with uow() as work:
            partner = work.partners.get(partner_id)
            if partner is None or not _take(work, partner_id):
                continue  # another instance has just done it
            cut_off(work, replies, partner, reason=CONTRACT_END, now=now)
            work.commit()
            names.append(partner.name)
    return names


def _take(uow: UnitOfWork, partner_id: int) -> bool:
    """Mark the partner inactive if it still is: one conditional UPDATE, so of two instances
    (or a command and the scheduler) exactly one goes on to tell the managers."""
    result = uow.session.execute(
        update(Partner)
        .where(Partner.id == partner_id, Partner.active)
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cut_off(
    uow: UnitOfWork, replies: Replies, partner: Partner, *, reason: str, now: datetime
) -> int:
    """Record the cut-off, hand the partner's open orders and supply lines to the managers and
    cancel the deadlines waiting on it, in the caller's transaction; returns the mails queued."""
    uow.session.refresh(partner)
    partner.deactivated_at = now
    open_orders = uow.session.scalars(
        select(Order)
        .where(Order.client_id == partner.id, Order.status.in_(OPEN))
        .order_by(Order.id)
    ).all()
    for order in open_orders:
        vouchers.release(uow, order_id=order.id, inbound_id=None, now=now, reason="contract ended")
    lines = uow.session.execute(
        select(Order.number, OrderLine.sku, OrderLine.quantity)
        .join(Order, OrderLine.order_id == Order.id)
        .where(OrderLine.supplier_id == partner.id, Order.status.in_(OPEN))
        .order_by(Order.id, OrderLine.position)
    ).all()
    uow.session.execute(
        update(Deadline)
        .where(Deadline.partner_id == partner.id, Deadline.status == DeadlineStatus.OPEN)
        .values(
            status=DeadlineStatus.CANCELLED,
            stage=None,
            stage_at=None,
            closed_at=now,
            updated_at=now,
        )
    )
    context = {
        "cut_name": partner.name,
        "cut_address": partner.addresses[0].address if partner.addresses else "",
        "cut_role": partner.role,
        "cut_at": now,
        "reason": reason,
        "orders": [
            {
                "number": order.number,
                "status": order.status,
                "total": Money(order.total, order.currency),
            }
            for order in open_orders
        ],
        "lines": [{"order": n, "sku": sku, "quantity": q or 0} for n, sku, q in lines],
    }
    told = 0
    for manager in uow.partners.list("manager"):
        if manager.active and manager.addresses and manager.id != partner.id:
            replies.queue(
                uow,
                kind="partner_cutoff",
                language=manager.language,
                to=manager.addresses[0].address,
                context={"partner_name": manager.name, **context},
                now=now,
                timezone=manager.timezone,
            )
            told += 1
    payload = {"partner": partner.id, "reason": reason, "orders": len(open_orders)}
    uow.events.record("PartnerDeactivated", payload, now)
    return told


def take_notice(uow: UnitOfWork, partner: Partner, now: datetime) -> bool:
    """Whether a cut-off partner is still owed its one notice; marks it sent if so (a
    conditional UPDATE, so two messages processed at once get one notice between them)."""
    result = uow.session.execute(
        update(Partner)
        .where(Partner.id == partner.id, Partner.cutoff_notice_at.is_(None))
        .values(cutoff_notice_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
