"""`outbox show` (one outgoing mail as a person reads it), `outbox cancel` (stop a mail that
has not gone yet) and `outbox retry` (put failed mail back in the queue)."""

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
from mailbot.commands.mail_records import outbox
from mailbot.parsers.mail_summary import read_written
from mailbot.services.outbox.cancelling import cancel_mail
from mailbot.services.outbox.retrying import retry_mail


@outbox.command("show")
@click.argument("outbound_id", type=int)
@json_option
@pass_context
def outbox_show(context: Context, outbound_id: int, as_json: bool) -> None:
    """Show an outgoing mail: status, attempts, last error or reason, its headers, its text
    and the names and sizes of its attachments."""
    with context.app().uow() as uow:
        message = uow.outbox.get(outbound_id)
        if message is None:
            fail(f"no outgoing mail {outbound_id}")
        record = views.outbound_detail(message, read_written(message.raw))
    if as_json:
        emit_one(record, True)
        return
    shown = {k: v for k, v in record.items() if k not in ("headers", "text", "attachments")}
    emit_one(shown, False)
    click.echo()
    headers: dict[str, str] = record["headers"]  # type: ignore[assignment]
    for name, value in headers.items():
        click.echo(f"{name}: {value}")
    click.echo()
    click.echo(str(record["text"]).rstrip("\n"))
    attachments: list[views.Row] = record["attachments"]  # type: ignore[assignment]
    click.echo(f"\nattachments: {len(attachments) or 'none'}")
    if attachments:
        emit(attachments, False, ["name", "content_type", "size"])


@outbox.command("cancel")
@click.argument("outbound_id", type=int)
@click.option("--note", default="", help="Why, kept as the mail's reason.")
@pass_context
def outbox_cancel(context: Context, outbound_id: int, note: str) -> None:
    """Cancel an outgoing mail that is pending or held: it is never sent. Mail already sent
    (or failed, suppressed, cancelled) cannot be, and exits 1."""
    app = context.app()
    with failures():
        message = cancel_mail(
            app.uow, outbound_id, now=app.clock.now(), note=note, by=context.actor
        )
    what = f"outgoing mail {message.id} to {message.recipient} cancelled ({message.kind})"
    context.acted(what)
    click.echo(what)


@outbox.command("retry")
@click.argument("outbound_id", type=int, required=False)
@click.option("--failed", "all_failed", is_flag=True, help="Every failed mail.")
@pass_context
def outbox_retry(context: Context, outbound_id: int | None, all_failed: bool) -> None:
    """Put a failed mail (ID) or every failed mail (--failed) back in the queue: pending, due
    now, its attempts and its queue lifetime (smtp_outgoing.max_queue_days) starting again,
    with its Message-ID unchanged. A pending mail given by ID is made due now. The running
    sender sends it. Mail sent, held, suppressed or cancelled cannot be (exit 1)."""
    if (outbound_id is None) == (not all_failed):
        raise click.UsageError("give either an outgoing mail's ID or --failed")
    app = context.app()
    with failures():
        requeued = retry_mail(
            app.uow, now=app.clock.now(), outbound_id=outbound_id, by=context.actor
        )
    for message in requeued:
        what = f"outgoing mail {message.id} to {message.recipient} put back in the queue"
        what += f" ({message.kind})"
        context.acted(what)
        click.echo(what)
    if outbound_id is None:
        click.echo(f"{len(requeued)} failed mail(s) put back in the queue")
