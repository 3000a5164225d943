"""Shared fixtures: databases (SQLite and this machine's PostgreSQL), the app, a clock."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, text

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, load_config
from mailbot.storage.database import make_engine, upgrade
from mailbot.storage.models import Base
from tests.dovecot import certificate, dovecot, dovecots  # noqa: F401 (fixtures)
from tests.events.validation import invalid_events
from tests.fakes import FixedClock, RecordingTransport
from tests.oauth_server import auth_server  # noqa: F401 (fixture)

POSTGRES_ADMIN_URL = os.environ.get(
    "MAILBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to the newest schema."""
    name = f"mailbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a migrated SQLite database, copied for each test (migrating is slow)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with closing(sqlite3.connect(path)) as connection:  # fold the WAL into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: bytes
) -> Iterator[str]:
    """A migrated, empty database URL: each test runs once on SQLite and once on PostgreSQL.
    Every event the test wrote must pass its type's JSON Schema."""
    if request.param == "sqlite":
        path = tmp_path / "mailbot.db"
        path.write_bytes(sqlite_template)
        yield f"sqlite:///{path}"
        _check_events(f"sqlite:///{path}")
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    _check_events(url)
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _check_events(url: str) -> None:
    engine = create_engine(url)
    try:
        invalid = invalid_events(engine)
    finally:
        engine.dispose()
    assert not invalid, "events that fail their schema:\n" + "\n".join(invalid)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def environ(tmp_path: Path, database_url: str) -> dict[str, str]:
    """Environment settings that point mailbot at the test database and a temporary outbox."""
    return {
        "MAILBOT_STORAGE__URL": database_url,
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(tmp_path / "outbox"),
        "MAILBOT_SMTP_INGRESS__PORT": "0",
        "MAILBOT_HTTP__PORT": "0",
        # The scheduler's digest would add mail by time of day; tests that want it turn it on.
        "MAILBOT_SCHEDULER__ENABLED": "false",
    }


@pytest.fixture
def cli(environ: dict[str, str]) -> CliRunner:
    """A command runner whose environment points mailbot at the test database and a temporary
    outbox, with no configuration file."""
    return CliRunner(env={**environ, "MAILBOT_CONFIG": ""})


@pytest.fixture
def config(environ: dict[str, str]) -> Config:
    """The default configuration with the test environment applied."""
    return load_config(environ=environ)


@pytest.fixture
def app(config: Config, engine: Engine, transport: RecordingTransport, clock: FixedClock) -> App:
    return bootstrap(config, engine=engine, transport=transport, clock=clock)
