"""A manager's side of the order lifecycle: held orders, closing, payments, partner terms."""

from __future__ import annotations

import click

from mailbot import read_models as views
from mailbot.commands.common import (
    Context,
    check_currency,
    emit_one,
    failures,
    json_option,
    pass_context,
    terms_options,
)
from mailbot.commands.dates import contract_end_option, parse_contract_end
from mailbot.services.orders import agreement
from mailbot.services.orders.ledger import add_payment
from mailbot.services.partners.registry import set_contract_end
from mailbot.services.partners.terms import Terms, set_terms


@click.command("release")
@click.argument("number")
@pass_context
def orders_release(context: Context, number: str) -> None:
    """Let a held order go on despite the credit limit: debit it and send the order files."""
    app = context.app()
    with failures():
        summary = agreement.release(app.uow, app.desk, number, now=app.clock.now())
    app.sender.run_once()
    click.echo(summary)


@click.command("cancel")
@click.argument("number")
@click.option("--note", default="", help="Why, for the order's history.")
@pass_context
def orders_cancel(context: Context, number: str, note: str) -> None:
    """Cancel an order that has not shipped; the client and its suppliers are told."""
    app = context.app()
    with failures():
        summary = agreement.cancel_by_desk(
            app.uow, app.desk, number, now=app.clock.now(), note=note
        )
    app.sender.run_once()
    click.echo(summary)


@click.command("close")
@click.argument("number")
@click.option("--note", default="", help="A remark for the order's history.")
@pass_context
def orders_close(context: Context, number: str, note: str) -> None:
    """Close a shipped order: delivered, nothing more to do."""
    app = context.app()
    with failures():
        click.echo(agreement.close(app.uow, number, now=app.clock.now(), note=note))


ORDER_COMMANDS = (orders_release, orders_cancel, orders_close)


@click.group()
def payments() -> None:
    """Payments from clients, credited to their ledger."""


# Unknown options pass as arguments, so that "-5" reaches AMOUNT and is refused as an amount.
@payments.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("client")
@click.argument("amount")
@click.option(
    "--currency", callback=check_currency, help="Refused unless it is the client's currency."
)
@click.option("--note", default="", help="What the payment is, e.g. a bank reference.")
@pass_context
def payments_add(
    context: Context, client: str, amount: str, currency: str | None, note: str
) -> None:
    """Credit AMOUNT to the client that has the address CLIENT."""
    app = context.app()
    with failures():
        entry, balance = add_payment(
            app.uow, client, amount, currency=currency, note=note, now=app.clock.now()
        )
    click.echo(f"payment of {entry.amount} {entry.currency} booked; balance {balance}")


@click.command("set")
@click.argument("address")
@terms_options
@contract_end_option
@json_option
@pass_context
def partners_set(
    context: Context,
    address: str,
    auto_agree: bool | None,
    credit_limit: str | None,
    timezone: str | None,
    contract_end: str | None,
    as_json: bool,
) -> None:
    """Change the terms or the contract end of the partner that has ADDRESS; shows the
    partner."""
    app = context.app()
    terms = Terms(auto_agree, credit_limit, timezone)
    with failures():
        partner = set_terms(app.uow, address, terms, now=app.clock.now())
        if contract_end is not None:
            ends_at = parse_contract_end(contract_end, app.config.scheduler.timezone)
            partner = set_contract_end(app.uow, address, ends_at, now=app.clock.now())
    row = views.partner_row(partner)
    if not as_json:
        row["addresses"] = ", ".join(row["addresses"])  # type: ignore[arg-type]
    emit_one(row, as_json)
