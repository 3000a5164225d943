"""A client's account: agreed orders debit it, payments credit it; the credit limit holds orders.

The balance is credits minus debits in the client's currency, so a client that owes money has
a negative balance. A client without a credit limit may owe any amount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from mailbot.domain.events import EventType, money
from mailbot.domain.money import Money
from mailbot.errors import MailbotError
from mailbot.services.partners.registry import normalise_address
from mailbot.storage.models import LedgerEntry, Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

MAILBOT = "mailbot"  # `created_by` of the entries mailbot makes itself


class PaymentError(MailbotError):
    """A payment that cannot be booked as given."""


@dataclass(frozen=True, slots=True)
class Account:
    """A client's balance, its credit limit (None: no limit) and its newest entries."""

    balance: Money
    credit_limit: Money | None
    entries: tuple[LedgerEntry, ...]


def account(uow: UnitOfWork, client: Partner, *, entries: int = 10) -> Account:
    balance = Money(uow.order_records.balance(client.id, client.currency), client.currency)
    limit = client.credit_limit
    return Account(
        balance.rounded(),
        None if limit is None else Money(limit, client.currency),
        tuple(uow.order_records.ledger(client.id, entries)),
    )


@dataclass(frozen=True, slots=True)
class StatementLine:
    """A ledger entry with its order's number and the client's balance after it."""

    entry: LedgerEntry
    order_number: str | None
    balance: Money


def statement(
    uow: UnitOfWork, client: Partner, *, since: datetime | None = None, limit: int | None = None
) -> list[StatementLine]:
    """The client's entries from `since` on (the newest `limit` of them), oldest first, each
    with the running balance in the client's currency counted over every entry before it.
    An entry in another currency leaves that balance as it is, as `account` does."""
    running = Money.zero(client.currency)
    lines = []
    for entry, number in uow.order_records.statement(client.id):
        if entry.currency == client.currency:
            signed = entry.amount if entry.kind == "credit" else -entry.amount
            running = Money(running.amount + signed, client.currency)
        if since is None or entry.at >= since:
            lines.append(StatementLine(entry, number, running.rounded()))
    return lines[-limit:] if limit else lines


def over_limit(uow: UnitOfWork, client: Partner, amount: Decimal) -> bool:
    """Whether owing `amount` more would take the client above its credit limit."""
    if client.credit_limit is None:
        return False
    owed = -uow.order_records.balance(client.id, client.currency)
    return owed + amount > client.credit_limit


def book(
    uow: UnitOfWork,
    client: Partner,
    kind: str,
    amount: Decimal,
    *,
    at: datetime,
    note: str,
    order: Order | None = None,
    created_by: str = MAILBOT,
) -> LedgerEntry:
    """Add a `debit` or `credit` entry of a positive `amount` in the client's currency."""
    entry = LedgerEntry(
        partner_id=client.id,
        amount=amount,
        currency=client.currency,
        kind=kind,
        order_id=None if order is None else order.id,
        note=note,
        at=at,
        created_by=created_by,
    )
    uow.order_records.add(entry)
    uow.flush()  # the entry's id, for the ERP
    payload = {
        "partner": client.id,
        "entry": entry.id,
        "kind": kind,
        "amount": money(amount, client.currency),
        "order": None if order is None else order.number,
        "note": note,
        "by": created_by,
    }
    uow.events.record(EventType.LEDGER_ENTRY_BOOKED, client.id, payload, at)
    return entry


def parse_amount(text: str) -> Decimal:
    """A positive amount from the command line; PaymentError for anything else."""
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise PaymentError(f"{text!r} is not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise PaymentError(f"a payment must be a positive amount, not {text}")
    return amount


def add_payment(
    uow: Callable[[], UnitOfWork],
    address: str,
    amount_text: str,
    *,
    currency: str | None,
    note: str,
    now: datetime,
    created_by: str = "cli",
) -> tuple[LedgerEntry, Money]:
    """Credit a client's account with a payment; the entry and the new balance.

    PaymentError for a non-positive amount, another currency than the client's, an address
    that is not a client's."""
    amount = parse_amount(amount_text)
    with uow() as unit:
        client = unit.partners.by_address(normalise_address(address))
        if client is None or client.role != "client":
            raise PaymentError(f"no client has the address {address}")
        if currency is not None and currency.upper() != client.currency:
            raise PaymentError(
                f"{client.name} is kept in {client.currency}; a payment in {currency.upper()} "
                "cannot be booked"
            )
        entry, balance = book_payment(
            unit, client, amount, note=note or "payment", now=now, created_by=created_by
        )
        unit.commit()
        return entry, balance


def book_payment(
    uow: UnitOfWork, client: Partner, amount: Decimal, *, note: str, now: datetime, created_by: str
) -> tuple[LedgerEntry, Money]:
    """Credit a client's account with a payment of `amount` in its currency, in the caller's
    transaction; the entry and the new balance."""
    entry = book(uow, client, "credit", amount, at=now, note=note, created_by=created_by)
    balance = account(uow, client, entries=0).balance
    payload = {
        "partner": client.id,
        "entry": entry.id,
        "amount": money(amount, client.currency),
        "balance": money(balance.amount, balance.currency),
        "note": entry.note,
        "by": created_by,
    }
    uow.events.record(EventType.PAYMENT_BOOKED, client.id, payload, now)
    return entry, balance
