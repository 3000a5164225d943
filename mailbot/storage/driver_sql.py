"""Statements of the hot path (the voucher look-up and reservation, an order's lines) run on the
DB-API (psycopg) cursor of the session's own connection, inside its transaction, instead of
through SQLAlchemy's execution.

SQLAlchemy's execution of a compiled statement (its execution context, parameter processing
and result layer) costs about 0.2 ms of client CPU per statement, twice what psycopg itself
takes to send a prepared statement and read its rows. The statements here are compiled once;
each execution only merges its parameters into the compiled constants. The engine's
`before_cursor_execute` listeners still see each statement, and a driver error is raised as
SQLAlchemy's (an `IntegrityError`, `OperationalError`...), as an execution through
SQLAlchemy would raise it. PostgreSQL only: SQLite keeps SQLAlchemy's execution.

An order's lines go in with one COPY (`copy_rows`): their values are plain text, integers and
decimals, which need none of SQLAlchemy's type processing.

The first statement of a transaction is sent in psycopg's pipeline mode, so that the BEGIN
psycopg starts the transaction with travels with it: one round trip instead of two.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

import psycopg
from psycopg import pq, sql
from psycopg.sql import Literal
from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement's SQL text in psycopg's `%(name)s` style, and its constant parameters."""

    sql: str
    constants: Mapping[str, object]

    @classmethod
    def compiled(
        cls, statement: ClauseElement, dialect: Dialect, parameters: Collection[str]
    ) -> DriverStatement:
        """`statement` compiled for `dialect` (psycopg's), with its bound constants (an enum as
        its value) written into the SQL as literals: psycopg then adapts only the
        `parameters` of each execution. A constant of another type than text, integer or
        boolean stays a parameter, given with each execution."""
        compiled = statement.compile(dialect=dialect)
        text, constants = str(compiled), {}
        for name, value in compiled.params.items():
            plain = value.value if isinstance(value, Enum) else value
            if name in parameters:
                continue
            if isinstance(plain, str | int | bool):
                text = text.replace(f"%({name})s", Literal(plain).as_string())
            else:
                constants[name] = plain
        return cls(text, constants)


def run(
    connection: Connection, statement: DriverStatement, params: Mapping[str, object]
) -> list[tuple[Any, ...]]:
    """Execute `statement` (one that returns rows) with `params` on the DB-API cursor of
    `connection` (which must be on psycopg), in its transaction; its rows, as plain tuples."""
    values = {**statement.constants, **params}
    driver = _driver(connection, statement.sql, values)
    with _as_sqlalchemy_error(connection, statement.sql, values), driver.cursor() as cursor:
        if driver.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            with driver.pipeline():  # BEGIN and the statement in one round trip
                cursor.execute(statement.sql, values)
                return cursor.fetchall()
        cursor.execute(statement.sql, values)
        return cursor.fetchall()


def copy_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Write `rows` (dicts with the same columns) into `table` with one COPY on `connection`
    (which must be on psycopg), in its transaction: a third of the time of the same rows as
    an executemany, which PostgreSQL runs as one INSERT per row."""
    columns = list(rows[0])
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = _driver(connection, copy.as_string(), {})
    with (
        _as_sqlalchemy_error(connection, copy.as_string(), {}),
        driver.cursor() as cursor,
        cursor.copy(copy) as writer,
    ):
        for row in rows:
            writer.write_row([row[column] for column in columns])


def _driver(connection: Connection, text: str, values: Mapping[str, object]) -> psycopg.Connection:
    """The psycopg connection under `connection`, once the engine's `before_cursor_execute`
    listeners have seen the statement about to run on it."""
    if connection._has_events or connection.engine._has_events:
        connection.dispatch.before_cursor_execute(connection, None, text, values, None, False)
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


@contextmanager
def _as_sqlalchemy_error(
    connection: Connection, text: str, values: Mapping[str, object]
) -> Iterator[None]:
    """Raise a driver error as SQLAlchemy's execution would have (and invalidate a connection
    that was lost)."""
    try:
        yield
    except psycopg.Error as error:
        invalidated = connection.dialect.is_disconnect(
            cast(Any, error), connection.connection, None
        )
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(
            text,
            values,
            error,
            psycopg.Error,
            connection_invalidated=invalidated,
            dialect=connection.dialect,
        ) from error
