"""Read-only queries for the managers' digest: what happened in a period, what is waiting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from mailbot.domain.deadlines import DeadlineStatus
from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.storage.driver_sql import on_postgresql
from mailbot.storage.models import (
    Deadline,
    InboundMessage,
    Order,
    OrderTransition,
    OutboundMessage,
    Partner,
    PriceList,
    VoucherCampaign,
    VoucherRedemption,
)


class Reports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def campaigns_redeemed(self, since: datetime, until: datetime) -> Sequence[Row[str, int]]:
        """(campaign name, redemptions) of the vouchers redeemed in [since, until)."""
        query = (
            select(VoucherCampaign.name, func.count(VoucherRedemption.id))
            .join(VoucherCampaign, VoucherCampaign.id == VoucherRedemption.campaign_id)
            .where(
                VoucherRedemption.status == RedemptionStatus.REDEEMED,
                VoucherRedemption.redeemed_at >= since,
                VoucherRedemption.redeemed_at < until,
            )
            .group_by(VoucherCampaign.name)
            .order_by(VoucherCampaign.name)
        )
        return self.session.execute(query).all()

    def orders_created(self, since: datetime, until: datetime) -> Sequence[Row[str, str, Decimal]]:
        """(client name, currency, total) of each order created in [since, until)."""
        query = (
            select(Partner.name, Order.currency, Order.total)
            .join(Partner, Partner.id == Order.client_id)
            .where(Order.created_at >= since, Order.created_at < until)
            .order_by(Partner.name, Order.id)
        )
        return self.session.execute(query).all()

    def orders_in(self, statuses: Sequence[str]) -> Sequence[Row[Order, str]]:
        """(order, client name) of every order in one of `statuses`, oldest first."""
        query = (
            select(Order, Partner.name)
            .join(Partner, Partner.id == Order.client_id)
            .where(Order.status.in_(list(statuses)))
            .order_by(Order.id)
        )
        return self.session.execute(query).all()

    def overdue(self, now: datetime) -> Sequence[Row[Deadline, str, str]]:
        """(deadline, order number, party name) of open deadlines past due, longest first."""
        query = (
            select(Deadline, Order.number, Partner.name)
            .join(Order, Order.id == Deadline.order_id)
            .join(Partner, Partner.id == Deadline.partner_id)
            .where(Deadline.status == DeadlineStatus.OPEN, Deadline.due_at < now)
            .order_by(Deadline.due_at)
        )
        return self.session.execute(query).all()

    def imports(self, since: datetime, until: datetime) -> Sequence[Row[PriceList, str]]:
        """(price list, supplier name) of each list imported in [since, until)."""
        query = (
            select(PriceList, Partner.name)
            .join(Partner, Partner.id == PriceList.supplier_id)
            .where(PriceList.imported_at >= since, PriceList.imported_at < until)
            .order_by(PriceList.id)
        )
        return self.session.execute(query).all()

    def quarantined(self, since: datetime) -> tuple[int, int]:
        """Messages quarantined since `since`, and all waiting in quarantine."""
        quarantined = InboundMessage.status == InboundStatus.QUARANTINED
        total = select(func.count(InboundMessage.id)).where(quarantined)
        new = total.where(InboundMessage.processed_at >= since)
        return self.session.scalar(new) or 0, self.session.scalar(total) or 0

    def outbound_by_status(self, since: datetime) -> list[tuple[str, int]]:
        """Mail written since `since`, counted by status (pending, sent, failed, bounced...)."""
        query = (
            select(OutboundMessage.status, func.count(OutboundMessage.id))
            .where(OutboundMessage.created_at >= since)
            .group_by(OutboundMessage.status)
            .order_by(OutboundMessage.status)
        )
        return [(status, count) for status, count in self.session.execute(query)]

    def matrix(
        self, since: datetime, open_statuses: Sequence[str]
    ) -> Sequence[Row[Order, str, OrderTransition | None]]:
        """(order, client name, transition or None) for every order still open or created or
        changed since `since`: one row per transition, orders in number order."""
        step = aliased(OrderTransition)
        changed = select(step.order_id).where(step.at >= since)
        query = (
            select(Order, Partner.name, OrderTransition)
            .join(Partner, Partner.id == Order.client_id)
            .outerjoin(OrderTransition, OrderTransition.order_id == Order.id)
            .where(
                or_(
                    Order.status.in_(list(open_statuses)),
                    Order.created_at >= since,
                    Order.id.in_(changed),
                )
            )
            .order_by(Order.id, OrderTransition.at, OrderTransition.id)
        )
        return self.session.execute(query).all()

    def inbox_counts(self) -> dict[str, int]:
        """Received messages counted by status (stored, processed, ignored, quarantined)."""
        query = select(InboundMessage.status, func.count(InboundMessage.id)).group_by(
            InboundMessage.status
        )
        return {str(status): int(count) for status, count in self.session.execute(query)}

    def processing_times(self, bounds: Sequence[float]) -> tuple[list[int], int, float]:
        """How long received messages waited until processed, in seconds: the number at or
        under each of `bounds` (ascending), the number processed, and their sum."""
        start, end = InboundMessage.received_at, InboundMessage.processed_at
        seconds: ColumnElement[Any]
        if on_postgresql(self.session):
            seconds = func.extract("epoch", end - start)
        else:
            seconds = (func.julianday(end) - func.julianday(start)) * 86400.0
        under = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds]
        query = select(func.count(), func.sum(seconds), *under).where(end.is_not(None))
        row: tuple[Any, ...] = tuple(self.session.execute(query).one())
        count, total, *counts = row
        return [int(n or 0) for n in counts], int(count or 0), float(total or 0.0)

    def outbox_counts(self) -> dict[str, int]:
        """Outgoing mail counted by status (pending, sent, failed, held...)."""
        query = select(OutboundMessage.status, func.count(OutboundMessage.id)).group_by(
            OutboundMessage.status
        )
        return {str(status): int(count) for status, count in self.session.execute(query)}

    def failed_since(self, since: datetime) -> int:
        """Outgoing mail written since `since` that failed."""
        query = select(func.count(OutboundMessage.id)).where(
            OutboundMessage.status == OutboundStatus.FAILED, OutboundMessage.created_at >= since
        )
        return self.session.scalar(query) or 0

    def last_mail_of(self, kind: str) -> OutboundMessage | None:
        """The newest mail of `kind` written (e.g. "digest")."""
        query = (
            select(OutboundMessage)
            .where(OutboundMessage.kind == kind)
            .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()
