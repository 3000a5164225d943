"""What happens to an order after its quote: its transitions, its suppliers' parts, the ledger,
and what belongs to it elsewhere (its codes, deadlines and mail), for showing it whole."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import LargeBinary, func, insert, select, union
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from mailbot.storage.later_writes import LATER
from mailbot.storage.models import (
    Deadline,
    InboundMessage,
    LedgerEntry,
    Order,
    OrderTransition,
    OutboundMessage,
    Partner,
    SupplierOrder,
    VoucherCampaign,
    VoucherCode,
    VoucherRedemption,
)

_HEAD = 8192  # bytes of a received message read for its From and Subject
# An order's step: a prebuilt INSERT (on PostgreSQL it waits for the next statement,
# storage/later_writes.py). Steps are read back only by query (the
# order's history), never as the objects written, and the ORM's unit of work would cost
# several times the statement on every step of every order.
_STEP = insert(OrderTransition.__table__).inline().execution_options(**LATER)  # type: ignore[arg-type]


class OrderRecords:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: SupplierOrder | LedgerEntry) -> None:
        """Add `record` to the transaction; it is written with the next flush (a query or
        `UnitOfWork.flush`), not on its own."""
        self.session.add(record)

    def add_step(self, values: Mapping[str, object]) -> None:
        """Write an order's step (the columns' `values` of an OrderTransition) into this
        transaction."""
        self.session.execute(_STEP, dict(values))

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
        return self.supplier_orders_of([order_id]).get(order_id, [])

    def supplier_orders_of(self, order_ids: Iterable[int]) -> dict[int, list[SupplierOrder]]:
        """The suppliers' parts of each order (by order id, in supplier order, their suppliers
        loaded) in one query, for a page of orders; an order without parts has no key."""
        query = (
            select(SupplierOrder)
            .options(joinedload(SupplierOrder.supplier))
            .where(SupplierOrder.order_id.in_(list(order_ids)))
            .order_by(SupplierOrder.order_id, SupplierOrder.supplier_id)
        )
        found: dict[int, list[SupplierOrder]] = {}
        for part in self.session.scalars(query):
            found.setdefault(part.order_id, []).append(part)
        return found

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

    def codes(self, order_id: int) -> Sequence[tuple[VoucherRedemption, str, str]]:
        """The order's voucher codes: each redemption with the code as shown and its campaign's
        name, in the order they were reserved."""
        query = (
            select(VoucherRedemption, VoucherCode.display, VoucherCampaign.name)
            .join(VoucherCode, VoucherRedemption.code_id == VoucherCode.id)
            .join(VoucherCampaign, VoucherRedemption.campaign_id == VoucherCampaign.id)
            .where(VoucherRedemption.order_id == order_id)
            .order_by(VoucherRedemption.id)
        )
        return [(r, code, campaign) for r, code, campaign in self.session.execute(query)]

    def deadlines(self, order_id: int) -> Sequence[tuple[Deadline, str]]:
        """Every deadline of the order, open or not, with the name of the party it waits on."""
        query = (
            select(Deadline, Partner.name)
            .join(Partner, Deadline.partner_id == Partner.id)
            .where(Deadline.order_id == order_id)
            .order_by(Deadline.opened_at, Deadline.id)
        )
        return [(deadline, party) for deadline, party in self.session.execute(query)]

    def mail_out(self, order_id: int) -> Sequence[OutboundMessage]:
        """The mail mailbot wrote about the order, oldest first (without its bytes)."""
        query = (
            select(OutboundMessage)
            .options(defer(OutboundMessage.raw))
            .where(OutboundMessage.order_id == order_id)
            .order_by(OutboundMessage.id)
        )
        return self.session.scalars(query).all()

    def mail_in(self, order_id: int) -> Sequence[tuple[InboundMessage, bytes]]:
        """The received messages that belong to the order, oldest first, each with the first
        bytes of its raw form (for From and Subject): the order's own mail, those that moved
        it, those answered in its thread, and those that used its voucher codes."""
        ids = union(
            select(Order.inbound_message_id).where(Order.id == order_id),
            select(OrderTransition.inbound_message_id).where(OrderTransition.order_id == order_id),
            select(OutboundMessage.inbound_message_id).where(OutboundMessage.order_id == order_id),
            select(VoucherRedemption.inbound_message_id).where(
                VoucherRedemption.order_id == order_id
            ),
            select(VoucherRedemption.redeemed_inbound_id).where(
                VoucherRedemption.order_id == order_id
            ),
            select(VoucherRedemption.released_inbound_id).where(
                VoucherRedemption.order_id == order_id
            ),
        ).subquery()
        head = func.substr(InboundMessage.raw, 1, _HEAD, type_=LargeBinary)
        query = (
            select(InboundMessage, head)
            .where(InboundMessage.id.in_(select(ids.c[0])))
            .order_by(InboundMessage.id)
        )
        return [(message, bytes(first or b"")) for message, first in self.session.execute(query)]
