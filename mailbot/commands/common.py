"""What every command shares: the lazily built application, output, and exit codes.

Exit codes (the README's table, which `mailbot --help` points to): 0 done; 1 the action failed
(not found, refused, a file that cannot be read or written, a message quarantined; `status`:
unhealthy); 2 wrong usage (an unknown command or option, a missing argument, a value of the
wrong form); 3 invalid configuration (`run`: also a part that cannot start); 4 the database is
not ready.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import click
from sqlalchemy.exc import DBAPIError

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, ConfigError
from mailbot.config.loading import LoadedConfig, read_config
from mailbot.domain.actors import Actor
from mailbot.domain.money import CurrencyError, iso_currency
from mailbot.errors import MailbotError
from mailbot.logs import use_json
from mailbot.storage.database import SchemaOutOfDateError, require_up_to_date, upgrade
from mailbot.storage.urls import shown_url, sqlite_file

FAILED, USAGE, BAD_CONFIG, DATABASE = 1, 2, 3, 4
cli_log = logging.getLogger("mailbot.cli")

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def terms_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """A partner's terms as options: `partners add` and `partners set` share them."""
    options = (
        click.option(
            "--auto-agree/--no-auto-agree",
            default=None,
            help="Agree the client's quotes at once, without waiting for its AGREE.",
        ),
        click.option(
            "--credit-limit",
            metavar="AMOUNT",
            help='Most the client may owe, in its currency; orders above are held ("" for none).',
        ),
        click.option("--timezone", help="IANA time zone the partner reads times in."),
    )
    for option in reversed(options):
        command = option(command)
    return command


def login_name() -> str:
    """The login of the user running mailbot, or "unknown" where the system cannot tell."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor in the password file
        return "unknown"


def fail(message: str, code: int = FAILED) -> NoReturn:
    click.echo(f"mailbot: {message}", err=True)
    sys.exit(code)


def read_file(path: Path) -> bytes:
    """The bytes of a file named on the command line; a file that cannot be read is a failed
    action (exit 1), as in every command, not a usage error."""
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")


@contextmanager
def output_file(path: Path) -> Iterator[BinaryIO]:
    """A file written whole or not at all: the block writes PATH.partial, which becomes PATH
    when the block ends without error. A file that cannot be written is a failed action
    (exit 1), as one that cannot be read."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as target:
            yield target
        partial.replace(path)
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}")
    finally:
        partial.unlink(missing_ok=True)


def emit(rows: Sequence[Mapping[str, object]], as_json: bool, columns: Sequence[str]) -> None:
    """Print rows as a JSON array, or as an aligned table of `columns` for people."""
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    table = [["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in table)]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def emit_one(record: Mapping[str, object], as_json: bool) -> None:
    """Print one record as a JSON object, or as `key: value` lines."""
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        return
    for key, value in record.items():
        if not isinstance(value, list):
            click.echo(f"{key}: {'' if value is None else value}")


class Context:
    """Built by the main group; loads the configuration and the database on first use, and
    knows who is acting (`--by NAME`, else the login of the user running the command)."""

    def __init__(
        self, config_path: Path | None, verbose: int = 0, *, by: str | None = None
    ) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self.actor = Actor((by or "").strip() or login_name())
        self._loaded: LoadedConfig | None = None
        self._app: App | None = None

    def acted(self, what: str) -> None:
        """Log one line for a change this command made: "order X cancelled by alice (command
        line)"."""
        cli_log.info("%s by %s", what, self.actor.label)

    def loaded(self) -> LoadedConfig:
        """The configuration and where it came from; with -v, which file and database."""
        if self._loaded is None:
            try:
                self._loaded = read_config(self.config_path)
            except ConfigError as error:
                fail(str(error), BAD_CONFIG)
            if self._loaded.config.logging.format == "json":
                use_json()
            if self.verbose:
                loaded = self._loaded
                data = "" if loaded.file else f" (relative paths from {loaded.base})"
                click.echo(f"mailbot: config: {loaded.name}{data}", err=True)
                click.echo(f"mailbot: database: {shown_url(loaded.config.storage.url)}", err=True)
        return self._loaded

    def config(self) -> Config:
        return self.loaded().config

    def app(self, *, create: bool = False) -> App:
        """The application. With `create` (run, ingest) an SQLite database is made or brought
        up to date; any other command refuses a database that is missing or not migrated,
        naming it (exit 4), and creates no file."""
        if self._app is None:
            config = self.config()
            file = sqlite_file(config.storage.url)
            if file is not None and not create and not file.exists():
                fail(
                    f"no database at {file}: `mailbot db upgrade` creates it (or --config, "
                    "$MAILBOT_CONFIG or MAILBOT_STORAGE__URL names the one to use)",
                    DATABASE,
                )
            try:
                app = bootstrap(config)
                if create and app.engine.dialect.name == "sqlite":
                    upgrade(app.engine)
                else:
                    require_up_to_date(app.engine)
            except SchemaOutOfDateError as error:
                fail(str(error), DATABASE)
            except (DBAPIError, OSError) as error:
                fail(database_failure(config.storage.url, error), DATABASE)
            self._app = app
        return self._app


def check_currency(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A --currency option's ISO 4217 code, upper-cased; anything else is a usage error (2).
    The rule is `iso_currency`, the one the configuration and voucher terms use."""
    if value is None:
        return None
    try:
        return iso_currency(value)
    except CurrencyError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def database_failure(url: str, error: Exception) -> str:
    """One line saying which database (password masked) cannot be used, and why."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(cause, OSError) and cause.strerror:
        why = f"{cause.strerror}: {cause.filename}" if cause.filename else cause.strerror
    else:
        why = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return f"cannot use the database {shown_url(url)} (storage.url): {why}"


pass_context = click.make_pass_decorator(Context)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Turn mailbot's errors about a value given on the command line (not a number, out of
    range, not one of the words it takes) into wrong usage: a one-line message and exit 2."""
    try:
        yield
    except MailbotError as error:
        fail(str(error), USAGE)


@contextmanager
def failures() -> Iterator[None]:
    """Turn mailbot's own errors into a one-line message and exit code 1."""
    try:
        yield
    except MailbotError as error:
        fail(str(error))
