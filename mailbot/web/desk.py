"""The cabinet's pages beside the orders: a manager's dashboard (what waits, what failed, what
is overdue) and a client's account (its balance and ledger)."""

from __future__ import annotations

from datetime import datetime, time

from fastapi import APIRouter, Request, Response

from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.domain.money import Money
from mailbot.services.orders import ledger
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.web.cabinet import NotFoundError, Signed, cabinet_of, render

router = APIRouter(include_in_schema=False)

OVERDUE_SHOWN = 20
STATEMENT_LINES = 30


@router.get("/dashboard")
def dashboard(request: Request, who: Signed) -> Response:
    """Messages waiting and in quarantine, outgoing mail not sent, today's orders, and the
    open deadlines already past."""
    if who.person.role != "manager":
        raise NotFoundError()
    app = cabinet_of(request).app
    now = app.clock.now()
    zone = app.desk.deadlines.zone_of(who.person.timezone)
    midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
    with app.reading() as uow:
        inbox = uow.reports.inbox_counts()
        outbox = uow.reports.outbox_counts()
        overdue = uow.deadlines.overdue(now)
        context = {
            "waiting": inbox.get(InboundStatus.STORED, 0),
            "quarantined": inbox.get(InboundStatus.QUARANTINED, 0),
            "unsent": outbox.get(OutboundStatus.PENDING, 0),
            "failed": outbox.get(OutboundStatus.FAILED, 0) + outbox.get(OutboundStatus.BOUNCED, 0),
            "held": outbox.get(OutboundStatus.HELD, 0),
            "today": len(uow.orders.find(since=midnight, limit=10_000)),
            "overdue": [
                {"deadline": deadline, "order": uow.orders.get(deadline.order_id)}
                for deadline in overdue[:OVERDUE_SHOWN]
            ],
            "more_overdue": max(0, len(overdue) - OVERDUE_SHOWN),
        }
        return render(request, who, "dashboard", context)


@router.get("/account")
def account(request: Request, who: Signed) -> Response:
    """A client's balance, credit limit and newest ledger entries with the balance after each."""
    if who.person.role != "client":
        raise NotFoundError()
    app = cabinet_of(request).app
    with app.reading() as uow:
        client = uow.partners.get(who.person.partner_id)
        assert client is not None  # the session's partner, checked live by `visitor`
        held = ledger.account(uow, client, entries=0)
        context = {"account": held, "lines": statement_rows(uow, client)}
        return render(request, who, "account", context)


def statement_rows(uow: UnitOfWork, client: Partner) -> list[dict[str, object]]:
    """The client's newest ledger entries, newest first, each with its order and the balance
    after it."""
    return [
        {
            "at": line.entry.at,
            "kind": line.entry.kind,
            "note": line.entry.note,
            "by": line.entry.created_by,
            "amount": Money(line.entry.amount, line.entry.currency),
            "order": line.order_number,
            "balance": line.balance,
        }
        for line in reversed(ledger.statement(uow, client, limit=STATEMENT_LINES))
    ]
