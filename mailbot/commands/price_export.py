"""`mailbot pricelist export`: a client's own price list, the file a PRICES mail gets."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from mailbot.commands.common import Context, fail, failures, output_file, pass_context
from mailbot.commands.records import pricelist
from mailbot.services.partners.registry import (
    PRICE_LIST_FORMATS,
    normalise_address,
    parse_price_list_formats,
)
from mailbot.services.pricelists.export import file_name, write_price_list


@pricelist.command("export")
@click.option("--client", "address", required=True, help="The client's registered address.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(PRICE_LIST_FORMATS),
    help="File format [default: the first of the client's price list formats].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Where to write [default: prices-DATE.FORMAT in the current directory].",
)
@pass_context
def pricelist_export(context: Context, address: str, fmt: str | None, output: Path | None) -> None:
    """Write the client's price list: its final prices, stock and brand, one row per SKU."""
    app = context.app()
    with failures(), app.uow() as uow:
        client = uow.partners.by_address(normalise_address(address))
        if client is None:
            fail(f"no partner has the address {address}")
        if client.role != "client":
            fail(f"{address} is a {client.role}, not a client")
        fmt = fmt or parse_price_list_formats(client.price_list_formats)[0]
        target = output or Path(file_name(fmt, app.clock.now()))
        bar = tqdm(unit=" rows", desc=target.name, disable=not sys.stderr.isatty())
        with output_file(target) as file:
            items = write_price_list(
                uow, client, app.rules.pricing, {fmt: file}, progress=bar.update
            )
        bar.close()
    click.echo(f"{target}: {items} items for {client.name}")
