"""Moments given on the command line: a date (midnight, local) or an ISO 8601 time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import click

from mailbot.commands.common import USAGE, fail

contract_end_option = click.option(
    "--contract-end",
    metavar="DATE",
    help="When the contract ends: a date (cut off at its start, local time), an ISO 8601 "
    "time, or 'none'.",
)


def parse_moment(text: str, zone: str, option: str) -> datetime:
    """`text` as an aware UTC moment: a date is its midnight in `zone`, a time without an
    offset is in `zone` too; exits with a usage error naming `option` otherwise."""
    try:
        if len(text.strip()) == 10:
            moment = datetime.combine(date.fromisoformat(text.strip()), time(0))
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option}: {text!r} is not a date (2026-12-31) or an ISO 8601 time", USAGE)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def parse_contract_end(text: str | None, zone: str) -> datetime | None:
    """The contract end given with --contract-end; None when not given or 'none'."""
    if text is None or text.strip().lower() == "none":
        return None
    return parse_moment(text, zone, "--contract-end")
