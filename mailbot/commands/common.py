"""What every command shares: the lazily built application, output, and exit codes.

Exit codes: 0 done; 1 the action failed (not found, refused, a message quarantined; `status`:
unhealthy); 2 wrong usage; 3 invalid configuration (`run`: also a part that cannot start);
4 the database is not ready.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, ConfigError, load_config
from mailbot.errors import MailbotError
from mailbot.logs import use_json
from mailbot.storage.database import (
    SchemaOutOfDateError,
    masked,
    require_up_to_date,
    upgrade,
)

FAILED, USAGE, BAD_CONFIG, DATABASE = 1, 2, 3, 4

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


def emit(rows: Sequence[Mapping[str, object]], as_json: bool, columns: Sequence[str]) -> None:
    """Print rows as a JSON array, or as an aligned table of `columns` for people."""
    if as_json:
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    table = [["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in table)]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
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
    """Built by the main group; loads the configuration and the database on first use."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self._app: App | None = None

    def config(self) -> Config:
        try:
            config = load_config(self.config_path)
        except ConfigError as error:
            fail(str(error), BAD_CONFIG)
        if config.logging.format == "json":
            use_json()
        return config

    def app(self) -> App:
        """The application; an embedded SQLite database is brought up to date on first use."""
        if self._app is None:
            config = self.config()
            try:
                app = bootstrap(config)
                if app.engine.dialect.name == "sqlite":
                    upgrade(app.engine)
                else:
                    require_up_to_date(app.engine)
            except SchemaOutOfDateError as error:
                fail(str(error), DATABASE)
            except (OperationalError, OSError) as error:
                fail(database_failure(config.storage.url, error), DATABASE)
            self._app = app
        return self._app


def database_failure(url: str, error: Exception) -> str:
    """One line saying which database (password masked) cannot be used, and why."""
    cause = error.orig if isinstance(error, OperationalError) else error
    if isinstance(cause, OSError) and cause.strerror:
        why = f"{cause.strerror}: {cause.filename}" if cause.filename else cause.strerror
    else:
        why = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return f"cannot use the database {masked(url)} (storage.url): {why}"


pass_context = click.make_pass_decorator(Context)


@contextmanager
def failures() -> Iterator[None]:
    """Turn mailbot's own errors into a one-line message and exit code 1."""
    try:
        yield
    except MailbotError as error:
        fail(str(error))
