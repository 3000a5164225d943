"""What became of mail: received messages with their outcome, the outbox, and addresses that
bounce."""

from __future__ import annotations

import sys

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
from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.services.outbox.bounces import clear_address

MESSAGE_STATUSES = tuple(status.value for status in InboundStatus)
OUTBOUND_STATUSES = tuple(status.value for status in OutboundStatus)


@click.group()
def messages() -> None:
    """Received messages and what became of them (why one was not answered, too)."""


@messages.command("list")
@click.option("--status", type=click.Choice(MESSAGE_STATUSES), help="Only messages with it.")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_context
def messages_list(context: Context, status: str | None, limit: int, as_json: bool) -> None:
    """List the newest received messages with their outcome."""
    with context.app().uow() as uow:
        rows = [views.message_row(m) for m in uow.inbox.with_status(status, limit)]
    emit(rows, as_json, ["id", "received_at", "status", "message_id", "outcome"])


@messages.command("show")
@click.argument("message_id", type=int)
@click.option("--raw", is_flag=True, help="Print the message's raw bytes instead.")
@json_option
@pass_context
def messages_show(context: Context, message_id: int, raw: bool, as_json: bool) -> None:
    """Show a received message: its status, outcome, attempts and last error."""
    show_message(context, message_id, raw=raw, as_json=as_json)


def show_message(context: Context, message_id: int, *, raw: bool, as_json: bool) -> None:
    """Print a stored message's record, or with `raw` its bytes as received."""
    with context.app().uow() as uow:
        message = uow.inbox.get(message_id)
        if message is None:
            fail(f"no message {message_id}")
        if raw:
            sys.stdout.buffer.write(message.raw)
            return
        emit_one(views.message_row(message), as_json)


@click.group()
def outbox() -> None:
    """Mail mailbot wrote: pending, sent, failed, bounced, held for a digest, suppressed."""


@outbox.command("list")
@click.option("--status", type=click.Choice(OUTBOUND_STATUSES), help="Only mail with it.")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_context
def outbox_list(context: Context, status: str | None, limit: int, as_json: bool) -> None:
    """List the newest outgoing mail; REASON says why one was held, suppressed or failed."""
    with context.app().uow() as uow:
        rows = [views.outbound_row(m) for m in uow.sent.list(status, limit)]
    emit(rows, as_json, ["id", "created_at", "kind", "recipient", "status", "reason"])


@outbox.command("send-digests")
@pass_context
def outbox_send_digests(context: Context) -> None:
    """Write the digests of held replies that are due now, and send what is due."""
    app = context.app()
    written = app.processor.send_due_digests()
    app.sender.run_once()
    click.echo(f"{written} digest(s) written")


@click.group()
def addresses() -> None:
    """Addresses mail from mailbot bounced at; suppressed ones are not mailed."""


@addresses.command("list")
@click.option("--suppressed", is_flag=True, help="Only the addresses mailbot no longer mails.")
@json_option
@pass_context
def addresses_list(context: Context, suppressed: bool, as_json: bool) -> None:
    """List bouncing addresses, the most recent bounce first."""
    with context.app().uow() as uow:
        rows = [views.bouncing_address_row(a) for a in uow.bouncing.list(suppressed)]
    columns = ["address", "suppressed", "hard_bounces", "last_status", "last_bounce_at"]
    emit(rows, as_json, columns)


@addresses.command("clear")
@click.argument("address")
@pass_context
def addresses_clear(context: Context, address: str) -> None:
    """Mail ADDRESS again: its hard-bounce count starts over."""
    app = context.app()
    with failures():
        clear_address(app.uow, address.lower(), now=app.clock.now(), by=context.actor)
    context.acted(f"address {address.lower()} cleared")
    click.echo(f"{address.lower()} will be mailed again")


COMMANDS = (messages, outbox, addresses)
