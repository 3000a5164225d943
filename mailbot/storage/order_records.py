"""What happens to an order after its quote: its transitions, its suppliers' parts, the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
