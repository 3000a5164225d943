"""`jobs run-due` (what the scheduler would run at a moment) and `digest send`."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from mailbot.commands.common import USAGE, Context, fail, json_option, pass_context
from mailbot.commands.dates import parse_moment
from mailbot.services.schedule.digest import build_digest, digest_since, queue_digest


@click.group()
def jobs() -> None:
    """The scheduler's jobs."""


# How far ahead of the clock --now may be before it counts as travelling in time.
FUTURE_SLACK = timedelta(minutes=1)


@jobs.command("run-due")
@click.option(
    "--now",
    "at",
    metavar="ISO-8601",
    help="Run as if it were this moment, e.g. 2026-11-23T10:00:00+02:00 [default: now].",
)
@click.option("--dry-run", is_flag=True, help="Say what would be done and mailed; change nothing.")
@click.option("--yes", is_flag=True, help="Really run at a --now in the future (see above).")
@json_option
@pass_context
def jobs_run_due(context: Context, at: str | None, dry_run: bool, yes: bool,
                 as_json: bool) -> None:  # fmt: skip
    """Run exactly what the scheduler would run at that moment, and say what it did. The mail
    it queues goes out with `mailbot run`'s sender.

    This acts on the real data: with --now in the future, quotes expire, reminders and
    escalations are queued and the day's digest is recorded as of that moment, and none of it
    can be undone. Such a run is refused unless --yes is given; --dry-run runs the same jobs
    in a transaction that is rolled back, printing what would be done and mailed."""
    app = context.app()
    zone = app.config.scheduler.timezone
    now = parse_moment(at, zone, "--now") if at else app.clock.now()
    if dry_run:
        with app.rehearsal() as trial:
            rehearsal = app.jobs.rehearse(trial, now)
        _print(rehearsal.as_dict() if as_json else rehearsal.lines(), as_json)
        return
    if now > app.clock.now() + FUTURE_SLACK and not yes:
        fail(
            f"--now {now.isoformat()} is in the future: running would change real data as of "
            "then (quotes expired, mail queued, the digest recorded). See what it would do "
            "with --dry-run, or run it anyway with --yes",
            USAGE,
        )
    report = app.jobs.run_due(now)
    if report.lines() != ["nothing due"]:
        context.acted(f"jobs run as of {now.isoformat()}")
    _print(report.as_dict() if as_json else report.lines(), as_json)


def _print(report: dict[str, object] | list[str], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for line in report:
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
    context.acted(f"digest sent to {queued} manager(s)")
    app.sender.run_once()
    click.echo(f"digest sent to {queued} manager(s)")
