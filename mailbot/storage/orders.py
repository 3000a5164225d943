"""Orders and their lines: writing a new order and its lines on the hot path, and the
queries that find orders for listings, a client's history and a supplier's open lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Integer, Table, Text, bindparam, func, insert, select, type_coerce
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.dml import ReturningInsert

from mailbot.domain.orders import OPEN as OPEN_ORDER
from mailbot.storage.driver_sql import insert_rows
from mailbot.storage.models import Order, OrderLine, Partner
from mailbot.storage.new_rows import add_written


@cache
def _numbered_order_insert(dialect: str) -> ReturningInsert[Any]:
    """INSERT of an order that takes its id and appends it to the number it is given, built
    once per dialect. PostgreSQL takes the id from the table's sequence; SQLite takes the
    largest id plus one, which is what it would choose itself, and the one writer it allows
    at a time makes the read and the write one step."""
    table = Order.__table__
    assert isinstance(table, Table)
    if dialect == "postgresql":
        taken = select(func.nextval(func.pg_get_serial_sequence(table.name, "id")).label("id"))
        new = taken.subquery("new")
        digits = type_coerce(new.c.id, Integer).cast(Text)
        padded = func.lpad(digits, func.greatest(6, func.length(digits)), "0")
    else:
        new = select((func.coalesce(func.max(table.c.id), 0) + 1).label("id")).subquery("new")
        padded = func.printf("%06d", new.c.id)
    columns = [column for column in table.columns if not column.primary_key]
    values = [
        bindparam("number", type_=Text).concat(padded)
        if column.key == "number"
        else bindparam(column.key, type_=column.type)
        for column in columns
    ]
    chosen = select(new.c.id, *values)
    into = insert(table).from_select(["id", *(column.key for column in columns)], chosen)
    return into.returning(table.c.id, table.c.number)


# An order's lines on SQLite: one prebuilt executemany (PostgreSQL: `driver_sql.insert_rows`).
_LINES = insert(OrderLine.__table__)  # type: ignore[arg-type]
_TOTALS_OF = select(Order.total).where(
    Order.client_id == bindparam("client_id"),
    Order.status.in_(bindparam("statuses", expanding=True)),
    Order.currency == bindparam("currency"),
)


class Orders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        """Write the new order at once (it then has its id), without the ORM's flush."""
        add_written(self.session, order)

    def add_numbered(self, order: Order) -> None:
        """Write the new order with its number: `order.number` (`ORD-2026-`, say) followed
        by the id the INSERT gives it, at least six digits, in the same statement."""
        dialect = self.session.get_bind().dialect.name
        add_written(self.session, order, _numbered_order_insert(dialect))

    def add_lines(self, order_id: int, lines: Sequence[dict[str, object]]) -> None:
        """Insert an order's lines in one statement, numbered in the given order: an INSERT
        of a JSON document on PostgreSQL that goes out with the next statement, a Core
        executemany on SQLite (the ORM's bulk insert costs several times the database's work
        here)."""
        if not lines:
            return
        rows = [{**line, "order_id": order_id, "position": n} for n, line in enumerate(lines, 1)]
        connection, table = self.session.connection(), OrderLine.__table__
        assert isinstance(table, Table)
        if connection.dialect.name == "postgresql":
            insert_rows(connection, table, rows)
        else:
            connection.execute(_LINES, rows)

    def get(self, order_id: int) -> Order | None:
        return self.session.get(Order, order_id)

    def by_number(self, number: str) -> Order | None:
        query = select(Order).options(selectinload(Order.lines)).where(Order.number == number)
        return self.session.scalars(query).one_or_none()

    def list(self, client_id: int | None = None, limit: int = 100) -> Sequence[Order]:
        query = select(Order).order_by(Order.id.desc()).limit(limit)
        if client_id is not None:
            query = query.where(Order.client_id == client_id)
        return self.session.scalars(query).all()

    def find(
        self,
        *,
        client_id: int | None = None,
        supplier_id: int | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
        oldest_first: bool = False,
    ) -> Sequence[Order]:
        """The newest (or oldest) orders that meet every condition given: the client's, with a
        line from the supplier, in `status`, received at or after `since` and before `until`;
        `limit` of them, skipping `offset`. Their clients and the clients' addresses come in
        two more queries (every listing shows them), not one each."""
        query = (
            select(Order)
            .options(selectinload(Order.client).selectinload(Partner.addresses))
            .order_by(Order.id if oldest_first else Order.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if client_id is not None:
            query = query.where(Order.client_id == client_id)
        if supplier_id is not None:
            supplied = select(OrderLine.id).where(
                OrderLine.order_id == Order.id, OrderLine.supplier_id == supplier_id
            )
            query = query.where(supplied.exists())
        if status is not None:
            query = query.where(Order.status == status)
        if since is not None:
            query = query.where(Order.created_at >= since)
        if until is not None:
            query = query.where(Order.created_at < until)
        return self.session.scalars(query).all()

    def count(self) -> int:
        return self.session.scalar(select(func.count(Order.id))) or 0

    def open_of_client(self, client_id: int) -> Sequence[Order]:
        """The client's orders that are not finished, oldest first."""
        query = (
            select(Order)
            .where(Order.client_id == client_id, Order.status.in_(OPEN_ORDER))
            .order_by(Order.id)
        )
        return self.session.scalars(query).all()

    def open_supply_lines(self, supplier_id: int) -> Sequence[tuple[str, str, int | None]]:
        """(order number, SKU, quantity) of the lines the supplier is to supply on orders that
        are not finished, in order and line order."""
        query = (
            select(Order.number, OrderLine.sku, OrderLine.quantity)
            .join(Order, OrderLine.order_id == Order.id)
            .where(OrderLine.supplier_id == supplier_id, Order.status.in_(OPEN_ORDER))
            .order_by(Order.id, OrderLine.position)
        )
        return [(number, sku, quantity) for number, sku, quantity in self.session.execute(query)]

    def totals_of(
        self, client_id: int, statuses: Sequence[str], currency: str
    ) -> Sequence[Decimal]:
        """The net totals of the client's orders in `statuses` and `currency`."""
        params = {"client_id": client_id, "statuses": list(statuses), "currency": currency}
        return self.session.scalars(_TOTALS_OF, params).all()
