"""`mailbot status`: is the desk healthy? For people, and for monitoring by its exit code."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from mailbot.bootstrap import database_timeouts
from mailbot.clock import SystemClock
from mailbot.commands.common import DATABASE, FAILED, Context, fail, json_option, pass_context
from mailbot.service_status import Status, open_database, service_status
from mailbot.storage.unit_of_work import UnitOfWork


@click.command()
@click.option(
    "--failed-within",
    "failed_hours",
    type=click.FloatRange(min=0),
    default=24.0,
    show_default=True,
    metavar="HOURS",
    help="Failed outgoing mail written in the last HOURS is unhealthy (0: any failed mail).",
)
@json_option
@pass_context
def status(context: Context, failed_hours: float, as_json: bool) -> None:
    """Say where the database is, how the running service's parts are, and what waits.

    \b
    Shows: the database (SQLite path, or URL with the password masked) and its schema; each
    `mailbot run` instance with its parts (listener, poller with its last poll, processor,
    sender, scheduler with its last tick), each part's last heartbeat and its bound; messages
    waiting to be processed and in quarantine; outgoing mail pending, held and failed; the
    last digest.

    \b
    Exit codes:
      0  healthy
      1  unhealthy: a part of an instance that did not stop cleanly has been silent longer
         than its bound (3 times its own interval and at least 120 s: the listener answers
         every 5 s, the processor and sender every processing.poll_seconds, the poller every
         imap.poll_seconds or 60 s, the scheduler every scheduler.tick_seconds), or outgoing
         mail written within --failed-within failed
      3  invalid configuration
      4  the database does not exist, cannot be reached or is not migrated
    With no `mailbot run` running at all the status is healthy; the parts of an instance that
    stopped cleanly are shown as stopped.
    """
    config = context.config()
    database, engine = open_database(config.storage.url, database_timeouts(config.storage))
    if engine is None:
        error = str(database["error"])
        if as_json:
            unready = Status(database, problems=[error]).as_dict()
            click.echo(json.dumps(unready, ensure_ascii=False, indent=2))
            sys.exit(DATABASE)
        fail(error, DATABASE)
    try:
        with UnitOfWork(engine) as uow:
            report = service_status(
                uow,
                database,
                now=SystemClock().now(),
                failed_within=timedelta(hours=failed_hours) if failed_hours else None,
            )
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print(report)
    if not report.healthy:
        sys.exit(FAILED)


def _print(report: Status) -> None:
    database = report.database
    where = database["path"] or database["url"]
    click.echo(f"database: {where}, schema {database['schema']} (up to date)")
    if not report.instances:
        click.echo("service: no `mailbot run` has recorded heartbeats")
    for instance in report.instances:
        state = f"stopped {instance['stopped_at']}" if instance["stopped_at"] else "running"
        click.echo(
            f"service: mailbot run on {instance['instance']}, started {instance['started_at']}, "
            f"{state}"
        )
        for part in instance["parts"]:  # type: ignore[attr-defined]
            worked = f"; {part['worked']} {part['worked_at']}" if part["worked_at"] else ""
            detail = f"; {part['detail']}" if part["detail"] else ""
            click.echo(
                f"  {part['name']:<10} {part['state']:<7} seen {part['silent_seconds']} s ago "
                f"(bound {part['stale_after_seconds']} s){worked}{detail}"
            )
    inbox, outbox = report.inbox, report.outbox
    click.echo(f"inbox: {inbox['waiting']} waiting, {inbox['quarantined']} in quarantine")
    click.echo(
        f"outbox: {outbox['pending']} pending, {outbox['held']} held, {outbox['failed']} failed"
        f" ({outbox['failed_recently']} recently)"
    )
    digest = report.last_digest
    if digest is None:
        click.echo("last digest: none written")
    else:
        sent = f"sent {digest['sent_at']}" if digest["sent_at"] else str(digest["status"])
        click.echo(f"last digest: written {digest['written_at']}, {sent}")
    click.echo("status: healthy" if report.healthy else "status: unhealthy")
    for problem in report.problems:
        click.echo(f"  problem: {problem}")
