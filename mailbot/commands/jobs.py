"""`jobs run-due` (what the scheduler would run at a moment) and `digest send`."""

from __future__ import annotations

import json

import click

from mailbot.commands.common import Context, json_option, pass_context
from mailbot.commands.dates import parse_moment
from mailbot.services.schedule.digest import build_digest, digest_since, queue_digest


@click.group()
def jobs() -> None:
    """The scheduler's jobs."""


@jobs.command("run-due")
@click.option(
    "--now",
    "at",
    metavar="ISO-8601",
    help="Run as if it were this moment, e.g. 2026-11-23T10:00:00+02:00 [default: now].",
)
@json_option
@pass_context
def jobs_run_due(context: Context, at: str | None, as_json: bool) -> None:
    """Run exactly what the scheduler would run at that moment, and say what it did. The mail
    it queues goes out with `mailbot run`'s sender."""
    app = context.app()
    zone = app.config.scheduler.timezone
    now = parse_moment(at, zone, "--now") if at else app.clock.now()
    report = app.jobs.run_due(now)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    for line in report.lines():
        click.echo(line)


@click.group()
def digest() -> None:
    """The managers' daily digest."""


@digest.command("send")
@click.option("--dry-run", is_flag=True, help="Print the digest's text and send nothing.")
@pass_context
def digest_send(context: Context, dry_run: bool) -> None:
    """Send the digest of everything since the last one to every manager now."""
    app = context.app()
    now = app.clock.now()
    with app.uow() as uow:
        built = build_digest(uow, since=digest_since(uow, now), now=now)
        if dry_run:
            mail = app.replies.renderer.render(
                "digest", "en", {"partner_name": "manager", **built.context()}
            )
            click.echo(mail.text, nl=False)
            click.echo(f"attachment: {built.matrix_name} ({len(built.matrix)} bytes)")
            return
        queued = queue_digest(uow, app.replies, built, now=now)
        uow.commit()
    app.sender.run_once()
    click.echo(f"digest sent to {queued} manager(s)")
