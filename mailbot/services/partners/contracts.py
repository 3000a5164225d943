"""Cutting a partner off, when its contract ends or a manager deactivates it.

The partner can no longer order or send price lists; its open orders and the lines it was to
supply go to the managers in one mail; its next message gets one polite notice and later
ones are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.services.outbox.replies import Replies, mail_managers
from mailbot.services.partners.registry import partner_at
from mailbot.services.vouchers import redemptions as vouchers
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork

DEACTIVATED, CONTRACT_END = "deactivated", "contract_end"


def deactivate(
    uow: Callable[[], UnitOfWork],
    replies: Replies,
    address: str,
    *,
    now: datetime,
    by: Actor | None = None,
) -> Partner:
    """Cut off the partner that has `address` now (a manager's decision; `by` names who)."""
    with uow() as unit:
        partner = partner_at(unit, address)
        if unit.partners.take_active(partner.id):
            cut_off(unit, replies, partner, reason=DEACTIVATED, now=now, by=by)
            unit.commit()
        return partner


def end_contracts(uow: Callable[[], UnitOfWork], replies: Replies, now: datetime) -> list[str]:
    """Cut off every active partner whose contract has ended by `now`, each in its own
    transaction; the names of those cut off."""
    with uow() as reading:
        due = reading.partners.contract_ended(now)
    names = []
    for partner_id in due:
        with uow() as unit:
            partner = unit.partners.get(partner_id)
            if partner is None or not unit.partners.take_active(partner_id):
                continue  # another instance has just done it
            cut_off(unit, replies, partner, reason=CONTRACT_END, now=now)
            unit.commit()
            names.append(partner.name)
    return names


def cut_off(
    uow: UnitOfWork,
    replies: Replies,
    partner: Partner,
    *,
    reason: str,
    now: datetime,
    by: Actor | None = None,
) -> int:
    """Record the cut-off, hand the partner's open orders and supply lines to the managers and
    cancel the deadlines waiting on it, in the caller's transaction; returns the mails queued."""
    uow.partners.refresh(partner)
    partner.deactivated_at = now
    open_orders = uow.orders.open_of_client(partner.id)
    for order in open_orders:
        vouchers.release(uow, order_id=order.id, inbound_id=None, now=now, reason="contract ended")
    lines = uow.orders.open_supply_lines(partner.id)
    uow.deadlines.cancel_waiting_on(partner.id, now)
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
    told = mail_managers(uow, replies, "partner_cutoff", context, now=now, excluding=partner.id)
    payload = {"partner": partner.id, "reason": reason, "orders": len(open_orders)}
    uow.events.record(EventType.PARTNER_DEACTIVATED, partner.id, signed(payload, by), now)
    return told


def take_notice(uow: UnitOfWork, partner: Partner, now: datetime) -> bool:
    """Whether a cut-off partner is still owed its one notice; marks it sent if so."""
    return uow.partners.take_cutoff_notice(partner.id, now)
