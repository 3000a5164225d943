"""PostgreSQL: writes whose answer nobody reads wait on the connection and travel with the
next statement that needs one, or with the COMMIT, in one psycopg pipeline: one round trip
for all of them instead of one each. (psycopg's BEGIN cannot travel so: in a pipeline too,
psycopg waits for its answer before it sends the statement that starts the transaction.)

A statement marked `LATER` (an event, an order's step, a deadline, a message's outcome; an
order's lines through `driver_sql.insert_rows`) goes through SQLAlchemy's execution as any
other (its parameters processed, the engine's `before_cursor_execute` listeners told), and
only the driver's call is kept for later. A round trip costs far more than these statements:
after a millisecond or two of Python the server's process has gone to sleep, and even a
`SELECT 1` then takes 0.4-0.6 ms to answer on a 2-core machine, against 0.2 ms back to back.

What waits is sent, in order, before anything else runs on the connection, so every later
statement of the transaction sees it. A rollback, whole or to a savepoint, drops what waits
(a savepoint's own statement sends what waited before it). A failing write that waited is
raised by the statement it travels with, as SQLAlchemy's error of that statement, naming the
write's table and constraint. SQLite has no round trips: `LATER` changes nothing there.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExceptionContext, ExecutionContext

from mailbot.storage.driver_sql import (
    as_sqlalchemy_error,
    driver_of,
    send,
    take_waiting,
    write_later,
)

# The execution option that marks a statement whose answer (its rowcount) nobody reads.
LATER = {"mailbot_later": True}
_SENDING = "mailbot_later_pipeline"  # the pipeline open around a statement that takes them


def install(engine: Engine) -> None:
    """Keep `LATER` statements of this PostgreSQL engine waiting, and send them on."""

    @event.listens_for(engine.dialect, "do_execute")
    def _keep(cursor: Any, sql: str, parameters: Any, context: ExecutionContext) -> bool:
        if not context.execution_options.get("mailbot_later"):
            return False
        write_later(context.root_connection, sql, parameters)
        return True  # handled: the driver is not called now

    @event.listens_for(engine, "before_cursor_execute")
    def _with_next(
        connection: Connection, cursor: Any, sql: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if context is None or context.execution_options.get("mailbot_later"):
            return  # driver_sql sends what waits itself; a LATER statement waits too
        waiting = take_waiting(connection)
        if not waiting:
            return
        driver = driver_of(connection)
        if isinstance(cursor, psycopg.ServerCursor):  # a pipeline cannot hold one
            with driver.pipeline():
                send(driver, waiting)
            return
        pipeline = driver.pipeline()  # what waits and the statement: ended in `_sent`
        pipeline.__enter__()
        connection.info[_SENDING] = pipeline
        send(driver, waiting)

    @event.listens_for(engine, "after_cursor_execute")
    def _sent(
        connection: Connection, cursor: Any, sql: str, parameters: Any, context: Any, many: bool
    ) -> None:
        pipeline = connection.info.pop(_SENDING, None)
        if pipeline is not None:
            pipeline.__exit__(None, None, None)  # the round trip; a write's error raises here

    @event.listens_for(engine.dialect, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        connection = context.connection
        pipeline = None if connection is None else connection.info.pop(_SENDING, None)
        if pipeline is not None:
            # The transaction is failing already: the first error is the one to raise.
            with suppress(psycopg.Error):
                pipeline.__exit__(type(context.original_exception), None, None)

    @event.listens_for(engine, "commit")
    def _commit(connection: Connection) -> None:
        waiting = take_waiting(connection)
        if waiting:
            driver = driver_of(connection)
            with as_sqlalchemy_error(connection, "COMMIT", {}):
                try:
                    with driver.pipeline():
                        send(driver, waiting)
                        driver.commit()  # in the same round trip; SQLAlchemy's finds none
                except psycopg.Error:
                    # The COMMIT never ran: end the failed transaction as a failed COMMIT
                    # would, or the pool, which takes it for committed, would lend it out so.
                    with suppress(psycopg.Error):
                        driver.rollback()
                    raise

    @event.listens_for(engine, "rollback")
    @event.listens_for(engine, "rollback_savepoint")
    def _drop(connection: Connection, *_: object) -> None:
        take_waiting(connection)
