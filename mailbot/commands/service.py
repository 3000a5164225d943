"""Running the service: `run`, `ingest` and `db upgrade`."""

from __future__ import annotations

import logging
import sys

import click
from sqlalchemy.exc import OperationalError

from mailbot.bootstrap import bootstrap
from mailbot.commands.common import (
    BAD_CONFIG,
    DATABASE,
    FAILED,
    Context,
    fail,
    failures,
    pass_context,
)
from mailbot.config import ConfigError
from mailbot.domain.mail import InboundStatus
from mailbot.logs import writes_json
from mailbot.storage.database import upgrade
from mailbot.storage.urls import shown_url


@click.command()
@click.option(
    "--demo",
    is_flag=True,
    help="Add demo partners, a price list and a voucher code to an empty database.",
)
@pass_context
def run(context: Context, demo: bool) -> None:
    """Run the SMTP listener, the IMAP poller, the processor, the sender, the scheduler and
    (with `[http] enabled`) the HTTP API until SIGTERM/Ctrl-C.

    "mailbot running" is printed once every part is up. A part that cannot start (the
    listening address taken or not this machine's, a certificate or key that cannot be read,
    an outbox folder that cannot be written, IMAP settings that cannot work, a mail template
    that does not compile) stops mailbot at once with one line naming the address or key:
    exit code 3; a database that cannot be used: exit code 4.
    """
    from mailbot.demo import seed_demo
    from mailbot.runner import Runner
    from mailbot.startup import StartupError

    app = context.app(create=True)
    seeded = demo and seed_demo(app)
    outgoing = app.config.smtp_outgoing
    where = (
        f"SMTP relay {outgoing.host}:{outgoing.port}" if outgoing.host else f"{outgoing.folder}/"
    )
    imap = app.config.imap
    runner = Runner(app)

    def started() -> None:
        if seeded:
            notice("demo data added (see examples/README.md)")
        if imap.enabled:
            notice(f"reading {imap.username}@{imap.host}:{imap.port}/{imap.folder}")
        if runner.http is not None:
            base = f"http://{app.config.http.host}:{runner.http.port}"
            notice(f"cabinet on {base}/ (sign in by a link mailed to a partner's address)")
            notice(f"HTTP API on {base}/api/v1")
        notice(f"mailbot running; replies go to {where}; Ctrl-C stops")

    with failures():
        try:
            runner.run_until_signal(started)
        except (StartupError, ConfigError) as error:
            fail(str(error), BAD_CONFIG)


def notice(text: str) -> None:
    """A line for the person who started mailbot: on standard error, or as a log line when
    log lines are JSON, so that every line there stays JSON."""
    if writes_json():
        logging.getLogger("mailbot.run").info("%s", text)
    else:
        click.echo(text, err=True)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@pass_context
def ingest(context: Context, files: tuple[str, ...]) -> None:
    """Store and process FILES (.eml, or - for standard input) now, and say what happened.

    A message larger than smtp_ingress.max_message_bytes is not stored, as the listener
    would refuse it. Exits 1 when a file could not be read or was too large, or a message
    ended in quarantine.
    """
    app = context.app(create=True)
    limit = app.config.smtp_ingress.max_message_bytes
    bad = 0
    for name in files:
        try:
            raw = _read_at_most(name, limit + 1)
        except OSError as error:
            click.echo(f"{name}: cannot read: {error.strerror}")
            bad += 1
            continue
        if len(raw) > limit:
            click.echo(
                f"{name}: not stored: larger than smtp_ingress.max_message_bytes ({limit} bytes)"
            )
            bad += 1
            continue
        stored = app.store(raw, "file")
        if stored.duplicate:
            with app.uow() as uow:
                message = uow.inbox.get(stored.id)
                status = message.status if message else "?"
            click.echo(f"{name}: already stored as message {stored.id} ({status})")
            continue
        if not app.processor.claim(stored.id):
            click.echo(f"{name}: stored as message {stored.id}; another worker has it")
            continue
        outcome = app.processor.process_claimed(stored.id)
        bad += outcome.status not in (InboundStatus.PROCESSED, InboundStatus.IGNORED)
        click.echo(f"{name}: message {stored.id} {outcome.status}: {outcome.summary}")
    app.sender.run_once()
    if bad:
        sys.exit(FAILED)


def _read_at_most(name: str, size: int) -> bytes:
    """Up to `size` bytes of file `name` (- for standard input): no more is read of a file
    too large to store."""
    if name == "-":
        return sys.stdin.buffer.read(size)
    with open(name, "rb") as file:
        return file.read(size)


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Apply the Alembic migrations the database does not have yet."""
    app = bootstrap(context.config())
    try:
        upgrade(app.engine)
    except OperationalError as error:
        fail(f"cannot use the database: {error.orig}", DATABASE)
    click.echo(f"database is up to date: {shown_url(app.config.storage.url)}")
