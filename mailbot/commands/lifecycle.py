"""A manager's side of the order lifecycle: held orders, closing, payments."""

from __future__ import annotations

import click

from mailbot.commands.common import (
    Context,
    check_currency,
    failures,
    pass_context,
    usage_errors,
)
from mailbot.services.orders import agreement
from mailbot.services.orders.ledger import add_payment, parse_amount


@click.command("release")
@click.argument("number")
@pass_context
def orders_release(context: Context, number: str) -> None:
    """Let a held order go on despite the credit limit: debit it and send the order files."""
    app = context.app()
    with failures():
        summary = agreement.release(
            app.uow, app.desk, number, now=app.clock.now(), by=context.actor
        )
    context.acted(summary)
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
            app.uow, app.desk, number, now=app.clock.now(), note=note, by=context.actor
        )
    context.acted(summary)
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
        summary = agreement.close(app.uow, number, now=app.clock.now(), note=note, by=context.actor)
    context.acted(summary)
    click.echo(summary)


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
    with usage_errors():
        parse_amount(amount)
    with failures():
        entry, balance = add_payment(
            app.uow, client, amount, currency=currency, note=note, now=app.clock.now(),
            created_by=context.actor.label,
        )  # fmt: skip
    context.acted(f"payment of {entry.amount} {entry.currency} from {client} booked")
    click.echo(f"payment of {entry.amount} {entry.currency} booked; balance {balance}")
