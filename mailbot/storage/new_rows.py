"""A new entity written with its table's prebuilt INSERT, and kept in the session as if the ORM
had written it.

The hot path writes an order and its reply per message and goes on using them as entities (a
status changed later is an UPDATE like any other). The ORM's unit of work costs several times
the statement for a single new row: here the row goes out as one `INSERT ... RETURNING id`,
and the entity joins the session persistent and clean, every column as written, so reading
one of them asks the database nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column, Table, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from mailbot.storage.models import Base

E = TypeVar("E", bound=Base)


def add_written(session: Session, entity: E, statement: ReturningInsert[Any] | None = None) -> E:
    """Insert the transient `entity` in `session`'s transaction, set its id, and add it to the
    session persistent and unchanged. A column not set on it takes its scalar default (or
    NULL), as the ORM would have written it.

    `statement` (default: the table's plain INSERT) is given every column but the id as a
    parameter of the column's name, and returns the id and any column it works out itself,
    which are set on the entity as returned."""
    table, plain = _insert_of(type(entity))
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key not in entity.__dict__:
            setattr(entity, column.key, _default(column))
        values[column.key] = getattr(entity, column.key)
    written = session.execute(statement if statement is not None else plain, values).one()
    for key, value in written._mapping.items():
        setattr(entity, str(key), value)
    make_transient_to_detached(entity)
    # The database has just given out this id, so an entity the session still holds under it
    # is what a rolled-back attempt wrote (SQLite gives a rolled-back id again). The ORM
    # would have dropped it with the rollback; it is dropped here instead.
    key = inspect(entity).key
    assert key is not None  # given by make_transient_to_detached
    if (stale := session.identity_map.get(key)) is not None:
        session.expunge(stale)
    session.add(entity)
    return entity


@cache
def _insert_of(model: type[Base]) -> tuple[Table, ReturningInsert[Any]]:
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table, insert(table).returning(table.c.id)


def _default(column: Column[Any]) -> object:
    """What the ORM would write for a column left unset: its constant default, else NULL. A
    default worked out at insert (a function, the server's) would leave the entity not
    knowing its own value: such a column must be set."""
    default = column.default
    if default is None and column.server_default is None:
        return None
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    raise ValueError(f"{column}: set it, its default is not a constant written by mailbot")
