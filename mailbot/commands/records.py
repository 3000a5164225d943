"""Looking after the records: partners and price lists."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from mailbot import read_models as views
from mailbot.commands.common import (
    Context,
    check_currency,
    emit,
    fail,
    failures,
    json_option,
    pass_context,
    read_file,
    terms_options,
    usage_errors,
)
from mailbot.commands.dates import contract_end_option, parse_contract_end
from mailbot.commands.money import account_record, show_partner
from mailbot.commands.pricelists import echo_report
from mailbot.config import PRICE_FIELDS
from mailbot.domain.pricing import normalise_sku
from mailbot.services.partners.contracts import deactivate
from mailbot.services.partners.registry import (
    LANGUAGES,
    PRICE_DISPLAYS,
    ROLES,
    add_partner,
    normalise_address,
    parse_price_list_formats,
)
from mailbot.services.partners.terms import check_timezone, parse_credit_limit
from mailbot.services.pricelists.importing import SupplierFormat, import_price_list
from mailbot.services.pricelists.versions import tell_managers_of_hold
from mailbot.storage.models import Partner


@click.group()
def partners() -> None:
    """Clients, suppliers and managers."""


@partners.command("add")
@click.argument("address")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True)
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option("--group", default="", help="Client group, for markups and voucher rules.")
@click.option(
    "--currency",
    callback=check_currency,
    help="ISO 4217 code the partner is quoted in [default: pricing.currency].",
)
@click.option(
    "--price-display",
    type=click.Choice(PRICE_DISPLAYS),
    default="net",
    show_default=True,
    help="Quotes show net totals, or VAT and gross totals too.",
)
@click.option(
    "--price-list-formats",
    default="xlsx",
    show_default=True,
    help="Files a client's price list on request comes as: xlsx, csv or xlsx,csv.",
)
@click.option("--also", "more", multiple=True, help="Another address of the same partner.")
@contract_end_option
@terms_options
@pass_context
def partners_add(context: Context, address: str, role: str, name: str, language: str,
                 group: str, currency: str | None, price_display: str,
                 price_list_formats: str, more: tuple[str, ...], contract_end: str | None,
                 auto_agree: bool | None, credit_limit: str | None,
                 timezone: str | None) -> None:  # fmt: skip
    """Register a partner under ADDRESS."""
    app = context.app()
    with usage_errors():
        limit = parse_credit_limit(credit_limit or "")
        zone = check_timezone(timezone or "")
        parse_price_list_formats(price_list_formats)
    with failures():
        partner_id = add_partner(
            app.uow,
            name=name,
            role=role,
            addresses=[address, *more],
            language=language,
            group=group,
            currency=currency or app.config.pricing.currency,
            now=app.clock.now(),
            price_display=price_display,
            price_list_formats=price_list_formats,
            contract_ends_at=parse_contract_end(contract_end, app.config.scheduler.timezone),
            auto_agree=bool(auto_agree),
            credit_limit=limit,
            timezone=zone,
            by=context.actor,
        )
    context.acted(f"partner {partner_id} added: {name} <{address}> as {role}")
    click.echo(f"partner {partner_id} added: {name} <{address}> as {role}")


@partners.command("list")
@click.option("--role", type=click.Choice(ROLES))
@json_option
@pass_context
def partners_list(context: Context, role: str | None, as_json: bool) -> None:
    """List partners."""
    with context.app().uow() as uow:
        rows = [views.partner_row(p) for p in uow.partners.list(role)]
    for row in rows if not as_json else ():
        row["addresses"] = ", ".join(row["addresses"])  # type: ignore[arg-type]
    emit(rows, as_json, ["id", "name", "role", "language", "group", "active", "addresses"])


def _partner(context: Context, address: str) -> Partner:
    with failures(), context.app().uow() as uow:
        partner = uow.partners.by_address(normalise_address(address))
        if partner is None:
            fail(f"no partner has the address {address}")
        partner.addresses  # noqa: B018 - load before the session closes
        return partner


@partners.command("show")
@click.argument("address")
@json_option
@pass_context
def partners_show(context: Context, address: str, as_json: bool) -> None:
    """Show the partner that has ADDRESS; a client with its balance, credit limit and newest
    ledger entries."""
    partner = _partner(context, address)
    row = views.partner_row(partner)
    if partner.role == "client":
        with context.app().uow() as uow:
            row |= account_record(uow, partner)
    if not as_json:
        row["addresses"] = ", ".join(row["addresses"])  # type: ignore[arg-type]
    show_partner(row, as_json)


@partners.command("deactivate")
@click.argument("address")
@pass_context
def partners_deactivate(context: Context, address: str) -> None:
    """Cut off the partner that has ADDRESS now: no more orders or price lists are taken from
    it, its next message gets one notice, and its open orders go to the managers."""
    app = context.app()
    with failures():
        partner = deactivate(app.uow, app.replies, address, now=app.clock.now(), by=context.actor)
    context.acted(f"partner {partner.id} deactivated")
    app.sender.run_once()  # the managers' mail goes now
    click.echo(f"partner {partner.id} deactivated")


@click.group()
def pricelist() -> None:
    """Supplier price lists."""


@pricelist.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--supplier", required=True, help="The supplier's registered address.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help='The supplier\'s own header for a field, e.g. sku="Part No" (repeatable).',
)
@click.option(
    "--currency",
    callback=check_currency,
    help="ISO 4217 code of prices that name none [default: configured].",
)
@click.option(
    "--vat-included/--vat-excluded",
    default=None,
    help="Whether the prices include VAT (then stored net) [default: configured, else no].",
)
@pass_context
def pricelist_import(context: Context, file: Path, supplier: str, columns: tuple[str, ...],
                     currency: str | None, vat_included: bool | None) -> None:  # fmt: skip
    """Import FILE (CSV, XLSX, XLS or ODS) as a new version of the supplier's price list and
    apply it at once, unless it changes too much: then it is held for a manager."""
    app = context.app()
    payload = read_file(file)
    bar = tqdm(unit=" rows", desc=file.name, disable=not sys.stderr.isatty())
    with failures(), app.uow() as uow:
        partner = uow.partners.by_address(normalise_address(supplier))
        if partner is None:
            fail(f"no partner has the address {supplier}")
        form = _format(app.price_lists.format_for(partner), columns, currency, vat_included)
        report = import_price_list(
            uow,
            partner,
            file.name,
            payload,
            default_currency=partner.currency,
            now=app.clock.now(),
            progress=bar.update,
            settings=app.price_lists,
            supplier_format=form,
            by=context.actor,
        )
        if report.held:
            now = app.clock.now()
            tell_managers_of_hold(uow, app.replies, partner, report, received_at=now, now=now)
        uow.commit()
    bar.close()
    held = f", held as version {report.price_list_id}" if report.held else ""
    context.acted(f"price list {file.name} of {supplier} imported{held}")
    if report.held:
        app.sender.run_once()  # the managers' mails go now, as `ingest` sends its replies
    echo_report(report)


def _format(configured: SupplierFormat, columns: tuple[str, ...], currency: str | None,
            vat_included: bool | None) -> SupplierFormat:  # fmt: skip
    """The configured format with the command line's choices laid over it."""
    mapping = dict(configured.columns)
    for column in columns:
        name, equals, header = column.partition("=")
        name = name.strip().lower()
        if not equals or name not in PRICE_FIELDS or not header.strip():
            known = ", ".join(PRICE_FIELDS)
            fail(f"--column wants FIELD=HEADER with a field among {known}, not {column!r}", 2)
        mapping[name] = header.strip().strip('"')
    vat = configured.vat_included if vat_included is None else vat_included
    return SupplierFormat(mapping, currency or configured.currency, vat)


@pricelist.command("show")
@click.argument("sku")
@json_option
@pass_context
def pricelist_show(context: Context, sku: str, as_json: bool) -> None:
    """Show every active supplier offer for SKU (supplier prices, before markup)."""
    with context.app().uow() as uow:
        rows = [
            views.price_item_row(item, supplier.addresses[0].address)
            for item, supplier in uow.prices.active_items(normalise_sku(sku))
        ]
    if not rows:
        fail(f"no active offer for {sku}")
    emit(rows, as_json, ["sku", "name", "brand", "supplier", "price", "currency", "stock"])
