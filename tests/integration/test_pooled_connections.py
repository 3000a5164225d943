"""PostgreSQL connections kept in the pool: one the server ended while it sat idle (a restart,
an idle timeout, pg_terminate_backend) is replaced as it is checked out, so the next
transaction does not fail for it."""

from __future__ import annotations

import time

from sqlalchemy import Engine, create_engine, text

from mailbot.storage.database import make_engine
from mailbot.storage.unit_of_work import UnitOfWork


def backend_pid(engine: Engine) -> int:
    """The server process of the connection the next unit of work gets."""
    with UnitOfWork(engine) as uow:
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        uow.commit()
    return int(pid)


def test_a_connection_ended_while_idle_is_replaced_at_checkout(postgres_url: str) -> None:
    """Every pooled connection ended by the server: the next transactions run on new ones."""
    engine = make_engine(postgres_url)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        first = backend_pid(engine)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            deadline = time.monotonic() + 10
            query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            while connection.execute(query, {"pid": first}).scalar_one():
                assert time.monotonic() < deadline, "the backend did not end"
        second = backend_pid(engine)
        assert second != first
        assert backend_pid(engine) == second  # the new connection is pooled and kept
    finally:
        engine.dispose()
        admin.dispose()
