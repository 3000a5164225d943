"""`mailbot vouchers`: define campaigns, issue codes, and see or export how they are used."""

from __future__ import annotations

import json
import secrets
import sys
from contextlib import ExitStack
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from mailbot.commands.common import (
    USAGE,
    Context,
    check_currency,
    emit,
    emit_one,
    fail,
    failures,
    json_option,
    output_file,
    pass_context,
    read_file,
)
from mailbot.domain.money import Money
from mailbot.outbound.sheets import write_text_table
from mailbot.services.vouchers.campaigns import (
    EXPORT_HEADERS,
    KINDS,
    Limits,
    campaign_rows,
    create_campaign,
    describe,
    export_rows,
    generate_codes,
    simple_terms,
)

LIST_COLUMNS = ("name", "kind", "codes", "limit", "redeemed", "reserved", "left", "budget_left")


@click.group()
def vouchers() -> None:
    """Voucher campaigns and their codes."""


def _decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        fail(f"{option}: {value!r} is not a number", USAGE)


def _money(value: str | None, option: str, currency: str) -> Money | None:
    amount = _decimal(value, option)
    return None if amount is None else Money(amount, currency)


def _terms(file: Path | None, percent: str | None, amount: str | None, free_shipping: bool,
           max_discount: str | None, exclusive: bool, currency: str) -> dict[str, Any]:  # fmt: skip
    """The terms from --terms FILE, or built from the simple options."""
    if file is None:
        return simple_terms(
            percent=_decimal(percent, "--percent"),
            amount=_money(amount, "--amount", currency),
            free_shipping=free_shipping,
            max_discount=_money(max_discount, "--max-discount", currency),
            exclusive=exclusive,
        )
    if percent or amount or free_shipping or max_discount:
        fail("--terms FILE holds the benefit; leave out --percent, --amount and the rest", USAGE)
    try:
        # Numbers are read exactly as written (200.5 is 200.5, never a binary float near it).
        terms = _exact(json.loads(read_file(file).decode("utf-8"), parse_float=Decimal))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        fail(f"--terms: cannot read {file}: {error}")
    if not isinstance(terms, dict):
        fail(f"--terms: {file} must hold a JSON object")
    if exclusive:
        terms["exclusive"] = True
    return terms


def _exact(value: Any) -> Any:
    """`value` with every decimal number (a JSON number with a point or exponent) as its text,
    the form the terms keep amounts in; whole numbers stay numbers."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


@vouchers.command("create")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--code", help="The code of a promotional campaign, e.g. WINTER25.")
@click.option("--prefix", help="Three letters that start a serial campaign's codes, e.g. WNT.")
@click.option("--terms", "terms_file", type=click.Path(path_type=Path),
              help="The full terms as JSON, restrictions included.")  # fmt: skip
@click.option("--percent", help="Percent off the order (the qualifying lines).")
@click.option("--amount", help="An amount off, in --currency.")
@click.option("--free-shipping", is_flag=True, help="Free shipping.")
@click.option("--max-discount", help="At most this discount, in --currency (with --percent).")
@click.option(
    "--currency",
    callback=check_currency,
    help="ISO 4217 code of amounts and the budget [default: pricing.currency].",
)
@click.option("--limit", type=click.IntRange(min=1), help="Redemptions in all [default: any].")
@click.option("--per-client", type=click.IntRange(min=1),
              help="Redemptions per client company [default: any].")  # fmt: skip
@click.option("--budget", help="Total discount budget, in --currency [default: none].")
@click.option("--exclusive", is_flag=True, help="Never combined with other codes.")
@pass_context
def vouchers_create(context: Context, name: str, kind: str, code: str | None,
                    prefix: str | None, terms_file: Path | None, percent: str | None,
                    amount: str | None, free_shipping: bool, max_discount: str | None,
                    currency: str | None, limit: int | None, per_client: int | None,
                    budget: str | None, exclusive: bool) -> None:  # fmt: skip
    """Define the campaign NAME: its benefit (or --terms FILE) and its limits."""
    app = context.app()
    money = currency or app.config.pricing.currency
    with failures():
        terms = _terms(terms_file, percent, amount, free_shipping, max_discount, exclusive, money)
        limits = Limits(limit, per_client, _money(budget, "--budget", money))
        campaign_id = create_campaign(app.uow, name=name, kind=kind, terms=terms,
                                      limits=limits, now=app.clock.now(), code=code,
                                      prefix=prefix, by=context.actor)  # fmt: skip
    context.acted(f"voucher campaign {name} created")
    click.echo(f"campaign {campaign_id} created: {name} ({kind})")


@vouchers.command("generate")
@click.argument("campaign")
@click.option("--count", type=click.IntRange(min=1), required=True,
              help="Codes to issue (to each --client).")  # fmt: skip
@click.option("--client", "clients", multiple=True, help="Issue --count codes to this client.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the codes to a .csv or .xlsx file instead of printing them.")  # fmt: skip
@json_option
@pass_context
def vouchers_generate(context: Context, campaign: str, count: int, clients: tuple[str, ...],
                      output: Path | None, as_json: bool) -> None:  # fmt: skip
    """Issue serial codes of CAMPAIGN, unassigned or to named clients (only they can use them).

    Prints the codes, one per line (a client's address after a tab), or a JSON array with
    --json; with --output, writes them (code, client, state) to a CSV or XLSX file, chosen by
    its extension, and prints only how many and where.
    """
    fmt = None if output is None else output.suffix.lower().removeprefix(".")
    if fmt not in (None, "csv", "xlsx"):
        fail(f"--output: {output} must end in .csv or .xlsx", USAGE)
    if output is not None and as_json:
        fail("--output and --json: choose one", USAGE)
    app = context.app()
    bar = tqdm(total=count * max(len(clients), 1), unit=" codes", desc=campaign,
               disable=not sys.stderr.isatty())  # fmt: skip
    with ExitStack() as stack:
        # The file is opened first: an unwritable place is told before any code is issued.
        target = None if output is None else stack.enter_context(output_file(output))
        with failures():
            issued = generate_codes(app.uow, campaign=campaign, count=count, clients=clients,
                                    rng=secrets.SystemRandom(), now=app.clock.now(),
                                    progress=bar.update, by=context.actor)  # fmt: skip
        bar.close()
        context.acted(f"{len(issued)} voucher codes issued for {campaign}")
        if target is not None:
            rows = ((code, client, "free") for code, client in issued)
            write_text_table(target, fmt or "csv", EXPORT_HEADERS, rows)
    if output is not None:
        click.echo(f"{len(issued)} codes issued for {campaign}, written to {output}")
    elif as_json:
        emit([{"code": code, "client": client or None} for code, client in issued], True, ())
    else:
        for code, client in issued:
            click.echo(f"{code}\t{client}" if client else code)
        click.echo(f"{len(issued)} codes issued for {campaign}", err=True)


@vouchers.command("list")
@json_option
@pass_context
def vouchers_list(context: Context, as_json: bool) -> None:
    """List campaigns with their codes and how much of their limits is used, reserved and left."""
    with context.app().uow() as uow:
        rows = campaign_rows(uow)
    emit(rows, as_json, LIST_COLUMNS)


@vouchers.command("show")
@click.argument("campaign_or_code")
@json_option
@pass_context
def vouchers_show(context: Context, campaign_or_code: str, as_json: bool) -> None:
    """Show a campaign (by name) or a code: its terms, limits and newest redemptions."""
    with failures(), context.app().uow() as uow:
        detail = describe(uow, campaign_or_code)
    if as_json:
        emit_one(detail, True)
        return
    plain = {k: v for k, v in detail.items() if k not in ("campaign", "terms")}
    emit_one(plain | detail.get("campaign", {}), False)
    click.echo(f"terms: {json.dumps(detail['terms'], ensure_ascii=False)}")
    if detail["redemptions"]:
        click.echo()
        columns = ["code", "client", "status", "discount", "reserved_at", "hold_until"]
        emit(detail["redemptions"], False, columns)


@vouchers.command("export")
@click.argument("campaign")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@pass_context
def vouchers_export(context: Context, campaign: str, fmt: str, output: Path) -> None:
    """Write CAMPAIGN's codes with their assigned clients and states to a CSV or XLSX file."""
    with output_file(output) as target, failures(), context.app().uow() as uow:
        rows = write_text_table(target, fmt, EXPORT_HEADERS, export_rows(uow, campaign))
    click.echo(f"{rows} codes written to {output}")
