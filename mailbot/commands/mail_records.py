"""What became of mail: received messages with their outcome, those in quarantine, the outbox,
and addresses that bounce."""

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
from mailbot.parsers.mail_summary import read_head
from mailbot.services.inbox.quarantine import let_through, retry_quarantined
from mailbot.services.outbox.bounces import clear_address
from mailbot.storage.unit_of_work import UnitOfWork

MESSAGE_STATUSES = tuple(status.value for status in InboundStatus)
OUTBOUND_STATUSES = tuple(status.value for status in OutboundStatus)


@click.group()
def messages() -> None:
    """Received messages and what became of them (why one was not answered, too)."""


def message_rows(uow: UnitOfWork, status: str | None, limit: int) -> list[views.Row]:
    """The newest received messages with `status` (None: any), each with its sender and
    subject read from its header block."""
    found = uow.inbox.with_status(status, limit)
    heads = uow.inbox.heads(message.id for message in found)
    return [views.message_row(m, read_head(heads.get(m.id, b""))) for m in found]


@messages.command("list")
@click.option("--status", type=click.Choice(MESSAGE_STATUSES), help="Only messages with it.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@pass_context
def messages_list(context: Context, status: str | None, limit: int, as_json: bool) -> None:
    """List the newest received messages with their sender, subject and outcome."""
    with context.app().uow() as uow:
        rows = message_rows(uow, status, limit)
    emit(rows, as_json, ["id", "received_at", "status", "sender", "subject", "outcome"])


@messages.command("show")
@click.argument("message_id", type=int)
@click.option("--raw", is_flag=True, help="Print the message's raw bytes instead.")
@json_option
@pass_context
def messages_show(context: Context, message_id: int, raw: bool, as_json: bool) -> None:
    """Show a received message and all that became of it: status, outcome, attempts, last
    error, the replies it caused and the orders it created or moved on."""
    show_message(context, message_id, raw=raw, as_json=as_json)


def show_message(context: Context, message_id: int, *, raw: bool, as_json: bool) -> None:
    """Print a stored message's record with its outcome, or with `raw` its bytes as received."""
    with context.app().uow() as uow:
        message = uow.inbox.get(message_id)
        if message is None:
            fail(f"no message {message_id}")
        if raw:
            sys.stdout.buffer.write(message.raw)
            return
        head = read_head(uow.inbox.heads([message_id]).get(message_id, b""))
        record = views.message_outcome(uow, message, head)
    emit_one(record, as_json)
    if not as_json:
        for title, key, columns in (
            ("replies", "replies", ["id", "kind", "recipient", "status", "subject"]),
            ("orders", "orders", ["number", "status", "at"]),
        ):
            rows: list[views.Row] = record[key]  # type: ignore[assignment]
            click.echo(f"\n{title}: {len(rows) or 'none'}")
            if rows:
                emit(rows, False, columns)


@click.group()
def outbox() -> None:
    """Mail mailbot wrote: pending, sent, failed, bounced, held for a digest, suppressed,
    cancelled."""


@outbox.command("list")
@click.option("--status", type=click.Choice(OUTBOUND_STATUSES), help="Only mail with it.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
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
    if written:
        context.acted(f"{written} digest(s) of held replies written")
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


@click.group()
def quarantine() -> None:
    """Messages that processing gave up on."""


@quarantine.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@pass_context
def quarantine_list(context: Context, limit: int, as_json: bool) -> None:
    """List the newest quarantined messages with who sent them and why they are there."""
    with context.app().uow() as uow:
        rows = message_rows(uow, InboundStatus.QUARANTINED, limit)
    emit(rows, as_json, ["id", "received_at", "attempts", "sender", "subject", "last_error"])


@quarantine.command("show")
@click.argument("message_id", type=int)
@click.option("--raw", is_flag=True, help="Print the message's raw bytes instead.")
@json_option
@pass_context
def quarantine_show(context: Context, message_id: int, raw: bool, as_json: bool) -> None:
    """Show a stored message: its status, attempts and last error."""
    show_message(context, message_id, raw=raw, as_json=as_json)


@quarantine.command("retry")
@click.argument("message_id", type=int)
@pass_context
def quarantine_retry(context: Context, message_id: int) -> None:
    """Put a quarantined message back in line for processing (after a fix)."""
    app = context.app()
    with failures():
        retry_quarantined(app.uow, message_id, now=app.clock.now(), by=context.actor)
    context.acted(f"message {message_id} retried from quarantine")
    click.echo(f"message {message_id} will be processed again")


@quarantine.command("let-through")
@click.argument("message_id", type=int)
@pass_context
def quarantine_let_through(context: Context, message_id: int) -> None:
    """Vouch for a message quarantined because its sender was not authenticated, after a
    look: it is processed again with its sender taken as it is."""
    app = context.app()
    with failures():
        let_through(app.uow, message_id, now=app.clock.now(), by=context.actor)
    context.acted(f"message {message_id} let through from quarantine")
    click.echo(f"message {message_id} will be processed with its sender taken as it is")


COMMANDS = (messages, outbox, addresses, quarantine)
