"""A client's commands by mail: AGREE, CANCEL, STATUS and BALANCE, each answered.

The order a command is about is the one it names, else the one whose mail it answers, else
the one named in its subject. An order of another client is answered exactly as an unknown
one, so a guessed number reveals nothing.
"""

from __future__ import annotations

from decimal import Decimal
from gettext import ngettext as english_plural  # logs are English: not in the catalogues

from mailbot.domain.money import Money
from mailbot.parsers.commands import Command, CommandRequest
from mailbot.services.orders import agreement, ledger
from mailbot.services.orders.lifecycle import order_replied_to
from mailbot.services.orders.mail import Inbound, order_context, tell, tell_client
from mailbot.services.work import Work
from mailbot.storage.models import Partner

RECENT_ORDERS = 10  # how many orders a STATUS without a number lists


def answer_command(work: Work, request: CommandRequest, client: Partner, inbound: Inbound) -> str:
    """Act on a client's command and answer it; a summary for the processing log."""
    if request.command is Command.BALANCE:
        return _balance(work, client, inbound)
    order = order_replied_to(work.uow, inbound.message, request.order_number)
    if order is None and not request.order_number:
        if request.command is Command.STATUS:
            return _recent(work, client, inbound)
        context = {"order_number": "", "outcome": "which"}
        tell(work, client, "order_answer", context, order=None, inbound=inbound)
        return f"{request.command.upper()} names no order and answers none of ours"
    if order is None or order.client_id != client.id:
        number = request.order_number or (order.number if order else "")
        context = {"order_number": number, "outcome": "unknown"}
        tell(work, client, "order_answer", context, order=None, inbound=inbound)
        return f"{request.command.upper()} for an unknown order {number}"
    work.uow.order_records.lock(order)
    if request.command is Command.AGREE:
        return agreement.agree(work, order, client, inbound)
    if request.command is Command.CANCEL:
        return agreement.cancel(work, order, client, inbound)
    tell_client(work, order, "status", inbound=inbound)
    return f"status of {order.number} sent: {order.status}"


def _balance(work: Work, client: Partner, inbound: Inbound) -> str:
    account = ledger.account(work.uow, client)
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
    tell(work, client, "balance", context, order=None, inbound=inbound)
    return f"balance sent: {account.balance}"


def _amount(money: Money) -> Decimal:
    return money.amount


def _recent(work: Work, client: Partner, inbound: Inbound) -> str:
    uow = work.uow
    orders = [order_context(uow, order) for order in uow.orders.list(client.id, RECENT_ORDERS)]
    context = {"order_number": "", "outcome": "recent", "orders": orders}
    tell(work, client, "order_answer", context, order=None, inbound=inbound)
    return english_plural(
        "status of %d recent order sent", "status of %d recent orders sent", len(orders)
    ) % len(orders)
