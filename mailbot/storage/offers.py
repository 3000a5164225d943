"""Supplier price lists and their items as pricing reads them: activation, the active offers by
SKU, and the SKUs on offer for the order reader's catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Select,
    String,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session, selectinload

from mailbot.domain.money import Money
from mailbot.domain.price_changes import PriceListStatus
from mailbot.domain.pricing import Offer
from mailbot.storage.driver_sql import DriverStatement, PlainStatements, run
from mailbot.storage.models import (
    Partner,
    PriceItem,
    PriceList,
)
from mailbot.storage.transaction_memo import forget, read_once

ACTIVE = PriceListStatus.ACTIVE  # the price list status orders are priced from


def _active_offers() -> Select[*tuple[Any, ...]]:
    """The columns of every offer on an active list of an active supplier."""
    return (
        select(
            PriceItem.sku_key,
            PriceItem.sku,
            PriceItem.name,
            PriceItem.brand,
            PriceItem.category,
            PriceItem.price,
            PriceItem.currency,
            PriceItem.stock,
            PriceItem.in_stock,
            PriceItem.delivery_days,
            PriceList.supplier_id,
        )
        .join(PriceList, PriceItem.price_list_id == PriceList.id)
        .join(Partner, Partner.id == PriceList.supplier_id)
        .where(PriceList.status == ACTIVE, Partner.active)
    )


# The offers of some SKUs: built once (building and keying a statement costs more than
# SQLite's work on it), the keys one expanding parameter. On PostgreSQL the keys are one array,
# so the SQL text never changes and psycopg prepares it, and it runs on psycopg's cursor
# (`storage/driver_sql.py`): it is read for every order and every API basket.
_OFFERS_OF = _active_offers().where(PriceItem.sku_key.in_(bindparam("keys", expanding=True)))
_OFFERS_OF_PG = DriverStatement.compiled(
    _active_offers().where(PriceItem.sku_key == any_(bindparam("keys", type_=ARRAY(String)))),
    PGDialect_psycopg(),  # type: ignore[no-untyped-call]
    ("keys",),
)


def _offer(row: Sequence[Any]) -> Offer:
    """An offer from a row of `_active_offers`' columns."""
    _, sku, name, brand, category, price, currency, stock, in_stock, days, supplier_id = row
    return Offer(
        supplier_id=supplier_id,
        sku=sku,
        name=name,
        price=Money(price, currency),
        stock=stock,
        brand=brand,
        category=category,
        in_stock=in_stock,
        delivery_days=days,
    )


_ACTIVE_VERSION = (
    select(PriceList.id)
    .join(Partner, Partner.id == PriceList.supplier_id)
    .where(PriceList.status == ACTIVE, Partner.active)
    .order_by(PriceList.id)
)


# What `PriceLists.active_version` and `offers` keep for the transaction: every repository
# that changes which lists are active forgets them (`forget_active_lists`).
_ACTIVE_LISTS = "mailbot.active_lists"
_OFFERS = "mailbot.offers"


def forget_active_lists(session: Session) -> None:
    """Make the next `active_version` and `offers` of this session read the lists again:
    called by every write that may change which lists are active, or which suppliers are."""
    forget(session, _ACTIVE_LISTS)
    forget(session, _OFFERS)


class PriceLists(PlainStatements):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, price_list: PriceList) -> None:
        forget_active_lists(self.session)
        self.session.add(price_list)
        self.session.flush()

    def activate(self, price_list: PriceList) -> None:
        """Make `price_list` the supplier's only active list (the one before becomes replaced),
        in the caller's transaction."""
        forget_active_lists(self.session)
        self.session.execute(
            update(PriceList)
            .where(PriceList.supplier_id == price_list.supplier_id, PriceList.id != price_list.id)
            .where(PriceList.status == ACTIVE)
            .values(status=PriceListStatus.REPLACED)
        )
        price_list.status = ACTIVE
        price_list.held_reason = ""
        self.session.flush()

    def add_items(self, items: Sequence[dict[str, object]]) -> None:
        """Insert price items (dicts with the same keys) in one executemany.

        A Core insert on the table, not the ORM's bulk insert: the ORM splits a batch
        wherever a value turns None (an empty stock), costing a round trip per run of rows.
        """
        if items:
            table = PriceItem.metadata.tables[PriceItem.__tablename__]
            self.session.execute(insert(table), list(items))

    def offers(self, sku_keys: Iterable[str]) -> dict[str, tuple[Offer, ...]]:
        """The active offers for each normalised SKU, across suppliers (none: empty). Read once
        per transaction, like `active_version`: the SKUs a batch's orders share are read for
        the first that asks, and a change to the lists in this session reads them again."""
        known: dict[str, tuple[Offer, ...]] = read_once(self.session, _OFFERS, dict)
        wanted = set(sku_keys)
        if missing := sorted(wanted - known.keys()):
            found: dict[str, list[Offer]] = {key: [] for key in missing}
            rows: Iterable[Sequence[Any]]
            if self._on_postgresql:
                rows = run(self._flushed(), _OFFERS_OF_PG, {"keys": missing})
            else:
                rows = self.session.execute(_OFFERS_OF, {"keys": missing})
            for row in rows:
                found[row[0]].append(_offer(row))
            known.update((key, tuple(offers)) for key, offers in found.items())
        return {key: known[key] for key in wanted}

    def active_version(self) -> tuple[int, ...]:
        """The ids of the active lists of active suppliers: what the catalogue is built from
        (asked for every order read). Read once per transaction (the processor's part of a
        batch), and again after this session changed a list's status or a supplier's: a list
        another transaction activates meanwhile is seen from the next transaction on."""
        return read_once(
            self.session, _ACTIVE_LISTS, lambda: tuple(self.session.scalars(_ACTIVE_VERSION))
        )

    def active_skus(self, batch: int = 5000) -> Iterator[tuple[str, str]]:
        """Every SKU on an active list of an active supplier, as the supplier wrote it, with
        its brand."""
        query = (
            select(PriceItem.sku, PriceItem.brand)
            .join(PriceList, PriceItem.price_list_id == PriceList.id)
            .join(Partner, Partner.id == PriceList.supplier_id)
            .where(PriceList.status == ACTIVE, Partner.active)
            .execution_options(yield_per=batch)
        )
        yield from ((row.sku, row.brand) for row in self.session.execute(query))

    def offered_by(self, supplier_id: int) -> tuple[set[str], set[str]]:
        """The SKUs and the brands on the supplier's active list, in upper case."""
        query = (
            select(PriceItem.sku, PriceItem.brand)
            .join(PriceList, PriceItem.price_list_id == PriceList.id)
            .where(PriceList.status == ACTIVE, PriceList.supplier_id == supplier_id)
        )
        skus: set[str] = set()
        brands: set[str] = set()
        for sku, brand in self.session.execute(query):
            skus.add(sku.strip().upper())
            if brand:
                brands.add(brand.strip().upper())
        return skus, brands

    def offers_in(self, currency: str, batch: int = 2000) -> Iterator[tuple[str, Offer]]:
        """Every active offer in `currency` by normalised SKU, streamed in batches (a list can
        have 100,000 rows): ordered by SKU, then supplier."""
        query = (
            _active_offers()
            .where(PriceItem.currency == currency)
            .order_by(PriceItem.sku_key, PriceList.supplier_id)
            .execution_options(yield_per=batch)
        )
        for row in self.session.execute(query):
            yield row.sku_key, _offer(row)

    def active_items(self, sku_key: str) -> Sequence[tuple[PriceItem, Partner]]:
        """Every active item for a normalised SKU, with its supplier."""
        query = (
            select(PriceItem, Partner)
            .join(PriceList, PriceItem.price_list_id == PriceList.id)
            .join(Partner, Partner.id == PriceList.supplier_id)
            .options(selectinload(Partner.addresses))
            .where(PriceList.status == ACTIVE, PriceItem.sku_key == sku_key)
            .order_by(PriceItem.price)
        )
        return [(item, supplier) for item, supplier in self.session.execute(query)]

    def items_of(self, price_list_id: int, skus: Iterable[str]) -> dict[str, PriceItem]:
        """The list's items with these SKUs (as written, any case), by their SKU upper-cased."""
        wanted = {sku.strip().upper() for sku in skus}
        query = select(PriceItem).where(
            PriceItem.price_list_id == price_list_id,
            func.upper(PriceItem.sku).in_(wanted),
        )
        return {item.sku.strip().upper(): item for item in self.session.scalars(query)}

    def active_for(self, supplier_id: int) -> PriceList | None:
        query = select(PriceList).where(
            PriceList.supplier_id == supplier_id, PriceList.status == ACTIVE
        )
        return self.session.scalars(query).one_or_none()


# Built once: read for every order with voucher codes, and building it costs more than running it.
