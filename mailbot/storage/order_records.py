"""What happens to an order after its quote: its transitions, its suppliers' parts, the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mailbot.storage.models import (
    LedgerEntry,
    Order,
    OrderTransition,
    OutboundMessage,
    SupplierOrder,
)


class OrderRecords:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: OrderTransition | SupplierOrder | LedgerEntry) -> None:
        self.session.add(record)
        self.session.flush()

    def lock(self, order: Order) -> None:
        """Lock the order's row for this transaction and read it again, so that two messages
        about one order (two AGREEs, two suppliers answering) are handled one after the other."""
        self.session.refresh(order, with_for_update=True)

    def get_order(self, order_id: int) -> Order | None:
        return self.session.get(Order, order_id, options=[selectinload(Order.lines)])

    def transitions(self, order_id: int) -> Sequence[OrderTransition]:
        query = (
            select(OrderTransition)
            .where(OrderTransition.order_id == order_id)
            .order_by(OrderTransition.at, OrderTransition.id)
        )
        return self.session.scalars(query).all()

    def supplier_orders(self, order_id: int) -> Sequence[SupplierOrder]:
        query = (
            select(SupplierOrder)
            .options(selectinload(SupplierOrder.supplier))
            .where(SupplierOrder.order_id == order_id)
            .order_by(SupplierOrder.supplier_id)
        )
        return self.session.scalars(query).all()

    def order_answered(self, message_ids: Iterable[str]) -> int | None:
        """The order of the newest of our mails among `message_ids` (bare ids, no brackets)."""
        bracketed = [f"<{message_id}>" for message_id in message_ids if message_id]
        if not bracketed:
            return None
        query = (
            select(OutboundMessage.order_id)
            .where(OutboundMessage.message_id.in_(bracketed), OutboundMessage.order_id.is_not(None))
            .order_by(OutboundMessage.id.desc())
            .limit(1)
        )
        return self.session.scalar(query)

    def first_mail(self, order_id: int, recipient: str) -> OutboundMessage | None:
        """The first mail about the order sent to `recipient`: later mails thread under it."""
        query = (
            select(OutboundMessage)
            .where(OutboundMessage.order_id == order_id, OutboundMessage.recipient == recipient)
            .order_by(OutboundMessage.id)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def ledger(self, partner_id: int, limit: int = 10) -> Sequence[LedgerEntry]:
        """The partner's newest entries, newest first."""
        query = (
            select(LedgerEntry)
            .where(LedgerEntry.partner_id == partner_id)
            .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc())
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def statement(self, partner_id: int) -> Sequence[tuple[LedgerEntry, str | None]]:
        """Every entry of the partner, oldest first, each with the number of its order."""
        query = (
            select(LedgerEntry, Order.number)
            .outerjoin(Order, LedgerEntry.order_id == Order.id)
            .where(LedgerEntry.partner_id == partner_id)
            .order_by(LedgerEntry.at, LedgerEntry.id)
        )
        return [(entry, number) for entry, number in self.session.execute(query)]

    def touched_by(self, inbound_id: int) -> Sequence[tuple[str, str, datetime]]:
        """(order number, status it moved to, when) for each step the received message moved
        an order on, in the order they happened; an order it created without a step has the
        status "created"."""
        steps = (
            select(Order.number, OrderTransition.status, OrderTransition.at)
            .join(Order, OrderTransition.order_id == Order.id)
            .where(OrderTransition.inbound_message_id == inbound_id)
            .order_by(OrderTransition.at, OrderTransition.id)
        )
        found = [(number, status, at) for number, status, at in self.session.execute(steps)]
        created = select(Order.number, Order.created_at).where(
            Order.inbound_message_id == inbound_id
        )
        stepped = {number for number, _, _ in found}
        for number, at in self.session.execute(created):
            if number not in stepped:
                found.insert(0, (number, "created", at))
        return found

    def balance(self, partner_id: int, currency: str) -> Decimal:
        """Credits minus debits in `currency`: below zero, what the partner owes."""
        query = select(LedgerEntry.amount, LedgerEntry.kind).where(
            LedgerEntry.partner_id == partner_id, LedgerEntry.currency == currency
        )
        # Summed here, not in SQL: SQLite stores the exact decimals as text.
        total = Decimal(0)
        for amount, kind in self.session.execute(query):
            total += amount if kind == "credit" else -amount
        return total
