"""A manager's side of the order lifecycle: held orders, closing, corrections to the order
matrix, payments."""

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
from mailbot.services.orders.matrix import FIELDS, correct_matrix


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


@click.command("correct")
@click.argument("number")
@click.option("--supplier", required=True, help="The supplier's address: whose part.")
@click.option("--field", required=True, type=click.Choice(list(FIELDS)), help="What to correct.")
@click.option(
    "--value",
    required=True,
    help='A time in ISO 8601 with its offset, a date YYYY-MM-DD, or the shipping method; "" '
    "for a time that has not happened.",
)
@click.option("--reason", required=True, help="Why, kept with the correction.")
@pass_context
def orders_correct(
    context: Context, number: str, supplier: str, field: str, value: str, reason: str
) -> None:
    """Correct a time or the shipping method of a supplier's part of the order matrix, with a
    reason; the order's status does not move."""
    app = context.app()
    with failures():
        part = correct_matrix(
            app.uow, number, supplier=supplier, field=field, value=value, reason=reason,
            now=app.clock.now(), by=context.actor,
        )  # fmt: skip
        shown = getattr(part, field)
    what = f"order {number.upper()}: {field} of {supplier} set to {shown if shown else 'none'}"
    context.acted(what)
    click.echo(what)


ORDER_COMMANDS = (orders_release, orders_cancel, orders_close, orders_correct)


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
