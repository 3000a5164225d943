"""`mailbot config`: check a configuration without starting anything, and show the settings
in effect with where each came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mailbot.commands.common import BAD_CONFIG, Context, emit, fail, json_option, pass_context
from mailbot.config import ConfigError
from mailbot.config.loading import LoadedConfig, read_config
from mailbot.config.view import settings_rows
from mailbot.ingress.imap_connection import client_tls_context
from mailbot.ingress.smtp_server import server_tls_context


@click.group()
def config() -> None:
    """The configuration: check it, or show the settings in effect."""


@config.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@pass_context
def config_check(context: Context, file: Path | None) -> None:
    """Check FILE (else --config, $MAILBOT_CONFIG or the embedded default) with the
    environment's MAILBOT_* variables over it, and the files it names, starting nothing.

    Prints "config OK: PATH", or each problem naming its key, and exits 3.
    """
    try:
        loaded = read_config(file) if file is not None else context.loaded()
    except ConfigError as error:
        fail(str(error), BAD_CONFIG)
    problems = _unusable_files(loaded)
    if problems:
        fail("invalid configuration:\n  " + "\n  ".join(problems), BAD_CONFIG)
    click.echo(f"config OK: {loaded.name}")


@config.command("show")
@json_option
@pass_context
def config_show(context: Context, as_json: bool) -> None:
    """Print every setting in effect, with its source: default, the file, or the variable
    that set it. Passwords, secrets and AUTH users' passwords are masked."""
    rows = settings_rows(context.loaded())
    if not as_json:
        for row in rows:
            value = row["value"]
            row["value"] = value if isinstance(value, str) else json.dumps(value)
    emit(rows, as_json, ["key", "value", "source"])


def _unusable_files(loaded: LoadedConfig) -> list[str]:
    """A problem for each certificate, key, CA bundle or template folder that cannot be used."""
    config = loaded.config
    problems = []
    smtp = config.smtp_ingress
    if smtp.tls_cert_file:
        try:
            server_tls_context(smtp.tls_cert_file, smtp.tls_key_file)
        except ConfigError as error:
            problems.append(str(error))
    try:
        client_tls_context(config.imap)
    except ConfigError as error:
        problems.append(str(error))
    folder = config.templates.folder
    if folder is not None and not folder.is_dir():
        problems.append(f"templates.folder ({loaded.source(('templates', 'folder'))}): "
                        f"no folder {folder}")  # fmt: skip
    return problems
