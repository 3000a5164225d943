"""Versions of supplier price lists: their history, and two versions compared in the database.

Comparisons are joins of the two versions' items on the normalised SKU, aggregated or
limited in SQL, so a 100,000-row list is never loaded as objects. On SQLite amounts are
stored as text, so they are compared as floats there (exact enough to order and count);
the figures shown come from the stored Decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Float, and_, case, cast, exists, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from mailbot.domain.money import Money
from mailbot.domain.price_changes import PriceChange, PriceChanges, PriceListStatus
from mailbot.storage.models import Partner, PriceItem, PriceList
from mailbot.storage.offers import forget_active_lists


@dataclass(frozen=True, slots=True)
class ListedItem:
    """A row of one version, for the rows one version has and the other lacks."""

    sku: str
    name: str
    price: Money


@dataclass(frozen=True, slots=True)
class StockChange:
    """A row whose stock differs between two versions: a count, or without one whether the
    supplier said it is available (None: not said)."""

    sku: str
    name: str
    old_stock: int | None
    old_in_stock: bool | None
    new_stock: int | None
    new_in_stock: bool | None


# The columns of an item that a version derived from another copies.
_COPIED = ("sku", "sku_key", "name", "brand", "category", "price", "currency", "stock",
           "in_stock", "delivery_days")  # fmt: skip


class PriceVersions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, version_id: int) -> PriceList | None:
        return self.session.get(PriceList, version_id)

    def history(self, supplier_id: int, limit: int = 100) -> Sequence[PriceList]:
        """The supplier's versions, newest first."""
        query = (
            select(PriceList)
            .where(PriceList.supplier_id == supplier_id)
            .order_by(PriceList.id.desc())
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def newest(
        self, supplier_id: int | None = None, limit: int = 100
    ) -> Sequence[tuple[PriceList, Partner]]:
        """Versions of every supplier's list (or of one), newest first, with their supplier."""
        query = select(PriceList, Partner).join(Partner, Partner.id == PriceList.supplier_id)
        if supplier_id is not None:
            query = query.where(PriceList.supplier_id == supplier_id)
        query = query.order_by(PriceList.id.desc()).limit(limit)
        return [(version, partner) for version, partner in self.session.execute(query)]

    def replaced_before(self, supplier_id: int, version_id: int) -> PriceList | None:
        """The version that was applied last before `version_id`."""
        query = (
            select(PriceList)
            .where(PriceList.supplier_id == supplier_id, PriceList.id < version_id)
            .where(PriceList.status.in_((PriceListStatus.REPLACED, PriceListStatus.ACTIVE)))
            .order_by(PriceList.id.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()

    def set_status(self, version: PriceList, status: PriceListStatus, now: datetime) -> None:
        forget_active_lists(self.session)
        version.status, version.decided_at = status, now
        self.session.flush()

    def active_since(self, before: datetime) -> Sequence[tuple[Partner, PriceList]]:
        """Active suppliers whose active version was imported before `before`, oldest first."""
        query = (
            select(Partner, PriceList)
            .join(PriceList, PriceList.supplier_id == Partner.id)
            .where(
                PriceList.status == PriceListStatus.ACTIVE,
                PriceList.imported_at < before,
                Partner.active,
            )
            .order_by(PriceList.imported_at, Partner.id)
        )
        return [(partner, version) for partner, version in self.session.execute(query)]

    def compare(
        self,
        old: PriceList,
        new: PriceList,
        *,
        factor: Decimal,
        largest: int = 10,
        removed_shown: int = 20,
    ) -> PriceChanges:
        """What `new` changes against `old`: counts, the `largest` changes by absolute
        percent, and the first `removed_shown` SKUs it drops."""
        o, n = aliased(PriceItem), aliased(PriceItem)
        old_price, new_price = cast(o.price, Float), cast(n.price, Float)
        same = o.currency == n.currency
        limit = float(factor)

        def count(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

        totals = self.session.execute(
            select(
                func.count(),
                count(same, new_price > old_price),
                count(same, new_price < old_price),
                count(o.currency != n.currency),
                count(same, (new_price > old_price * limit) | (new_price * limit < old_price)),
            )
            .select_from(o)
            .join(n, _matching(o, n, new.id))
            .where(o.price_list_id == old.id)
        ).one()
        kept, up, down, currency_changed, beyond = (int(value) for value in totals)
        return PriceChanges(
            previous_id=old.id,
            previous_source=old.source,
            previous_rows=old.rows,
            kept=kept,
            up=up,
            down=down,
            currency_changed=currency_changed,
            beyond_factor=beyond,
            added=new.rows - kept,
            largest=tuple(self.changes(old.id, new.id, limit=largest, by_size=True)),
            removed_skus=tuple(i.sku for i in self.only_in(old.id, new.id, limit=removed_shown)),
        )

    def changes(
        self, old_id: int, new_id: int, *, limit: int | None = None, by_size: bool = False
    ) -> list[PriceChange]:
        """Rows whose price or currency differ between two versions: by SKU, or with
        `by_size` the largest changes in the same currency first."""
        o, n = aliased(PriceItem), aliased(PriceItem)
        old_price, new_price = cast(o.price, Float), cast(n.price, Float)
        query = (
            select(n.sku, n.name, o.price, o.currency, n.price, n.currency)
            .select_from(o)
            .join(n, _matching(o, n, new_id))
            .where(o.price_list_id == old_id)
        )
        if by_size:
            size = func.abs(new_price - old_price) / old_price
            query = query.where(o.currency == n.currency, new_price != old_price)
            query = query.order_by(size.desc(), n.sku_key)
        else:
            query = query.where((o.currency != n.currency) | (new_price != old_price))
            query = query.order_by(n.sku_key)
        if limit is not None:
            query = query.limit(limit)
        return [
            PriceChange(sku, name, Money(old_price_, old_cur), Money(new_price_, new_cur))
            for sku, name, old_price_, old_cur, new_price_, new_cur in self.session.execute(query)
        ]

    def stock_changes(self, old_id: int, new_id: int) -> list[StockChange]:
        """Rows on both versions whose stock (count or availability) differs, by SKU."""
        o, n = aliased(PriceItem), aliased(PriceItem)
        differs = o.stock.is_distinct_from(n.stock) | o.in_stock.is_distinct_from(n.in_stock)
        query = (
            select(n.sku, n.name, o.stock, o.in_stock, n.stock, n.in_stock)
            .select_from(o)
            .join(n, _matching(o, n, new_id))
            .where(o.price_list_id == old_id, differs)
            .order_by(n.sku_key)
        )
        return [StockChange(*row) for row in self.session.execute(query)]

    def copy_items(self, source_id: int, target_id: int) -> None:
        """Give version `target_id` every item of `source_id`, in one statement."""
        table = PriceItem.__table__
        columns = [table.c[name] for name in _COPIED]
        rows = (
            select(literal(target_id), *columns)
            .where(table.c.price_list_id == source_id)
            .order_by(table.c.id)
        )
        self.session.execute(
            insert(table).from_select([table.c.price_list_id, *columns], rows)  # type: ignore[arg-type]
        )

    def only_in(
        self, version_id: int, other_id: int, *, limit: int | None = None
    ) -> list[ListedItem]:
        """Rows of `version_id` whose SKU `other_id` lacks, in the order of the file."""
        i, other = aliased(PriceItem), aliased(PriceItem)
        missing = ~exists().where(other.price_list_id == other_id, other.sku_key == i.sku_key)
        query = (
            select(i.sku, i.name, i.price, i.currency)
            .where(i.price_list_id == version_id, missing)
            .order_by(i.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [
            ListedItem(sku, name, Money(price, currency))
            for sku, name, price, currency in self.session.execute(query)
        ]


def _matching(o: type[PriceItem], n: type[PriceItem], new_id: int) -> ColumnElement[bool]:
    return and_(n.price_list_id == new_id, n.sku_key == o.sku_key)
