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

An order's lines go in as one INSERT of a JSON document (`insert_rows`): their values are
plain text, integers and decimals, which need none of SQLAlchemy's type processing. Like the
writes `storage/later_writes.py` keeps, it waits for the next statement, which takes it along.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, cast

import psycopg
from psycopg.sql import Literal
from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

_WAITING = "mailbot_later_writes"  # in a connection's info: [(sql, parameters), ...]


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


class PlainStatements:
    """What a repository running statements here shares: its session, the session's
    connection to run them on, and whether that is PostgreSQL's (psycopg's cursor) or not."""

    session: Session

    def _flushed(self) -> Connection:
        """The session's connection, its pending changes sent first, as the ORM's queries do
        (the plain statements of the hot path run on the connection, without the ORM)."""
        if self.session.autoflush:
            self.session.flush()
        return self.session.connection()

    @property
    def _on_postgresql(self) -> bool:
        return on_postgresql(self.session)


def on_postgresql(session: Session) -> bool:
    """Whether `session` works on PostgreSQL (else on SQLite, mailbot's other database)."""
    return session.get_bind().dialect.name == "postgresql"


def run(
    connection: Connection, statement: DriverStatement, params: Mapping[str, object]
) -> list[tuple[Any, ...]]:
    """Execute `statement` (one that returns rows) with `params` on the DB-API cursor of
    `connection` (which must be on psycopg), in its transaction; its rows, as plain tuples.
    The writes waiting on the connection (`write_later`) go out with it."""
    values = {**statement.constants, **params}
    waiting = take_waiting(connection)
    driver = _driver(connection, statement.sql, values)
    with as_sqlalchemy_error(connection, statement.sql, values), driver.cursor() as cursor:
        if waiting:
            with driver.pipeline():  # what waits and the statement in one round trip
                send(driver, waiting)
                cursor.execute(statement.sql, values)
                return cursor.fetchall()
        cursor.execute(statement.sql, values)
        return cursor.fetchall()


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Write `rows` (dicts with the same columns, of text, integers, decimals and None) into
    `table` with one INSERT on `connection` (which must be on psycopg), in its transaction,
    the rows as one JSON document: sent with the next statement (`write_later`).
    PostgreSQL runs an executemany as one INSERT per row, several times slower; a COPY is as
    fast for a short order and twice as fast for a long one (400 lines: 4 ms against 8) but
    takes two round trips of its own, since it cannot travel in a pipeline; arrays, one a
    column, cost psycopg three times the client time to write."""
    columns = tuple(rows[0])
    text = _json_insert(table, columns, connection.dialect)
    values = {"rows": json.dumps(rows, default=str)}
    _driver(connection, text, values)
    write_later(connection, text, values)


def write_later(connection: Connection, sql: str, parameters: Mapping[str, object]) -> None:
    """Keep a write (psycopg's SQL, `%(name)s` parameters) whose answer nobody reads, to go
    out with the next statement on `connection` (see `storage/later_writes.py`)."""
    connection.info.setdefault(_WAITING, []).append((sql, parameters))


def take_waiting(connection: Connection) -> list[tuple[str, Mapping[str, object]]]:
    """The writes waiting on `connection`, handed over to be sent now, or dropped."""
    waiting: list[tuple[str, Mapping[str, object]]] = connection.info.pop(_WAITING, None) or []
    return waiting


def send(driver: psycopg.Connection, waiting: Sequence[tuple[str, Mapping[str, object]]]) -> None:
    """Queue `waiting` in `driver`'s pipeline, which must be open."""
    with driver.cursor() as cursor:
        for sql, parameters in waiting:
            cursor.execute(sql, parameters)


@cache
def _json_insert(table: Table, columns: tuple[str, ...], dialect: Dialect) -> str:
    names = ", ".join(f'"{column}"' for column in columns)
    types = ", ".join(f'"{c}" {table.c[c].type.compile(dialect)}' for c in columns)
    return (
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
        f"FROM json_to_recordset(%(rows)s::json) AS r({types})"
    )


def _driver(connection: Connection, text: str, values: Mapping[str, object]) -> psycopg.Connection:
    """The psycopg connection under `connection`, once the engine's `before_cursor_execute`
    listeners have seen the statement about to run on it."""
    if connection._has_events or connection.engine._has_events:
        connection.dispatch.before_cursor_execute(connection, None, text, values, None, False)
    return driver_of(connection)


def driver_of(connection: Connection) -> psycopg.Connection:
    """The psycopg connection under `connection`."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


@contextmanager
def as_sqlalchemy_error(
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
