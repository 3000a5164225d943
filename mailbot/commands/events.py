"""`mailbot events`: the events written for the ERP, whether they were published, and sending
them again."""

from __future__ import annotations

import json

import click

from mailbot.commands.common import Context, emit, emit_one, fail, json_option, pass_context
from mailbot.commands.dates import parse_moment
from mailbot.domain.events import utc_text
from mailbot.storage.models import Event

Row = dict[str, object]
COLUMNS = ["id", "occurred_at", "type", "aggregate", "sequence", "published_at"]


def event_row(event: Event) -> Row:
    """An event as `events list` and `events show` print it (times in UTC)."""
    return {
        "id": event.id,
        "message_id": event.message_id,
        "type": event.type,
        "version": event.version,
        "occurred_at": utc_text(event.occurred_at),
        "aggregate": f"{event.aggregate_type} {event.aggregate_id}",
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "sequence": event.sequence,
        "published_at": None if event.published_at is None else utc_text(event.published_at),
        "payload": event.payload,
    }


@click.group()
def events() -> None:
    """Events for the ERP (docs/events.md): what was written, what RabbitMQ confirmed."""


@events.command("list")
@click.option("--pending", is_flag=True, help="Only events not yet published.")
@click.option("--type", "kind", metavar="TYPE", help="Only events of this type (order.agreed).")
@click.option("--order", metavar="NUMBER", help="Only the events of this order.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@pass_context
def events_list(
    context: Context, pending: bool, kind: str | None, order: str | None, limit: int, as_json: bool
) -> None:
    """List the newest events, oldest first, with their sequence and when the broker
    confirmed them (empty: waiting to be published); then how many wait, and how many of the
    ERP's messages went to the dead-letter queue."""
    with context.app().uow() as uow:
        number = None if order is None else order.strip().upper()
        found = uow.events.listed(pending=pending, kind=kind, order=number, limit=limit)
        rows = [event_row(event) for event in found]
        waiting = uow.events.pending_count()
        dead = uow.erp_inbox.dead_letter_count()
    emit(rows, as_json, COLUMNS)
    if not as_json:
        click.echo(f"{waiting} event(s) waiting to be published")
        click.echo(f"{dead} message(s) from the ERP not applied (in the dead-letter queue)")


@events.command("show")
@click.argument("event_id", type=int)
@json_option
@pass_context
def events_show(context: Context, event_id: int, as_json: bool) -> None:
    """Show one event with its payload."""
    with context.app().uow() as uow:
        event = uow.events.get(event_id)
        if event is None:
            fail(f"no event {event_id}")
        row = event_row(event)
    if as_json:
        emit_one(row, True)
        return
    emit_one({k: v for k, v in row.items() if k != "payload"}, False)
    click.echo("payload:")
    click.echo(json.dumps(row["payload"], ensure_ascii=False, indent=2))


@events.command("replay")
@click.option(
    "--since",
    required=True,
    metavar="WHEN",
    help="A date (from its midnight, scheduler.timezone) or an ISO 8601 time.",
)
@pass_context
def events_replay(context: Context, since: str) -> None:
    """Publish again every event that happened since WHEN, with the same message ids and
    sequence numbers (consumers de-duplicate by message id); the running publisher sends
    them, oldest first."""
    app = context.app()
    moment = parse_moment(since, app.config.scheduler.timezone, "--since")
    with app.uow() as uow:
        count = uow.events.republish(moment)
        uow.commit()
    what = f"{count} event(s) since {utc_text(moment)} put back to be published again"
    context.acted(what)
    click.echo(what)
