"""A client's own price list: every SKU it can be quoted, at its final price, as files.

One row per SKU: of the active offers in the client's currency, the one a quote for a single
unit would choose (the preferred available offer, see `PriceRules.preference`). A SKU whose
every offer is out of stock is still listed, at its preferred offer's price and marked out
of stock, so the client sees the whole range. Prices are net unit prices, as in quotes.

Rows are streamed from the database and written as they come, so a list of any length takes
bounded memory; only the finished files of a mail are held as bytes, since the mail is.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import BinaryIO, Final

from mailbot.domain.pricing import Offer, PriceRules, best_offer
from mailbot.outbound.sheets import CsvPriceSheet, PriceSheet, PriceSheetRow, XlsxPriceSheet
from mailbot.services.orders.taking import PricingSettings, price_rules
from mailbot.services.partners.registry import parse_price_list_formats
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork

CONTENT_TYPES: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

# How many rows go between two progress reports.
PROGRESS_EVERY: Final = 1000


@dataclass(frozen=True, slots=True)
class PriceListFile:
    """A finished file: its name, content type and bytes, ready to attach."""

    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class PriceListExport:
    """A client's price list in each format it asked for."""

    items: int
    files: tuple[PriceListFile, ...]


def file_name(fmt: str, now: datetime) -> str:
    """The file name of a price list made at `now`: "prices-2026-11-22.xlsx"."""
    return f"prices-{now.date().isoformat()}.{fmt}"


def client_rows(uow: UnitOfWork, client: Partner, rules: PriceRules) -> Iterator[PriceSheetRow]:
    """The client's price list rows, one per SKU, in SKU order, streamed from the database."""
    for _, keyed in groupby(uow.prices.offers_in(client.currency), key=itemgetter(0)):
        offers = [offer for _, offer in keyed]
        chosen = best_offer(offers, 1, rules, client.group) or _preferred(offers, rules, client)
        yield PriceSheetRow(
            sku=chosen.sku,
            name=chosen.name,
            brand=chosen.brand,
            category=chosen.category,
            price=rules.client_price(chosen, client.group),
            stock_state=chosen.stock_state,
            stock=chosen.stock,
        )


def _preferred(offers: Sequence[Offer], rules: PriceRules, client: Partner) -> Offer:
    return min(offers, key=lambda offer: rules.preference(offer, client.group))


def write_price_list(
    uow: UnitOfWork,
    client: Partner,
    pricing: PricingSettings,
    targets: Mapping[str, BinaryIO],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the client's price list into each of `targets` (by format) in one pass over
    the offers; returns the number of rows (SKUs) written."""
    sheets = [_sheet(fmt, target, client) for fmt, target in targets.items()]
    count = 0
    for row in client_rows(uow, client, price_rules(uow, pricing)):
        for sheet in sheets:
            sheet.write(row)
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    for sheet in sheets:
        sheet.close()
    if progress:
        progress(count % PROGRESS_EVERY)
    return count


def _sheet(fmt: str, target: BinaryIO, client: Partner) -> PriceSheet:
    if fmt == "xlsx":
        return XlsxPriceSheet(target, language=client.language, currency=client.currency)
    return CsvPriceSheet(target, language=client.language)


def price_list_files(
    uow: UnitOfWork, client: Partner, pricing: PricingSettings, *, now: datetime
) -> PriceListExport:
    """The client's price list as the files its `price_list_formats` setting names."""
    buffers = {fmt: io.BytesIO() for fmt in parse_price_list_formats(client.price_list_formats)}
    items = write_price_list(uow, client, pricing, buffers)
    files = tuple(
        PriceListFile(file_name(fmt, now), CONTENT_TYPES[fmt], buffer.getvalue())
        for fmt, buffer in buffers.items()
    )
    return PriceListExport(items, files)
