"""A client's commands by mail: AGREE, CANCEL, STATUS and BALANCE, each answered.

The order a command is about is the one it names, else the one whose mail it answers, else
the one named in its subject. An order of another client is answered exactly as an unknown
one, so a guessed number reveals nothing. AGREE and CANCEL are carried out only when the
message shows more than its From header (see `proof.py`); otherwise the client is told, at
its registered address, how to answer, and nothing changes.
"""

from __future__ import annotations

from decimal import Decimal
from gettext import ngettext as english_plural  # logs are English: not in the catalogues

from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.parsers.commands import Command, CommandRequest
from mailbot.services.orders import agreement, ledger
from mailbot.services.orders.lifecycle import order_replied_to
from mailbot.services.orders.mail import Inbound, order_context, tell, tell_client
from mailbot.services.orders.proof import NOT_PROVEN, order_reference, proof_of_sender
from mailbot.services.work import Work
from mailbot.storage.models import Order, Partner

# The commands that commit money or goods, which need more than a From header.
ACTS = frozenset({Command.AGREE, Command.CANCEL})

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
    if request.command in ACTS:
        proof = proof_of_sender(work.uow, inbound.message, client, order, inbound.authenticated)
        if not proof:
            return _not_proven(work, order, client, inbound, request.command)
    if request.command is Command.AGREE:
        return agreement.agree(work, order, client, inbound)
    if request.command is Command.CANCEL:
        return agreement.cancel(work, order, client, inbound)
    tell_client(work, order, "status", inbound=inbound)
    return f"status of {order.number} sent: {order.status}"


def _not_proven(
    work: Work, order: Order, client: Partner, inbound: Inbound, command: Command
) -> str:
    """Tell the client (at its registered address, whoever wrote the mail) that the command
    was not carried out and how to give it, and record it."""
    word = command.upper()
    context = {
        **order_context(work.uow, order),
        "outcome": "unverified",
        "command": word,
        "reference": order_reference(order, client.id),
    }
    tell(work, client, "order_answer", context, order=order, inbound=inbound)
    payload: dict[str, object] = {"order": order.number, "partner": client.id, "act": command.value}
    payload["message"] = inbound.record.id
    work.uow.events.record(EventType.ORDER_ACT_NOT_PROVEN, order.number, payload, work.now)
    return f"{word} for {order.number} not carried out: {NOT_PROVEN}"


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
