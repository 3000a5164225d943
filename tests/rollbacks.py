"""Rollbacks that undo a transaction on PostgreSQL: psycopg forgets the connection's prepared
statements at each, so the hot paths end theirs with a commit or run autocommitted."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event


@contextlib.contextmanager
def rollbacks_of_open_transactions(engine: Engine) -> Iterator[list[str]]:
    """The rollbacks `engine` sends inside the block while a transaction is open (those of
    an autocommitted or finished connection are no-ops, and psycopg keeps its statements)."""
    seen: list[str] = []

    def note(connection: Connection) -> None:
        status = connection.connection.dbapi_connection.info.transaction_status
        if status != TransactionStatus.IDLE:
            seen.append(status.name)

    event.listen(engine, "rollback", note)
    try:
        yield seen
    finally:
        event.remove(engine, "rollback", note)
