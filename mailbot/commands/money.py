"""Money on the command line: a client's ledger (`ledger list`) and the account that
`partners show` prints for a client."""

from __future__ import annotations

import click

from mailbot import read_models as views
from mailbot.commands.common import (
    Context,
    emit,
    emit_one,
    fail,
    failures,
    json_option,
    pass_context,
)
from mailbot.commands.dates import parse_moment
from mailbot.services.orders.ledger import account, statement
from mailbot.services.partners.registry import partner_at
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork

RECENT_ENTRIES = 10
LEDGER_COLUMNS = ("at", "kind", "amount", "order", "note", "balance")


def account_record(uow: UnitOfWork, client: Partner) -> views.Row:
    """The client's balance, what it owes, its credit limit and its newest entries."""
    return {
        **views.account_row(account(uow, client, entries=0)),
        "entries": [
            views.ledger_row(line) for line in statement(uow, client, limit=RECENT_ENTRIES)
        ],
    }


def echo_entries(entries: list[views.Row]) -> None:
    """The entries as a table for people: amounts and balances with their currency."""
    rows = [
        {
            **row,
            "amount": f"{row['amount']} {row['currency']}",
            "balance": f"{row['balance']} {row['currency']}",
        }
        for row in entries
    ]
    emit(rows, False, LEDGER_COLUMNS)


@click.group()
def ledger() -> None:
    """Clients' accounts: agreed orders debit them, payments and refunds credit them."""


@ledger.command("list")
@click.argument("client")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="The newest this many entries.")  # fmt: skip
@click.option("--since", metavar="DATE",
              help="Only entries from this date (midnight, local) or ISO 8601 time.")  # fmt: skip
@json_option
@pass_context
def ledger_list(context: Context, client: str, limit: int, since: str | None,
                as_json: bool) -> None:  # fmt: skip
    """List the ledger of the client that has the address CLIENT, oldest first, each entry
    with its order and the balance after it (below zero: what the client owes)."""
    app = context.app()
    start = None if since is None else parse_moment(since, app.config.scheduler.timezone, "--since")
    with failures(), app.uow() as uow:
        partner = partner_at(uow, client)
        if partner.role != "client":
            fail(f"{client} is a {partner.role}, not a client: it has no ledger")
        lines = statement(uow, partner, since=start, limit=limit)
        rows = [views.ledger_row(line) for line in lines]
        balance = views.account_row(account(uow, partner, entries=0))
    if as_json:
        emit(rows, True, LEDGER_COLUMNS)
        return
    echo_entries(rows)
    money = partner.currency
    click.echo(f"\nbalance: {balance['balance']} {money} (owes {balance['owes']} {money})")


def show_partner(record: views.Row, as_json: bool) -> None:
    """Print a partner's record; a client's amounts with its currency, then its newest
    ledger entries."""
    if as_json:
        emit_one(record, True)
        return
    shown = dict(record)
    for key in ("credit_limit", "balance", "owes", "credit_left"):
        if shown.get(key) is not None:
            shown[key] = f"{shown[key]} {record['currency']}"
    emit_one(shown, False)
    entries: list[views.Row] = record.get("entries", [])  # type: ignore[assignment]
    if entries:
        click.echo("\nnewest ledger entries:")
        echo_entries(entries)
