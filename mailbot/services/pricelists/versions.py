"""A manager's side of supplier price lists: held versions released or rejected, managers
told of held lists, the versions of a supplier, two versions compared, and stale lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.domain.price_changes import PriceChange, PriceListStatus
from mailbot.errors import MailbotError
from mailbot.services.outbox.replies import Replies, mail_managers
from mailbot.services.pricelists.importing import ImportReport, activate
from mailbot.storage.models import Partner, PriceList
from mailbot.storage.pricelists import ListedItem, StockChange
from mailbot.storage.unit_of_work import UnitOfWork

Row = dict[str, object]


class VersionError(MailbotError):
    """A price list version does not exist or cannot take that decision."""


def release_price_list(
    uow: Callable[[], UnitOfWork],
    version_id: int,
    *,
    now: datetime,
    by: Actor | None = None,
    reason: str = "",
) -> PriceList:
    """Apply a held version: it becomes the supplier's active list, the old one replaced
    (`by`: the manager who decided, and `reason` why, in the event recorded)."""
    with uow() as unit:
        version = _held(unit, version_id)
        activate(unit, version, now)
        version.decided_at = now
        payload = _decision(version, by, reason)
        unit.events.record(EventType.PRICE_LIST_RELEASED, version.id, payload, now)
        unit.commit()
        return version


def reject_price_list(
    uow: Callable[[], UnitOfWork],
    version_id: int,
    *,
    now: datetime,
    by: Actor | None = None,
    reason: str = "",
) -> PriceList:
    """Refuse a held version for good; the supplier's active list stays as it is (`by`: the
    manager who decided, and `reason` why, in the event recorded)."""
    with uow() as unit:
        version = _held(unit, version_id)
        unit.versions.set_status(version, PriceListStatus.REJECTED, now)
        payload = _decision(version, by, reason)
        unit.events.record(EventType.PRICE_LIST_REJECTED, version.id, payload, now)
        unit.commit()
        return version


def _decision(version: PriceList, by: Actor | None, reason: str) -> dict[str, object]:
    payload: dict[str, object] = {"price_list": version.id, "supplier": version.supplier_id}
    if reason.strip():
        payload["reason"] = reason.strip()
    return signed(payload, by)


def _held(uow: UnitOfWork, version_id: int) -> PriceList:
    version = uow.versions.get(version_id)
    if version is None:
        raise VersionError(f"no price list version {version_id}")
    if version.status != PriceListStatus.HELD:
        raise VersionError(f"price list version {version_id} is {version.status}, not held")
    return version


def tell_managers_of_hold(
    uow: UnitOfWork,
    replies: Replies,
    supplier: Partner,
    report: ImportReport,
    *,
    received_at: datetime,
    now: datetime,
) -> int:
    """Queue one `pricelist_held` mail per active manager, each in its own language;
    returns how many were queued."""
    supplier_address = supplier.addresses[0].address if supplier.addresses else ""
    context = {
        "supplier_name": supplier.name,
        "supplier_address": supplier_address,
        "filename": report.source,
        "version_id": report.price_list_id,
        "imported": report.imported,
        "rejected": report.rejected,
        "changes": report.changes,
        "held": report.held,
        "received_at": received_at,
    }
    return mail_managers(uow, replies, "pricelist_held", context, now=now)


def version_row(version: PriceList) -> Row:
    return {
        "id": version.id,
        "imported_at": version.imported_at.isoformat(),
        "source": version.source,
        "rows": version.rows,
        "rejected": version.rejected,
        "status": version.status,
        "held_reason": version.held_reason,
        "decided_at": version.decided_at.isoformat() if version.decided_at else None,
    }


def history(uow: Callable[[], UnitOfWork], supplier: Partner, limit: int = 100) -> list[Row]:
    """The supplier's versions, newest first."""
    with uow() as unit:
        return [version_row(v) for v in unit.versions.history(supplier.id, limit)]


@dataclass(frozen=True, slots=True)
class VersionDiff:
    old: PriceList
    new: PriceList
    added: list[ListedItem]
    removed: list[ListedItem]
    changed: list[PriceChange]
    restocked: list[StockChange]

    def as_row(self) -> Row:
        return {
            "from": version_row(self.old),
            "to": version_row(self.new),
            "added": [_listed(item) for item in self.added],
            "removed": [_listed(item) for item in self.removed],
            "changed": [_changed(change) for change in self.changed],
            "restocked": [_restocked(change) for change in self.restocked],
        }


def diff(
    uow: Callable[[], UnitOfWork],
    supplier: Partner,
    old_id: int | None = None,
    new_id: int | None = None,
) -> VersionDiff:
    """Two versions of the supplier's list compared (rows added, removed, repriced and
    restocked); by default the active one (`new_id`) against the one applied before it
    (`old_id`)."""
    with uow() as unit:
        if new_id is None:
            new = unit.prices.active_for(supplier.id)
            if new is None:
                raise VersionError(f"{supplier.name} has no active price list")
        else:
            new = _version_of(unit, supplier, new_id)
        if old_id is None:
            old = unit.versions.replaced_before(supplier.id, new.id)
            if old is None:
                raise VersionError(f"no version of {supplier.name}'s list before {new.id}")
        else:
            old = _version_of(unit, supplier, old_id)
        return VersionDiff(
            old,
            new,
            added=unit.versions.only_in(new.id, old.id),
            removed=unit.versions.only_in(old.id, new.id),
            changed=unit.versions.changes(old.id, new.id),
            restocked=unit.versions.stock_changes(old.id, new.id),
        )


def _version_of(uow: UnitOfWork, supplier: Partner, version_id: int) -> PriceList:
    version = uow.versions.get(version_id)
    if version is None or version.supplier_id != supplier.id:
        raise VersionError(f"{supplier.name} has no price list version {version_id}")
    return version


def stale(uow: Callable[[], UnitOfWork], *, now: datetime, days: int) -> list[Row]:
    """Active suppliers whose active list was imported more than `days` days ago, oldest
    first."""
    with uow() as unit:
        found = unit.versions.active_since(now - timedelta(days=days))
        return [
            {
                "supplier": partner.addresses[0].address if partner.addresses else "",
                "name": partner.name,
                "version": version.id,
                "imported_at": version.imported_at.isoformat(),
                "age_days": (now - version.imported_at).days,
                "source": version.source,
            }
            for partner, version in found
        ]


def _money(money: Money) -> str:
    return str(money.rounded().amount)


def _listed(item: ListedItem) -> Row:
    return {
        "sku": item.sku,
        "name": item.name,
        "price": _money(item.price),
        "currency": item.price.currency,
    }


def _changed(change: PriceChange) -> Row:
    percent = change.percent
    return {
        "sku": change.sku,
        "name": change.name,
        "old_price": _money(change.old),
        "old_currency": change.old.currency,
        "new_price": _money(change.new),
        "new_currency": change.new.currency,
        "percent": None if percent is None else str(percent),
    }


def _restocked(change: StockChange) -> Row:
    return {
        "sku": change.sku,
        "name": change.name,
        "old_stock": change.old_stock,
        "old_in_stock": change.old_in_stock,
        "new_stock": change.new_stock,
        "new_in_stock": change.new_in_stock,
    }


def report_stale_lists(
    uow: Callable[[], UnitOfWork], replies: Replies, *, now: datetime, days: int
) -> int:
    """Mail every active manager, in their language, the suppliers whose active list is older
    than `days` days; returns how many mails were queued (none when no list is stale)."""
    with uow() as unit:
        queued = queue_stale_report(unit, replies, now=now, days=days)
        unit.commit()
        return queued


def queue_stale_report(uow: UnitOfWork, replies: Replies, *, now: datetime, days: int) -> int:
    """`report_stale_lists` in the caller's transaction (the scheduler's daily job)."""
    found = uow.versions.active_since(now - timedelta(days=days))
    if not found:
        return 0
    suppliers = [
        {
            "name": partner.name,
            "address": partner.addresses[0].address if partner.addresses else "",
            "imported_at": version.imported_at,
            "age_days": (now - version.imported_at).days,
            "source": version.source,
        }
        for partner, version in found
    ]
    context = {"suppliers": suppliers, "days": days}
    queued = mail_managers(uow, replies, "pricelist_stale", context, now=now)
    payload = {"suppliers": [partner.id for partner, _ in found], "days": days}
    uow.events.record(EventType.DESK_STALE_PRICE_LISTS, "stale_price_lists", payload, now)
    return queued
