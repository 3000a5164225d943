"""The managers' daily digest: what came in, what waits for whom, what went wrong; with the
order matrix as an XLSX attachment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.domain.orders import OPEN, OrderStatus
from mailbot.outbound.matrix import MatrixRow, order_matrix_xlsx
from mailbot.services.outbox.replies import Replies
from mailbot.storage.unit_of_work import UnitOfWork

WAITING_FOR_CLIENTS = (OrderStatus.QUOTED, OrderStatus.HELD)
WAITING_FOR_SUPPLIERS = (OrderStatus.AGREED, OrderStatus.SENT, OrderStatus.CONFIRMED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one digest shows, ready for the templates (and the attachment's bytes)."""

    since: datetime
    until: datetime
    new_orders: list[dict[str, Any]]
    new_count: int
    waiting_clients: list[dict[str, Any]]
    waiting_suppliers: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    vouchers: list[dict[str, Any]]
    imports: list[dict[str, Any]]
    quarantined_new: int
    quarantined_total: int
    outbound: list[dict[str, Any]]
    matrix_name: str
    matrix: bytes = field(repr=False)

    def context(self) -> dict[str, object]:
        names = [name for name in self.__dataclass_fields__ if name != "matrix"]
        return {name: getattr(self, name) for name in names}


def voucher_redemptions(uow: UnitOfWork, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Vouchers redeemed in the period, by campaign."""
    return [
        {"campaign": name, "redemptions": count}
        for name, count in uow.reports.campaigns_redeemed(since, until)
    ]


def build_digest(uow: UnitOfWork, *, since: datetime, now: datetime) -> Digest:
    """The digest of [since, now), in the caller's transaction; a period never runs backwards
    (a `since` after `now` is taken as `now`)."""
    since = min(since, now)
    reports = uow.reports
    by_client: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[str, int] = defaultdict(int)
    created = reports.orders_created(since, now)
    for client, currency, total in created:
        by_client[client][currency] += total
        counts[client] += 1
    new_orders = [
        {
            "client": client,
            "count": counts[client],
            "totals": [Money(amount, code) for code, amount in sorted(totals.items())],
        }
        for client, totals in sorted(by_client.items())
    ]
    quarantined_new, quarantined_total = reports.quarantined(since)
    return Digest(
        since=since,
        until=now,
        new_orders=new_orders,
        new_count=len(created),
        waiting_clients=_waiting(uow, WAITING_FOR_CLIENTS),
        waiting_suppliers=_waiting(uow, WAITING_FOR_SUPPLIERS),
        overdue=[
            {"order": number, "kind": deadline.kind, "party": party, "due_at": deadline.due_at}
            for deadline, number, party in reports.overdue(now)
        ],
        vouchers=voucher_redemptions(uow, since, now),
        imports=[
            {
                "supplier": supplier,
                "source": version.source,
                "status": version.status,
                "rows": version.rows,
                "rejected": version.rejected,
                "imported_at": version.imported_at,
            }
            for version, supplier in reports.imports(since, now)
        ],
        quarantined_new=quarantined_new,
        quarantined_total=quarantined_total,
        outbound=[{"status": s, "count": n} for s, n in reports.outbound_by_status(since)],
        matrix_name=f"orders-{now:%Y-%m-%d}.xlsx",
        matrix=order_matrix_xlsx(_matrix_rows(uow, since)),
    )


def _waiting(uow: UnitOfWork, statuses: tuple[OrderStatus, ...]) -> list[dict[str, Any]]:
    return [
        {
            "number": order.number,
            "client": client,
            "status": order.status,
            "total": Money(order.total, order.currency),
            "created_at": order.created_at,
        }
        for order, client in uow.reports.orders_in(statuses)
    ]


def _matrix_rows(uow: UnitOfWork, since: datetime) -> list[MatrixRow]:
    rows: dict[int, MatrixRow] = {}
    for order, client, step in uow.reports.matrix(since, OPEN):
        row = rows.get(order.id)
        if row is None:
            steps: dict[str, datetime] = {OrderStatus.RECEIVED: order.created_at}
            if order.quoted_at is not None:
                steps[OrderStatus.QUOTED] = order.quoted_at
            row = rows[order.id] = MatrixRow(
                order.number, client, order.status, Money(order.total, order.currency), steps
            )
        if step is not None:
            row.steps.setdefault(step.status, step.at)
    return list(rows.values())


def queue_digest(uow: UnitOfWork, replies: Replies, digest: Digest, *, now: datetime) -> int:
    """Mail the digest to every active manager, each in their language, in the caller's
    transaction; returns how many were queued."""
    attachment = (digest.matrix_name, XLSX, digest.matrix)
    queued = 0
    for manager in uow.partners.list("manager"):
        if manager.active and manager.addresses:
            replies.queue(
                uow,
                kind="digest",
                language=manager.language,
                to=manager.addresses[0].address,
                context={"partner_name": manager.name, **digest.context()},
                now=now,
                attachments=[attachment],
                timezone=manager.timezone,
            )
            queued += 1
    payload = {"managers": queued, "orders": digest.new_count}
    uow.events.record(EventType.DESK_DIGEST_SENT, "digest", payload, now)
    return queued


def digest_since(uow: UnitOfWork, now: datetime, before: date | None = None) -> datetime:
    """Where a digest starts: when the last one (for a day before `before`) was sent, else a
    day ago. Only a digest sent at or before `now` counts: one recorded for a later moment
    (by `jobs run-due --now` in the future) must not make a period run backwards."""
    last = uow.daily_runs.last("digest", before, ran_by=now)
    return last.ran_at if last is not None else now - timedelta(days=1)
