"""Engines and schema migrations for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import select
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from mailbot.errors import MailbotError
from mailbot.storage import later_writes
from mailbot.storage.write_gate import gate_for


class SchemaOutOfDateError(MailbotError):
    """The database is not at the newest migration; `mailbot db upgrade` brings it there."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long mailbot waits on the database before the statement or connection fails (an
    error its caller handles: retries later, or the SMTP listener's 451).

    `connect`: PostgreSQL's connection and login (libpq's connect_timeout, at least 2 s).
    `statement`: PostgreSQL's statement_timeout for every statement. `lock`: PostgreSQL's
    lock_timeout; SQLite's busy timeout (waiting for another writer). 0: no limit.
    """

    connect: int = 10
    statement: float = 60
    lock: float = 30


DEFAULT_TIMEOUTS = Timeouts()
# SQLite's longest busy timeout, for "no limit".
_SQLITE_FOREVER_MS = 2**31 - 1


def make_engine(url: str, timeouts: Timeouts = DEFAULT_TIMEOUTS) -> Engine:
    """An engine for `url` that waits at most `timeouts`. SQLite gets WAL, foreign keys and a
    busy timeout for several writers."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _postgresql_engine(url, timeouts)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    busy_ms = _milliseconds(timeouts.lock) or _SQLITE_FOREVER_MS
    engine = create_engine(url, connect_args={"timeout": busy_ms / 1000})
    gate = gate_for(engine)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Own the transaction boundaries so BEGIN IMMEDIATE can take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A reader that later writes would deadlock under SQLite's lock upgrade; take it first,
        # in this process's turn (see write_gate.py).
        gate.enter()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave()
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(_connection: Any) -> None:
        gate.leave()

    return engine


def _postgresql_engine(url: str, timeouts: Timeouts) -> Engine:
    """PostgreSQL with a bounded connection (libpq's connect_timeout), and every session's
    statement_timeout and lock_timeout set as it connects (a SET, which works through
    poolers that refuse startup options as well). Large values (the raw mail, in and out) are
    compressed with lz4 where the server has it (PostgreSQL 14 and newer, built with lz4, as
    Debian's is) instead of the default pglz: storing a message takes a third less of the
    server's time, and reading it back decompresses faster too.

    A pooled connection the server ended while it sat idle (a restart, an idle timeout,
    pg_terminate_backend) is replaced as it is checked out, so that no transaction fails for
    it. Not with SQLAlchemy's pre-ping, a round trip on every checkout (a tenth of a voucher
    reservation's time): the server says goodbye on the socket before it closes it, so a
    socket with something to read while no query is running belongs to an ended session, and
    looking costs a poll() without a round trip."""
    engine = create_engine(url, connect_args={"connect_timeout": max(timeouts.connect, 2)})
    later_writes.install(engine)
    statement_ms, lock_ms = _milliseconds(timeouts.statement), _milliseconds(timeouts.lock)

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {statement_ms}")
            cursor.execute(f"SET lock_timeout = {lock_ms}")
            cursor.execute(_LZ4_WHERE_SUPPORTED)
        dbapi_connection.commit()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if _ended_by_server(dbapi_connection):
            raise DisconnectionError("the server ended this pooled connection")  # pool retries

    return engine


# No row, and nothing set, on a server without lz4 (or before PostgreSQL 14, without the setting).
_LZ4_WHERE_SUPPORTED = (
    "SELECT set_config(name, 'lz4', false) FROM pg_settings"
    " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def _ended_by_server(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection is closed, or has something to read (the server's
    farewell, or the end of the stream): nothing else arrives while no query runs."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", "mailbot.storage:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration the database does not have yet."""
    command.upgrade(_alembic_config(engine), "head")


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """The database's migration and the newest one (None where there is none)."""
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision(), head


def is_up_to_date(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def require_up_to_date(engine: Engine) -> None:
    """Raise SchemaOutOfDateError unless the schema is at the newest migration."""
    if not is_up_to_date(engine):
        raise SchemaOutOfDateError(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not at the "
            "newest schema: run `mailbot db upgrade`"
        )
