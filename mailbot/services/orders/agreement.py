"""A client's AGREE and CANCEL, and a manager's release, cancel and close of an order.

Agreeing debits the client's ledger with the order's total and sends the order files, unless
the debit would take the client above its credit limit: then the order is held, managers are
mailed and the client is told. After a partial confirmation, AGREE accepts the confirmed
quantities (the ledger is credited the difference). Each answer says what happened, and a
repeated or late command changes nothing.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

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
from mailbot.services.outbox.replies import Replies
from mailbot.services.schedule.deadlines import DeadlineSettings, close_deadlines, open_shipping
from mailbot.services.vouchers import redemptions as vouchers
from mailbot.services.vouchers.order_codes import discount_on_confirmed
from mailbot.storage.models import Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

# What a client's AGREE or CANCEL is answered with when it changes nothing.
ANSWERED_AS_IS: dict[str, str] = {
    OrderStatus.CANCELLED: "already_cancelled",
    OrderStatus.EXPIRED: "expired",
}


class OrderActionError(MailbotError):
    """A manager's action that the order's status does not allow."""


def agree(
    uow: UnitOfWork, replies: Replies, order: Order, client: Partner, inbound: Inbound | None,
    *, now: datetime, deadlines: DeadlineSettings, vat_percent: Decimal,
) -> str:  # fmt: skip
    """The client agrees to its quote (or to a partial confirmation); `inbound` None means
    the client is set to auto-agree. `deadlines` time the suppliers' windows to confirm;
    `vat_percent` judges gross voucher rules again on confirmed quantities.
    Returns a summary for the processing log."""
    actor, inbound_id = client.id, None if inbound is None else inbound.record.id
    partial = [
        p
        for p in uow.order_records.supplier_orders(order.id)
        if p.status == SupplierOrderStatus.PARTIAL
    ]
    if order.status == OrderStatus.SENT and partial:
        zone = deadlines.zone_of(client.timezone)
        return _accept_partial(uow, replies, order, client, inbound, now=now,
                               vat_percent=vat_percent, zone=zone,
                               deadlines=deadlines)  # fmt: skip
    if order.status != OrderStatus.QUOTED:
        outcome = ANSWERED_AS_IS.get(order.status, "already_agreed")
        tell_client(uow, replies, order, outcome, now=now, inbound=inbound)
        return f"AGREE for {order.number} changed nothing: it is {order.status}"
    if not any(line.unit_price is not None for line in order.lines):
        tell_client(uow, replies, order, "nothing_to_agree", now=now, inbound=inbound)
        return f"AGREE for {order.number} changed nothing: no line was priced"
    close_deadlines(uow, order_id=order.id, kinds=[DeadlineKind.CLIENT_AGREEMENT], now=now)
    vouchers.redeem(uow, order_id=order.id, inbound_id=inbound_id or order.inbound_message_id,
                    now=now)  # fmt: skip
    if ledger.over_limit(uow, client, order.total):
        transition(uow, order, OrderStatus.HELD, at=now, actor_id=actor, inbound_id=inbound_id,
                   note="above the credit limit")  # fmt: skip
        owed = Money(order.total - uow.order_records.balance(client.id, client.currency),
                     client.currency)  # fmt: skip
        limit = Money(client.credit_limit or Decimal(0), client.currency)
        told = tell_managers_of_held(uow, replies, order, owed, limit, now=now)
        tell_client(uow, replies, order, "held", now=now, inbound=inbound)
        return f"{order.number} held above the credit limit; {told} manager(s) told"
    note = "auto-agreed" if inbound is None else ""
    transition(
        uow, order, OrderStatus.AGREED, at=now, actor_id=actor, inbound_id=inbound_id, note=note
    )
    files = _debit_and_send(uow, replies, order, client, now=now, deadlines=deadlines)
    tell_client(uow, replies, order, "agreed", now=now, inbound=inbound)
    return f"{order.number} agreed; order files sent to {files} supplier(s)"


def _debit_and_send(
    uow: UnitOfWork, replies: Replies, order: Order, client: Partner, *, now: datetime,
    deadlines: DeadlineSettings,
) -> int:  # fmt: skip
    ledger.book(uow, client, "debit", order.total, at=now, order=order,
                note=f"order {order.number}")  # fmt: skip
    files = send_order_files(uow, replies, order, now=now, deadlines=deadlines)
    transition(uow, order, OrderStatus.SENT, at=now, actor_id=None, inbound_id=None,
               note=f"order files to {files} supplier(s)")  # fmt: skip
    return files


def _accept_partial(
    uow: UnitOfWork, replies: Replies, order: Order, client: Partner, inbound: Inbound | None,
    *, now: datetime, vat_percent: Decimal, zone: tzinfo, deadlines: DeadlineSettings,
) -> str:  # fmt: skip
    """The client takes the confirmed quantities: the parts proceed, the total is lowered,
    and the redeemed voucher codes are judged again on what is left."""
    for part in uow.order_records.supplier_orders(order.id):
        if part.status == SupplierOrderStatus.PARTIAL:
            shipped = part.ship_date is not None
            part.status = SupplierOrderStatus.SHIPPED if shipped else SupplierOrderStatus.CONFIRMED
            if not shipped:  # the supplier's shipping promise runs from now
                days = delivery_days(uow, supplier_lines(order, part.supplier_id), part.supplier_id)
                open_shipping(uow, deadlines, order, part.supplier_id, delivery_days=days, now=now)
    confirmed = Decimal(0)
    for line in order.lines:
        if line.unit_price is not None and line.quantity:
            count = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
            confirmed += Money(line.unit_price * count, order.currency).rounded().amount
    confirmed -= discount_on_confirmed(uow, order, client, vat_percent=vat_percent, zone=zone)
    if confirmed < order.total:
        ledger.book(uow, client, "credit", order.total - confirmed, at=now, order=order,
                    note=f"order {order.number}: confirmed quantities")  # fmt: skip
        order.total = confirmed
    inbound_id = None if inbound is None else inbound.record.id
    transition(uow, order, OrderStatus.SENT, at=now, actor_id=client.id, inbound_id=inbound_id,
               note="client agreed to the confirmed quantities")  # fmt: skip
    advance(uow, replies, order, actor_id=client.id, inbound_id=inbound_id, now=now,
            announce=False)  # fmt: skip
    tell_client(uow, replies, order, "accepted", now=now, inbound=inbound,
                lines=comparison(order))  # fmt: skip
    return f"{order.number}: client agreed to the confirmed quantities; order {order.status}"


def cancel(
    uow: UnitOfWork, replies: Replies, order: Order, client: Partner, inbound: Inbound,
    *, now: datetime,
) -> str:  # fmt: skip
    """The client cancels its order, while no supplier has confirmed all of it yet."""
    if order.status not in CLIENT_CANCELLABLE:
        outcome = ANSWERED_AS_IS.get(order.status, "too_late")
        tell_client(uow, replies, order, outcome, now=now, inbound=inbound)
        return f"CANCEL for {order.number} changed nothing: it is {order.status}"
    _cancel(uow, replies, order, actor_id=client.id, inbound_id=inbound.record.id, now=now,
            note="")  # fmt: skip
    tell_client(uow, replies, order, "cancelled", now=now, inbound=inbound)
    return f"{order.number} cancelled by the client"


def _cancel(
    uow: UnitOfWork, replies: Replies, order: Order, *, actor_id: int | None,
    inbound_id: int | None, now: datetime, note: str,
) -> None:  # fmt: skip
    was = order.status
    transition(uow, order, OrderStatus.CANCELLED, at=now, actor_id=actor_id, inbound_id=inbound_id,
               note=note)  # fmt: skip
    close_deadlines(uow, order_id=order.id, now=now)
    vouchers.release(uow, order_id=order.id, inbound_id=inbound_id, now=now,
                     reason="order cancelled")  # fmt: skip
    if was in (OrderStatus.AGREED, OrderStatus.SENT, OrderStatus.CONFIRMED):
        ledger.book(uow, order.client, "credit", order.total, at=now, order=order,
                    note=f"order {order.number} cancelled")  # fmt: skip
        tell_suppliers_of_cancel(uow, replies, order, now=now)


def _order(uow: UnitOfWork, number: str) -> Order:
    order = uow.orders.by_number(number.strip().upper())
    if order is None:
        raise OrderActionError(f"no order {number}")
    uow.order_records.lock(order)
    return order


def release(
    uow: UnitOfWork, replies: Replies, number: str, *, now: datetime, deadlines: DeadlineSettings
) -> str:
    """A manager lets a held order go on despite the credit limit: agreed, debited, sent."""
    with uow:
        order = _order(uow, number)
        if order.status != OrderStatus.HELD:
            raise OrderActionError(f"order {order.number} is {order.status}, not held")
        transition(uow, order, OrderStatus.AGREED, at=now, actor_id=None, inbound_id=None,
                   note="released by a manager")  # fmt: skip
        files = _debit_and_send(uow, replies, order, order.client, now=now, deadlines=deadlines)
        tell_client(uow, replies, order, "released", now=now)
        uow.commit()
        return f"order {order.number} released: order files sent to {files} supplier(s)"


def cancel_by_desk(uow: UnitOfWork, replies: Replies, number: str, *, now: datetime,
                   note: str = "") -> str:  # fmt: skip
    """A manager cancels an order that is not finished yet; client and suppliers are told."""
    with uow:
        order = _order(uow, number)
        if order.status in FINAL or order.status == OrderStatus.SHIPPED:
            raise OrderActionError(f"order {order.number} is {order.status}; too late to cancel")
        _cancel(uow, replies, order, actor_id=None, inbound_id=None, now=now,
                note=note or "cancelled by a manager")  # fmt: skip
        tell_client(uow, replies, order, "cancelled_by_desk", now=now)
        uow.commit()
        return f"order {order.number} cancelled"


def close(uow: UnitOfWork, number: str, *, now: datetime, note: str = "") -> str:
    """A manager closes a shipped order (delivered, nothing more to do)."""
    with uow:
        order = _order(uow, number)
        if order.status != OrderStatus.SHIPPED:
            raise OrderActionError(f"order {order.number} is {order.status}, not shipped")
        transition(
            uow, order, OrderStatus.CLOSED, at=now, actor_id=None, inbound_id=None, note=note
        )
        uow.commit()
        return f"order {order.number} closed"
