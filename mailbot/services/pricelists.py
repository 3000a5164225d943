"""Importing a supplier's price list: stream the rows, store a new version, activate it at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mailbot.domain.lines import RejectedLine
from mailbot.domain.pricing import normalise_sku
from mailbot.errors import MailbotError
from mailbot.parsers.price_list import PriceRow, price_rows
from mailbot.parsers.tables import TableLimits, read_rows
from mailbot.storage.models import Partner, PriceList
from mailbot.storage.unit_of_work import UnitOfWork

BATCH = 2000


class PriceListError(MailbotError):
    """A price list cannot be imported at all; `rejected` are its rows, each with its reason."""

    def __init__(self, message: str, rejected: Sequence[RejectedLine] = ()) -> None:
        super().__init__(message)
        self.rejected = tuple(rejected)


@dataclass(frozen=True, slots=True)
class ImportReport:
    price_list_id: int
    source: str
    imported: int
    rejected: tuple[RejectedLine, ...] = field(default=())


def import_price_list(
    uow: UnitOfWork,
    supplier: Partner,
    filename: str,
    payload: bytes,
    *,
    limits: TableLimits,
    default_currency: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Replace `supplier`'s active list with the rows of `filename`, in the caller's transaction.

    Orders priced meanwhile see the whole old list or, after commit, the whole new one.
    Raises UnreadableTable when the file cannot be read at all, and PriceListError when it
    has no row that could be imported (the old list then stays active).
    """
    if supplier.role != "supplier":
        raise PriceListError(f"{supplier.name} is a {supplier.role}, not a supplier")
    price_list = PriceList(supplier_id=supplier.id, source=filename[:255], imported_at=now)
    uow.session.add(price_list)
    uow.session.flush()
    rejected: list[RejectedLine] = []
    batch: list[dict[str, object]] = []
    imported = 0
    rows = read_rows(filename, payload, limits)
    for outcome in price_rows(rows, filename, default_currency=default_currency):
        if isinstance(outcome, PriceRow):
            batch.append(_item(price_list.id, outcome))
            imported += 1
        else:
            rejected.append(outcome)
        if len(batch) >= BATCH:
            uow.prices.add_items(batch)
            if progress:
                progress(len(batch))
            batch.clear()
    uow.prices.add_items(batch)
    if progress:
        progress(len(batch))
    if imported == 0:
        raise PriceListError(
            f"{filename}: no row could be imported ({len(rejected)} rejected)", rejected
        )
    price_list.rows = imported
    price_list.rejected = len(rejected)
    uow.prices.activate(price_list)
    uow.events.record(
        "PriceListImported",
        {"supplier": supplier.id, "price_list": price_list.id, "rows": imported},
        now,
    )
    return ImportReport(price_list.id, filename, imported, tuple(rejected))


def _item(price_list_id: int, row: PriceRow) -> dict[str, object]:
    return {
        "price_list_id": price_list_id,
        "sku": row.sku[:100],
        "sku_key": normalise_sku(row.sku)[:100],
        "name": row.name[:500],
        "brand": row.brand[:100],
        "category": row.category[:100],
        "price": row.price,
        "currency": row.currency,
        "stock": row.stock,
        "in_stock": row.in_stock,
        "delivery_days": row.delivery_days,
    }
