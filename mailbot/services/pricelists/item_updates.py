"""Prices and stock of some of a supplier's SKUs changed without a whole list (the ERP's
`erp.supplier_items`): a new version of the supplier's list, derived from the active one with
those items changed, applied at once. The history and diffs of price lists show it as any
other version, so nothing is changed in place and every earlier price can be found again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.domain.price_changes import PriceListStatus
from mailbot.services.pricelists.importing import activate
from mailbot.storage.models import Partner, PriceList
from mailbot.storage.unit_of_work import UnitOfWork


class Keep(Enum):
    """A stock left as it is (None is a stock: "not counted")."""

    STOCK = "unchanged"


@dataclass(frozen=True, slots=True)
class ItemUpdate:
    """One SKU's new price (None: unchanged) and stock (a count, None for not counted, or
    Keep.STOCK)."""

    sku: str
    price: Money | None = None
    stock: int | Keep | None = Keep.STOCK


def update_items(
    uow: UnitOfWork,
    supplier: Partner,
    updates: Sequence[ItemUpdate],
    *,
    now: datetime,
    by: str,
) -> PriceList | str:
    """The supplier's active list with `updates` applied, as a new active version (`by`
    names who changed it, in its source and event), in the caller's transaction; or why
    nothing changed: no active list, a SKU not on it, a price in another currency."""
    active = uow.prices.active_for(supplier.id)
    if active is None:
        return f"{supplier.name} has no active price list"
    wanted = {update.sku.strip().upper() for update in updates}
    items = uow.prices.items_of(active.id, wanted)
    missing = sorted({u.sku for u in updates if u.sku.strip().upper() not in items})
    if missing:
        return f"not on {supplier.name}'s active price list: {', '.join(missing[:20])}"
    for update in updates:
        item = items[update.sku.strip().upper()]
        if update.price is not None and update.price.currency != item.currency:
            return f"{item.sku} is priced in {item.currency}, not {update.price.currency}"
    version = PriceList(
        supplier_id=supplier.id,
        source=f"{by}: {len(updates)} item(s) of version {active.id} changed"[:255],
        imported_at=now,
        status=PriceListStatus.IMPORTING,  # not active until `activate` replaces the old one
        rows=active.rows,
        rejected=0,
        decided_at=now,
    )
    uow.prices.add(version)
    uow.versions.copy_items(active.id, version.id)
    copied = uow.prices.items_of(version.id, wanted)
    for update in updates:
        item = copied[update.sku.strip().upper()]
        if update.price is not None:
            item.price = update.price.amount
        if not isinstance(update.stock, Keep):
            stock = update.stock
            item.stock, item.in_stock = stock, None if stock is None else stock > 0
    uow.flush()
    payload = {
        "supplier": supplier.id,
        "price_list": version.id,
        "derived_from": active.id,
        "items": len(updates),
        "by": by,
    }
    uow.events.record(EventType.PRICE_LIST_ITEMS_UPDATED, version.id, payload, now)
    activate(uow, version, now)
    return version
