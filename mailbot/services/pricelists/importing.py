"""Importing a supplier's price list: stream the rows, store a new version, then apply it at
once, or hold it for a manager when it changes too much."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.lines import RejectedLine
from mailbot.domain.money import minor_unit
from mailbot.domain.price_changes import (
    UNVERIFIED,
    HoldPolicy,
    HoldReason,
    PriceChanges,
    PriceListStatus,
    hold_reasons,
)
from mailbot.domain.pricing import normalise_sku
from mailbot.errors import MailbotError
from mailbot.parsers.pricelists import PriceRow, price_rows
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
class SupplierFormat:
    """How one supplier writes its lists: its own headers (field name to header text), the
    currency of prices that name none ("" : the supplier's), and whether prices include VAT."""

    columns: Mapping[str, str] = field(default_factory=dict)
    currency: str = ""
    vat_included: bool = False


@dataclass(frozen=True, slots=True)
class PriceListSettings:
    """The configured rules for imports; `suppliers` by lower-case address."""

    hold: HoldPolicy = field(default_factory=HoldPolicy)
    vat_percent: Decimal = Decimal(21)
    largest: int = 10
    removed_shown: int = 20
    suppliers: Mapping[str, SupplierFormat] = field(default_factory=dict)
    limits: TableLimits = field(default_factory=TableLimits)

    def format_for(self, supplier: Partner) -> SupplierFormat:
        """The format configured for any of the supplier's addresses, else the default."""
        for address in supplier.addresses:
            found = self.suppliers.get(address.address.lower())
            if found is not None:
                return found
        return SupplierFormat()


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did. `changes` is None for a supplier's first list; `held` says why
    the version waits for a manager (empty: it was applied)."""

    price_list_id: int
    source: str
    imported: int
    rejected: tuple[RejectedLine, ...] = field(default=())
    changes: PriceChanges | None = None
    held: tuple[HoldReason, ...] = ()


def import_price_list(
    uow: UnitOfWork,
    supplier: Partner,
    filename: str,
    payload: bytes,
    *,
    default_currency: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    settings: PriceListSettings | None = None,
    supplier_format: SupplierFormat | None = None,
    by: Actor | None = None,
    unverified: bool = False,
) -> ImportReport:
    """Store the rows of `filename` as a new version of `supplier`'s list, in the caller's
    transaction, and compare it with the active one: if `settings.hold` allows, it replaces
    the active one in one step, else it is stored as held and the active one stays.

    Orders priced meanwhile see the whole old list or, after commit, the whole new one.
    `supplier_format` (else the configured one) names the supplier's own headers, currency
    and whether its prices include VAT; `by` names who imported it from the command line.
    `unverified`: it came by mail that did not prove its sender, and is held whatever it changes.
    Raises UnreadableTable when the file cannot be read
    at all, and PriceListError when it has no row that could be imported.
    """
    if supplier.role != "supplier":
        raise PriceListError(f"{supplier.name} is a {supplier.role}, not a supplier")
    settings = settings or PriceListSettings()
    form = supplier_format or settings.format_for(supplier)
    # Not "active" until compared, so the supplier's active version is still the old one.
    price_list = PriceList(
        supplier_id=supplier.id,
        source=filename[:255],
        imported_at=now,
        status=PriceListStatus.IMPORTING,
    )
    uow.prices.add(price_list)
    rejected: list[RejectedLine] = []
    batch: list[dict[str, object]] = []
    imported = 0
    vat = settings.vat_percent if form.vat_included else None
    rows = read_rows(filename, payload, settings.limits)
    outcomes = price_rows(
        rows, filename, default_currency=form.currency or default_currency, custom=form.columns
    )
    for outcome in outcomes:
        if isinstance(outcome, PriceRow):
            batch.append(_item(price_list.id, outcome, vat))
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
    uow.flush()
    previous = uow.prices.active_for(supplier.id)
    changes = None
    if previous is not None:
        changes = uow.versions.compare(
            previous,
            price_list,
            factor=settings.hold.max_price_factor,
            largest=settings.largest,
            removed_shown=settings.removed_shown,
        )
    held = ((UNVERIFIED,) if unverified else ()) + hold_reasons(changes, settings.hold)
    payload_event = signed(
        {"supplier": supplier.id, "price_list": price_list.id, "rows": imported}, by
    )
    uow.events.record(EventType.PRICE_LIST_IMPORTED, price_list.id, payload_event, now)
    about: dict[str, object] = {"supplier": supplier.id, "price_list": price_list.id}
    if held:
        price_list.status = PriceListStatus.HELD
        price_list.held_reason = "; ".join(reason.describe() for reason in held)
        uow.flush()
        reasons = [reason.kind.value for reason in held]
        uow.events.record(
            EventType.PRICE_LIST_HELD, price_list.id, {**about, "reasons": reasons}, now
        )
    else:
        activate(uow, price_list, now)
    return ImportReport(price_list.id, filename, imported, tuple(rejected), changes, held)


def activate(uow: UnitOfWork, price_list: PriceList, now: datetime) -> None:
    """Make `price_list` its supplier's active list, and say so to the ERP."""
    uow.prices.activate(price_list)
    payload = {"supplier": price_list.supplier_id, "price_list": price_list.id}
    uow.events.record(EventType.PRICE_LIST_ACTIVATED, price_list.id, payload, now)


def net_price(price: Decimal, currency: str, vat_percent: Decimal) -> Decimal:
    """A VAT-inclusive price without the VAT, rounded half-up to the currency's minor unit."""
    net = price * 100 / (100 + vat_percent)
    return net.quantize(minor_unit(currency), ROUND_HALF_UP)


def _item(price_list_id: int, row: PriceRow, vat_percent: Decimal | None) -> dict[str, object]:
    price = row.price if vat_percent is None else net_price(row.price, row.currency, vat_percent)
    return {
        "price_list_id": price_list_id,
        "sku": row.sku[:100],
        "sku_key": normalise_sku(row.sku)[:100],
        "name": row.name[:500],
        "brand": row.brand[:100],
        "category": row.category[:100],
        "price": price,
        "currency": row.currency,
        "stock": row.stock,
        "in_stock": row.in_stock,
        "delivery_days": row.delivery_days,
    }
