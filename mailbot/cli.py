"""The `mailbot` command line: a group that loads the configuration once, and its commands."""

from __future__ import annotations

from pathlib import Path

import click

from mailbot.commands import outbox_records, price_export  # noqa: F401 - add subcommands
from mailbot.commands.apikeys import apikeys
from mailbot.commands.common import Context
from mailbot.commands.config import config
from mailbot.commands.events import events
from mailbot.commands.jobs import digest, jobs
from mailbot.commands.lifecycle import ORDER_COMMANDS, payments
from mailbot.commands.mail_records import COMMANDS as MAIL_COMMANDS
from mailbot.commands.mailbox import mailbox
from mailbot.commands.money import ledger
from mailbot.commands.order_records import orders
from mailbot.commands.partner_edit import COMMANDS as PARTNER_EDIT_COMMANDS
from mailbot.commands.pricelists import COMMANDS as PRICE_VERSION_COMMANDS
from mailbot.commands.records import partners, pricelist
from mailbot.commands.service import db, ingest, run
from mailbot.commands.status import status
from mailbot.commands.vouchers import vouchers
from mailbot.logs import setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="TOML configuration file [default: $MAILBOT_CONFIG, else the embedded default].",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More log output: -v mailbot's INFO, -vv its DEBUG and the libraries' INFO, -vvv all.",
)
@click.option(
    "--log-json",
    is_flag=True,
    help='Log lines as JSON objects, one a line (as [logging] format = "json").',
)
@click.option(
    "--by",
    metavar="NAME",
    help="Who is acting, recorded with every change a command makes [default: your login].",
)
@click.version_option(package_name="mailbot")
@click.pass_context
def main(
    ctx: click.Context, config_path: Path | None, verbose: int, log_json: bool, by: str | None
) -> None:
    """mailbot: an email-driven order and voucher desk for a B2B distributor.

    Exit codes: 0 done, 1 the action failed, 2 wrong usage, 3 invalid configuration,
    4 the database is not ready (the table "Exit codes" in README.md says what each covers).
    """
    setup_logging(verbose, service=ctx.invoked_subcommand == "run", json_lines=log_json)
    ctx.obj = Context(config_path, verbose, by=by)


for command in (
    run,
    ingest,
    db,
    partners,
    pricelist,
    orders,
    vouchers,
    jobs,
    digest,
    payments,
    ledger,
    config,
    status,
    apikeys,
    events,
    mailbox,
):
    main.add_command(command)
for command in ORDER_COMMANDS:
    orders.add_command(command)
for command in PARTNER_EDIT_COMMANDS:
    partners.add_command(command)
for command in MAIL_COMMANDS:
    main.add_command(command)
for command in PRICE_VERSION_COMMANDS:
    pricelist.add_command(command)
