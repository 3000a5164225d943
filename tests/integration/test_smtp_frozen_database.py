"""A database that does not answer: the listener answers 451 within its bound instead of
holding the client, and the message the client sends again is stored once."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from mailbot.bootstrap import App
from mailbot.config import Config
from mailbot.ingress.group_commit import GroupCommit
from mailbot.storage.models import InboundMessage
from tests.integration.test_smtp_ingress import HOST, ORDERS, SENDER, WAIT, message

BOUND = 1.0
# How much later than the bound the 451 may come on a busy machine.
LATE = 4.0


@pytest.fixture
def locked(engine: Engine) -> Iterator[Connection]:
    """A connection holding a write transaction the inbox's INSERT must wait for: SQLite's
    write lock (BEGIN IMMEDIATE), or on PostgreSQL a lock on the inbox table."""
    connection = engine.connect()
    transaction = connection.begin()  # BEGIN IMMEDIATE on SQLite (storage/database.py)
    if engine.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE inbound_messages IN EXCLUSIVE MODE"))
    try:
        yield connection
    finally:
        if transaction.is_active:
            transaction.rollback()
        connection.close()


def stored_copies(app: App, message_id: str) -> int:
    with app.uow() as uow:
        query = select(func.count()).where(InboundMessage.message_id == message_id)
        return int(uow.session.scalar(query) or 0)


def test_a_store_that_waits_on_a_lock_gets_451_within_the_bound(
    config: Config, app: App, locked: Connection
) -> None:
    """While another connection holds the database, the client gets 451 after about
    `store_timeout_seconds`, not when the database lets go; released, the client's retry gets
    250 and the message is stored once (the first store, finished late, and the retry are
    the same bytes)."""
    settings = config.smtp_ingress.model_copy(update={"host": HOST, "store_timeout_seconds": BOUND})
    app.config = config.model_copy(update={"smtp_ingress": settings})
    ingress = app.smtp_ingress(GroupCommit(lambda raws: app.store_many(raws, "smtp")))
    ingress.start()
    raw = message(1)
    try:
        with smtplib.SMTP(HOST, ingress.port, local_hostname="client.test", timeout=WAIT) as client:
            began = time.monotonic()
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(SENDER, [ORDERS], raw)
            waited = time.monotonic() - began
            assert (refused.value.smtp_code, refused.value.smtp_error) == (
                451,
                b"4.3.0 Storing the message took too long, try again later",
            )
            assert BOUND <= waited < BOUND + LATE
            # The connection is still served while the store waits.
            assert client.noop()[0] == 250

            locked.rollback()
            assert client.sendmail(SENDER, [ORDERS], raw) == {}
    finally:
        if locked.in_transaction():
            locked.rollback()
        ingress.stop()
    assert ingress.bytes_in_flight == 0
    assert stored_copies(app, "1@partner.example") == 1
