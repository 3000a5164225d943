"""Writes whose answer nobody reads (events, an order's steps, deadlines, a message's outcome,
an order's lines) wait on a PostgreSQL connection and go out with the next statement or the
COMMIT (storage/later_writes.py); SQLite runs them at once. Either way a transaction sees
them in order, a rollback drops them, and a failing one raises SQLAlchemy's error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from mailbot.domain.events import VERSIONS, EventType
from mailbot.storage.driver_sql import DriverStatement, run
from mailbot.storage.later_writes import LATER
from mailbot.storage.models import Event
from mailbot.storage.unit_of_work import UnitOfWork

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
COUNT = select(func.count(Event.id))


def _record(uow: UnitOfWork, n: int) -> None:
    uow.events.record(EventType.MESSAGE_QUARANTINED, n, {"message": n, "reason": "x"}, now=NOW)


def test_a_transaction_reads_its_own_waiting_writes_and_a_rollback_drops_them(
    engine: Engine,
) -> None:
    with UnitOfWork(engine) as uow:
        _record(uow, 1)
        _record(uow, 2)
        assert uow.session.scalar(COUNT) == 2  # sent before the read, in order
        _record(uow, 3)
        uow.rollback()
        assert uow.session.scalar(COUNT) == 0
        _record(uow, 4)
        uow.commit()  # sent with the COMMIT
    with UnitOfWork(engine) as uow:
        ids = uow.session.scalars(select(Event.aggregate_id).order_by(Event.id)).all()
    assert ids == ["4"]


def test_a_savepoint_rolled_back_drops_only_what_waited_inside_it(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        _record(uow, 1)
        with pytest.raises(RuntimeError):
            _undone_part(uow)
        _record(uow, 3)
        uow.commit()
    with UnitOfWork(engine) as uow:
        ids = uow.session.scalars(select(Event.aggregate_id).order_by(Event.id)).all()
    assert ids == ["1", "3"]


def _undone_part(uow: UnitOfWork) -> None:
    with uow.savepoint():
        _record(uow, 2)
        raise RuntimeError("undo this part")


def test_a_transaction_left_uncommitted_keeps_nothing_for_the_next_one(engine: Engine) -> None:
    """The pooled connection is given to the next unit of work: nothing of an abandoned one
    may wait on it and go out with the next one's statements."""
    with UnitOfWork(engine) as uow:
        _record(uow, 1)
    with UnitOfWork(engine) as uow:
        _record(uow, 2)
        uow.commit()
    with UnitOfWork(engine) as uow:
        ids = uow.session.scalars(select(Event.aggregate_id)).all()
    assert ids == ["2"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_statement_on_the_driver_takes_the_waiting_writes_along(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        _record(uow, 1)
        rows = run(uow.session.connection(), DriverStatement("SELECT count(*) FROM events", {}), {})
        assert rows == [(1,)]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_failing_write_that_waited_raises_with_the_next_statement(engine: Engine) -> None:
    """A duplicate event id breaks a unique constraint: on PostgreSQL not when it is written
    but when it goes out, as SQLAlchemy's IntegrityError naming the constraint, and the
    transaction is undone; the connection serves the next unit of work."""
    with UnitOfWork(engine) as uow:
        _record(uow, 1)
        uow.commit()
        message_id = uow.session.scalar(select(Event.message_id))
    with UnitOfWork(engine) as uow:  # an event that waits, its id already taken
        uow.session.execute(_WAITING_INSERT, _event_row(message_id))
        with pytest.raises(IntegrityError, match="uq_events_message_id"):
            uow.session.scalar(COUNT)
    with UnitOfWork(engine) as uow:
        uow.session.execute(_WAITING_INSERT, _event_row(message_id))
        with pytest.raises(IntegrityError, match="uq_events_message_id"):
            uow.commit()
    with UnitOfWork(engine) as uow:
        assert uow.session.scalar(COUNT) == 1


_WAITING_INSERT = insert(Event.__table__).inline().execution_options(**LATER)  # type: ignore[arg-type]


def _event_row(message_id: str | None) -> dict[str, object]:
    kind = EventType.MESSAGE_QUARANTINED
    return {"message_id": message_id, "type": kind.value, "version": VERSIONS[kind],
            "aggregate_type": kind.aggregate.value, "aggregate_id": "9",
            "payload": {"message": 9, "reason": "x"}, "occurred_at": NOW}  # fmt: skip
