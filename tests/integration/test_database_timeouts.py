"""The database cannot keep mailbot waiting for ever: a connection to a server that never
answers fails within storage.connect_timeout_seconds, a statement blocked by another
connection's lock within storage.lock_timeout_seconds (SQLite: its busy timeout), and a
statement that runs too long within storage.statement_timeout_seconds (PostgreSQL)."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from mailbot.bootstrap import App, bootstrap
from mailbot.cli import main
from mailbot.config import load_config
from mailbot.storage.database import Timeouts, make_engine
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail

TIMEOUTS = {
    "MAILBOT_STORAGE__CONNECT_TIMEOUT_SECONDS": "2",
    "MAILBOT_STORAGE__STATEMENT_TIMEOUT_SECONDS": "1",
    "MAILBOT_STORAGE__LOCK_TIMEOUT_SECONDS": "0.5",
}


def bounded(url: str, settings: dict[str, str], clock: FixedClock) -> App:
    """The application on `url` as configured, with short database timeouts."""
    config = load_config(environ={**settings, "MAILBOT_STORAGE__URL": url})
    return bootstrap(config, transport=RecordingTransport(), clock=clock)


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, str]:
    """The short timeouts, with the outbox in a temporary folder and the scheduler off."""
    return {
        **TIMEOUTS,
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(tmp_path / "outbox"),
        "MAILBOT_SCHEDULER__ENABLED": "false",
    }


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: bytes) -> str:
    path = tmp_path / "mailbot.db"
    path.write_bytes(sqlite_template)
    return f"sqlite:///{path}"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never says a word, as
    a stopped (SIGSTOP) PostgreSQL does."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        yield int(listening.getsockname()[1])


def test_a_connection_to_a_server_that_never_answers_fails_within_the_connect_timeout(
    silent_server: int,
) -> None:
    """PostgreSQL's connection (and login) is bounded by connect_timeout."""
    engine = make_engine(
        f"postgresql+psycopg://mailbot@127.0.0.1:{silent_server}/mailbot", Timeouts(connect=2)
    )
    started = time.monotonic()
    with pytest.raises(DBAPIError, match="timeout"), engine.connect():
        pass
    elapsed = time.monotonic() - started
    engine.dispose()
    assert 1.5 <= elapsed < 4


def test_mailbot_status_gives_up_on_a_silent_server_within_the_connect_timeout(
    silent_server: int,
) -> None:
    """`mailbot status` against the silent server: exit 4 naming storage.url, in seconds."""
    url = f"postgresql+psycopg://mailbot@127.0.0.1:{silent_server}/mailbot"
    runner = CliRunner(
        env={"MAILBOT_CONFIG": "", "MAILBOT_STORAGE__URL": url, **TIMEOUTS},
    )
    started = time.monotonic()
    result = runner.invoke(main, ["status"], catch_exceptions=False)
    assert time.monotonic() - started < 5
    assert result.exit_code == 4, result.output
    assert "(storage.url)" in result.output


@pytest.mark.postgres
def test_a_statement_blocked_by_a_lock_fails_within_the_lock_timeout(
    postgres_url: str, settings: dict[str, str], clock: FixedClock
) -> None:
    """Another session holds the outbox table locked: the sender's pass fails with the
    database's error after lock_timeout_seconds, it does not wait for ever; the lock gone,
    the next pass works."""
    app = bounded(postgres_url, settings, clock)
    holder = create_engine(postgres_url)
    try:
        with holder.connect() as locking:
            locking.execute(text("LOCK TABLE outbound_messages IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            with pytest.raises(DBAPIError, match="lock timeout"):
                app.sender.run_once()
            elapsed = time.monotonic() - started
            locking.rollback()
        assert 0.4 <= elapsed < 2
        assert app.sender.run_once() == 0
    finally:
        holder.dispose()
        app.close()


@pytest.mark.postgres
def test_a_statement_that_runs_too_long_is_cancelled_after_the_statement_timeout(
    postgres_url: str, settings: dict[str, str], clock: FixedClock
) -> None:
    """A statement still running after statement_timeout_seconds is cancelled by the server."""
    app = bounded(postgres_url, settings, clock)
    try:
        started = time.monotonic()
        with (
            app.engine.connect() as connection,
            pytest.raises(DBAPIError, match="statement timeout"),
        ):
            connection.execute(text("SELECT pg_sleep(30)"))
        assert 0.9 <= time.monotonic() - started < 3
    finally:
        app.close()


def test_a_write_blocked_by_another_sqlite_writer_fails_within_the_busy_timeout(
    sqlite_url: str, settings: dict[str, str], clock: FixedClock
) -> None:
    """SQLite: another connection holds the write lock; storing a message gives up after
    lock_timeout_seconds (the busy timeout) with "database is locked", and works once the
    lock is released."""
    app = bounded(sqlite_url, settings, clock)
    path = sqlite_url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(DBAPIError, match="database is locked"):
            app.store(mail(sender="buying@fleetparts.example", body="BPW-0310 x 1"), "smtp")
        elapsed = time.monotonic() - started
        writer.execute("ROLLBACK")
        assert 0.4 <= elapsed < 2
        assert app.store(mail(sender="buying@fleetparts.example", body="BPW-0310 x 1"), "smtp").id
    finally:
        writer.close()
        app.close()
