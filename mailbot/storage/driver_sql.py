"""Statements of the voucher hot path run on the DB-API (psycopg) cursor of the session's own
connection, inside its transaction, instead of through SQLAlchemy's execution.

SQLAlchemy's execution of a compiled statement (its execution context, parameter processing
and result layer) costs about 0.2 ms of client CPU per statement, twice what psycopg itself
takes to send a prepared statement and read its rows. The statements here are compiled once;
each execution only merges its parameters into the compiled constants. The engine's
`before_cursor_execute` listeners still see each statement, and a driver error is raised as
SQLAlchemy's (an `IntegrityError`, `OperationalError`...), as an execution through
SQLAlchemy would raise it. PostgreSQL only: SQLite keeps SQLAlchemy's execution.

The first statement of a transaction is sent in psycopg's pipeline mode, so that the BEGIN
psycopg starts the transaction with travels with it: one round trip instead of two.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

import psycopg
from psycopg import pq
from psycopg.sql import Literal
from sqlalchemy import Connection
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
    if connection._has_events or connection.engine._has_events:
        connection.dispatch.before_cursor_execute(
            connection, None, statement.sql, values, None, False
        )
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor:
            if driver.pgconn.transaction_status == pq.TransactionStatus.IDLE:
                with driver.pipeline():  # BEGIN and the statement in one round trip
                    cursor.execute(statement.sql, values)
                    rows = cursor.fetchall()
            else:
                cursor.execute(statement.sql, values)
                rows = cursor.fetchall()
    except psycopg.Error as error:
        invalidated = connection.dialect.is_disconnect(
            cast(Any, error), connection.connection, None
        )
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(
            statement.sql,
            values,
            error,
            psycopg.Error,
            connection_invalidated=invalidated,
            dialect=connection.dialect,
        ) from error
    return rows
