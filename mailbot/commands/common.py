"""What every command shares: the lazily built application, output, and exit codes.

Exit codes (the README's table, which `mailbot --help` points to): 0 done; 1 the action failed
(not found, refused, a file that cannot be read or written, a message quarantined); 2 wrong
usage (an unknown command or option, a missing argument, a value of the wrong form); 3 invalid
configuration; 4 the database is not ready.
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
from sqlalchemy.exc import OperationalError

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, ConfigError, load_config
from mailbot.domain.actors import Actor
from mailbot.domain.money import CurrencyError, minor_unit
from mailbot.errors import MailbotError
from mailbot.storage.database import SchemaOutOfDateError, require_up_to_date, upgrade

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


def check_currency(text: str, option: str = "--currency") -> str:
    """The ISO 4217 code given with `option`, upper-case; wrong usage (exit 2) otherwise."""
    code = text.strip().upper()
    try:
        minor_unit(code)
    except CurrencyError:
        fail(f"{option}: {text!r} is not an ISO 4217 currency code", USAGE)
    return code


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
    """Built by the main group; loads the configuration and the database on first use, and
    knows who is acting (`--by NAME`, else the login of the user running the command)."""

    def __init__(self, config_path: Path | None, *, by: str | None = None) -> None:
        self.config_path = config_path
        self.actor = Actor((by or "").strip() or login_name())
        self._app: App | None = None

    def acted(self, what: str) -> None:
        """Log one line for a change this command made: "order X cancelled by alice (command
        line)"."""
        cli_log.info("%s by %s", what, self.actor.label)

    def config(self) -> Config:
        try:
            return load_config(self.config_path)
        except ConfigError as error:
            fail(str(error), BAD_CONFIG)

    def app(self) -> App:
        """The application; an embedded SQLite database is brought up to date on first use."""
        if self._app is None:
            app = bootstrap(self.config())
            try:
                if app.engine.dialect.name == "sqlite":
                    upgrade(app.engine)
                else:
                    require_up_to_date(app.engine)
            except SchemaOutOfDateError as error:
                fail(str(error), DATABASE)
            except OperationalError as error:
                fail(f"cannot use the database: {error.orig}", DATABASE)
            self._app = app
        return self._app


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
