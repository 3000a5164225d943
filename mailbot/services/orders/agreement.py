"""A client's AGREE and CANCEL, and a manager's release, cancel and close of an order.

Agreeing debits the client's ledger with the order's total and sends the order files, unless
the debit would take the client above its credit limit: then the order is held, managers are
mailed and the client is told. After a partial confirmation, AGREE accepts the confirmed
quantities (the ledger is credited the difference). Each answer says what happened, and a
repeated or late command changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from mailbot.domain.actors import Actor, label_of
from mailbot.domain.deadlines import DeadlineKind
from mailbot.domain.money import Money
from mailbot.domain.orders import CLIENT_CANCELLABLE, FINAL, OrderStatus, SupplierOrderStatus
from mailbot.errors import MailbotError
from mailbot.services.orders import ledger
from mailbot.services.orders.lifecycle import transition
from mailbot.services.orders.mail import Inbound, tell_client, tell_managers_of_held
from mailbot.services.orders.supplier_orders import (
    advance,
    comparison,
    delivery_days,
    send_order_files,
    supplier_lines,
    tell_suppliers_of_cancel,
)
from mailbot.services.schedule.deadlines import close_deadlines, open_shipping
from mailbot.services.vouchers import redemptions as vouchers
from mailbot.services.vouchers.order_codes import discount_on_confirmed
from mailbot.services.work import Desk, Work
from mailbot.storage.models import Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

# What a client's AGREE or CANCEL is answered with when it changes nothing.
ANSWERED_AS_IS: dict[str, str] = {
    OrderStatus.CANCELLED: "already_cancelled",
    OrderStatus.EXPIRED: "expired",
}


class OrderActionError(MailbotError):
    """A manager's action that the order's status does not allow."""


def agree_refused(uow: UnitOfWork, order: Order) -> str | None:
    """Why an AGREE would change nothing (the answer's outcome), or None when it may go on."""
    if order.status == OrderStatus.SENT and _partial_parts(uow, order):
        return None
    if order.status != OrderStatus.QUOTED:
        return ANSWERED_AS_IS.get(order.status, "already_agreed")
    if not any(line.unit_price is not None for line in order.lines):
        return "nothing_to_agree"
    return None


def cancel_refused(order: Order) -> str | None:
    """Why a client's CANCEL would change nothing (the answer's outcome), or None."""
    if order.status in CLIENT_CANCELLABLE:
        return None
    return ANSWERED_AS_IS.get(order.status, "too_late")


def _partial_parts(uow: UnitOfWork, order: Order) -> bool:
    parts = uow.order_records.supplier_orders(order.id)
    return any(part.status == SupplierOrderStatus.PARTIAL for part in parts)


def agree(
    work: Work, order: Order, client: Partner, inbound: Inbound | None, by: Actor | None = None
) -> str:
    """The client agrees to its quote (or to a partial confirmation), by mail (`inbound`) or
    through a channel that names who acted (`by`); neither means the client is set to
    auto-agree. Returns a summary for the processing log."""
    uow, now = work.uow, work.now
    actor, inbound_id = client.id, None if inbound is None else inbound.record.id
    refused = agree_refused(uow, order)
    if refused is not None:
        tell_client(work, order, refused, inbound=inbound)
        why = "no line was priced" if refused == "nothing_to_agree" else f"it is {order.status}"
        return f"AGREE for {order.number} changed nothing: {why}"
    if order.status == OrderStatus.SENT:
        return _accept_partial(work, order, client, inbound, by)
    close_deadlines(uow, order_id=order.id, kinds=[DeadlineKind.CLIENT_AGREEMENT], now=now)
    redeemed_by = inbound_id or order.inbound_message_id
    vouchers.redeem(uow, order_id=order.id, inbound_id=redeemed_by, now=now)
    if ledger.over_limit(uow, client, order.total):
        note = "above the credit limit"
        transition(
            uow, order, OrderStatus.HELD,
            at=now, actor_id=actor, inbound_id=inbound_id, note=note, actor_name=label_of(by),
        )  # fmt: skip
        balance = uow.order_records.balance(client.id, client.currency)
        owed = Money(order.total - balance, client.currency)
        limit = Money(client.credit_limit or Decimal(0), client.currency)
        told = tell_managers_of_held(work, order, owed, limit)
        tell_client(work, order, "held", inbound=inbound)
        return f"{order.number} held above the credit limit; {told} manager(s) told"
    note = "auto-agreed" if inbound is None and by is None else ""
    transition(
        uow, order, OrderStatus.AGREED,
        at=now, actor_id=actor, inbound_id=inbound_id, note=note, actor_name=label_of(by),
    )  # fmt: skip
    files = _debit_and_send(work, order, client, by)
    tell_client(work, order, "agreed", inbound=inbound)
    return f"{order.number} agreed; order files sent to {files} supplier(s)"


def _debit_and_send(work: Work, order: Order, client: Partner, by: Actor | None = None) -> int:
    uow, now = work.uow, work.now
    note, created_by = f"order {order.number}", by.label if by else ledger.MAILBOT
    ledger.book(
        uow, client, "debit", order.total, at=now, order=order, note=note, created_by=created_by
    )
    files = send_order_files(work, order)
    note, details = f"order files to {files} supplier(s)", {"suppliers": files}
    transition(
        uow, order, OrderStatus.SENT,
        at=now, actor_id=None, inbound_id=None, note=note, details=details,
    )  # fmt: skip
    return files


def _accept_partial(
    work: Work, order: Order, client: Partner, inbound: Inbound | None, by: Actor | None
) -> str:
    """The client takes the confirmed quantities: the parts proceed, the total is lowered,
    and the redeemed voucher codes are judged again on what is left (gross voucher rules at
    the desk's VAT rate, days in the client's zone)."""
    uow, now = work.uow, work.now
    parts = uow.order_records.supplier_orders(order.id)
    accepted = [part for part in parts if part.status == SupplierOrderStatus.PARTIAL]
    for part in accepted:
        shipped = part.ship_date is not None
        part.status = SupplierOrderStatus.SHIPPED if shipped else SupplierOrderStatus.CONFIRMED
        if not shipped:  # the supplier's shipping promise runs from now
            days = delivery_days(uow, supplier_lines(order, part.supplier_id), part.supplier_id)
            open_shipping(work, order, part.supplier_id, delivery_days=days)
    confirmed = Decimal(0)
    for line in order.lines:
        if line.unit_price is not None and line.quantity:
            count = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
            confirmed += Money(line.unit_price * count, order.currency).rounded().amount
    zone = work.zone_of(client.timezone)
    confirmed -= discount_on_confirmed(uow, order, client, vat_percent=work.vat_percent, zone=zone)
    if confirmed < order.total:
        note = f"order {order.number}: confirmed quantities"
        ledger.book(uow, client, "credit", order.total - confirmed, at=now, order=order, note=note)
        order.total = confirmed
    inbound_id = None if inbound is None else inbound.record.id
    note = "client agreed to the confirmed quantities"
    transition(
        uow, order, OrderStatus.SENT,
        at=now, actor_id=client.id, inbound_id=inbound_id, note=note, actor_name=label_of(by),
    )  # fmt: skip
    # The order is confirmed by its suppliers' answers, not by the client who took them: the
    # step names the supplier whose partial confirmation was accepted (mailbot when several).
    suppliers = {part.supplier_id for part in accepted}
    confirmer = next(iter(suppliers)) if len(suppliers) == 1 else None
    advance(work, order, actor_id=confirmer, inbound_id=None, announce=False)
    tell_client(work, order, "accepted", inbound=inbound, lines=comparison(order))
    return f"{order.number}: client agreed to the confirmed quantities; order {order.status}"


def cancel(
    work: Work, order: Order, client: Partner, inbound: Inbound | None, by: Actor | None = None
) -> str:
    """The client cancels its order, by mail (`inbound`) or through a channel that names who
    acted (`by`), while no supplier has confirmed all of it yet."""
    refused = cancel_refused(order)
    if refused is not None:
        tell_client(work, order, refused, inbound=inbound)
        return f"CANCEL for {order.number} changed nothing: it is {order.status}"
    inbound_id = None if inbound is None else inbound.record.id
    _cancel(work, order, actor_id=client.id, inbound_id=inbound_id, note="", by=label_of(by))
    tell_client(work, order, "cancelled", inbound=inbound)
    return f"{order.number} cancelled by the client"


def _cancel(
    work: Work,
    order: Order,
    *,
    actor_id: int | None,
    inbound_id: int | None,
    note: str,
    by: str = "",
) -> None:
    """Cancel the order (`by`: the label of who did it when not a partner, "" for mailbot):
    deadlines closed, vouchers released, an agreed order's debit credited back and its
    suppliers told."""
    uow, now = work.uow, work.now
    was = order.status
    transition(
        uow,
        order,
        OrderStatus.CANCELLED,
        at=now,
        actor_id=actor_id,
        inbound_id=inbound_id,
        note=note,
        actor_name=by,
    )
    close_deadlines(uow, order_id=order.id, now=now)
    vouchers.release(
        uow, order_id=order.id, inbound_id=inbound_id, now=now, reason="order cancelled"
    )
    if was in (OrderStatus.AGREED, OrderStatus.SENT, OrderStatus.CONFIRMED):
        note = f"order {order.number} cancelled"
        ledger.book(
            uow, order.client, "credit", order.total,
            at=now, order=order, note=note, created_by=by or ledger.MAILBOT,
        )  # fmt: skip
        tell_suppliers_of_cancel(work, order)


def _order(uow: UnitOfWork, number: str) -> Order:
    order = uow.orders.by_number(number.strip().upper())
    if order is None:
        raise OrderActionError(f"no order {number}")
    uow.order_records.lock(order)
    return order


def release(
    uow: Callable[[], UnitOfWork],
    desk: Desk,
    number: str,
    *,
    now: datetime,
    by: Actor | None = None,
) -> str:
    """A manager (`by`, when named) lets a held order go on despite the credit limit: agreed,
    debited, sent."""
    with uow() as unit:
        work = desk.at(unit, now)
        order = _order(unit, number)
        if order.status != OrderStatus.HELD:
            raise OrderActionError(f"order {order.number} is {order.status}, not held")
        note = "released by a manager"
        transition(
            unit, order, OrderStatus.AGREED, at=now, actor_id=None, inbound_id=None, note=note,
            actor_name=label_of(by),
        )  # fmt: skip
        files = _debit_and_send(work, order, order.client, by)
        tell_client(work, order, "released")
        unit.commit()
        return f"order {order.number} released: order files sent to {files} supplier(s)"


def cancel_by_desk(
    uow: Callable[[], UnitOfWork],
    desk: Desk,
    number: str,
    *,
    now: datetime,
    note: str = "",
    by: Actor | None = None,
) -> str:
    """A manager (`by`, when named) cancels an order that is not finished yet; client and
    suppliers are told."""
    with uow() as unit:
        work = desk.at(unit, now)
        order = _order(unit, number)
        cancel_for_desk(work, order, note=note or "cancelled by a manager", by=label_of(by))
        unit.commit()
        return f"order {order.number} cancelled"


def cancel_for_desk(work: Work, order: Order, *, note: str, by: str) -> None:
    """The desk's cancel in the caller's transaction, the order locked: by a manager (`by`
    their label) or the ERP. OrderActionError when the order is shipped or finished."""
    if order.status in FINAL or order.status == OrderStatus.SHIPPED:
        raise OrderActionError(f"order {order.number} is {order.status}; too late to cancel")
    _cancel(work, order, actor_id=None, inbound_id=None, note=note, by=by)
    tell_client(work, order, "cancelled_by_desk")


def close(
    uow: Callable[[], UnitOfWork],
    number: str,
    *,
    now: datetime,
    note: str = "",
    by: Actor | None = None,
) -> str:
    """A manager (`by`, when named) closes a shipped order (delivered, nothing more to do)."""
    with uow() as unit:
        order = _order(unit, number)
        if order.status != OrderStatus.SHIPPED:
            raise OrderActionError(f"order {order.number} is {order.status}, not shipped")
        transition(
            unit, order, OrderStatus.CLOSED, at=now, actor_id=None, inbound_id=None, note=note,
            actor_name=label_of(by),
        )  # fmt: skip
        unit.commit()
        return f"order {order.number} closed"
