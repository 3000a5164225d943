"""A client's commands by mail: AGREE, CANCEL, STATUS and BALANCE, each answered.

The order a command is about is the one it names, else the one whose mail it answers, else
the one named in its subject. An order of another client is answered exactly as an unknown
one, so a guessed number reveals nothing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mailbot.domain.money import Money
from mailbot.parsers.commands import Command, CommandRequest
from mailbot.services.orders import agreement, ledger
from mailbot.services.orders.lifecycle import order_replied_to
from mailbot.services.orders.mail import Inbound, order_context, tell, tell_client
from mailbot.services.outbox.replies import Replies
from mailbot.services.schedule.deadlines import DeadlineSettings
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork

RECENT_ORDERS = 10  # how many orders a STATUS without a number lists


def answer_command(
    uow: UnitOfWork,
    replies: Replies,
    request: CommandRequest,
    client: Partner,
    inbound: Inbound,
    *,
    now: datetime,
    deadlines: DeadlineSettings,
    vat_percent: Decimal,
) -> str:
    """Act on a client's command and answer it; a summary for the processing log."""
    if request.command is Command.BALANCE:
        return _balance(uow, replies, client, inbound, now=now)
    order = order_replied_to(uow, inbound.message, request.order_number)
    if order is None and not request.order_number:
        if request.command is Command.STATUS:
            return _recent(uow, replies, client, inbound, now=now)
        context = {"order_number": "", "outcome": "which"}
        tell(uow, replies, client, "order_answer", context, order=None, now=now, inbound=inbound)
        return f"{request.command.upper()} names no order and answers none of ours"
    if order is None or order.client_id != client.id:
        number = request.order_number or (order.number if order else "")
        context = {"order_number": number, "outcome": "unknown"}
        tell(uow, replies, client, "order_answer", context, order=None, now=now, inbound=inbound)
        return f"{request.command.upper()} for an unknown order {number}"
    uow.order_records.lock(order)
    if request.command is Command.AGREE:
        return agreement.agree(uow, replies, order, client, inbound, now=now, deadlines=deadlines,
                               vat_percent=vat_percent)  # fmt: skip
    if request.command is Command.CANCEL:
        return agreement.cancel(uow, replies, order, client, inbound, now=now)
    tell_client(uow, replies, order, "status", now=now, inbound=inbound)
    return f"status of {order.number} sent: {order.status}"


def _balance(
    uow: UnitOfWork, replies: Replies, client: Partner, inbound: Inbound, *, now: datetime
) -> str:
    account = ledger.account(uow, client)
    zero = Money.zero(client.currency)
    context = {
        "owed": max(zero, Money(-account.balance.amount, client.currency), key=_amount),
        "in_credit": max(zero, account.balance, key=_amount),
        "credit_limit": account.credit_limit,
        "entries": [
            {"at": e.at, "kind": e.kind, "amount": Money(e.amount, e.currency), "note": e.note}
            for e in account.entries
        ],
    }
    tell(uow, replies, client, "balance", context, order=None, now=now, inbound=inbound)
    return f"balance sent: {account.balance}"


def _amount(money: Money) -> Decimal:
    return money.amount


def _recent(
    uow: UnitOfWork, replies: Replies, client: Partner, inbound: Inbound, *, now: datetime
) -> str:
    orders = [order_context(uow, order) for order in uow.orders.list(client.id, RECENT_ORDERS)]
    context = {"order_number": "", "outcome": "recent", "orders": orders}
    tell(uow, replies, client, "order_answer", context, order=None, now=now, inbound=inbound)
    return f"status of {len(orders)} recent order(s) sent"
