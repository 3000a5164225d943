"""`mailbot status`: the database, the running service's parts by their heartbeats, what
waits, and an exit code monitoring can act on (0 healthy, 1 unhealthy, 4 database not ready)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from mailbot.bootstrap import bootstrap
from mailbot.config import Config
from mailbot.demo import seed_demo
from mailbot.outbound.transport import DeliveryError
from mailbot.storage.models import ServicePart
from mailbot.storage.unit_of_work import UnitOfWork
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail
from tests.pipeline import FLEET, ingest
from tests.processes import Service
from tests.servers import free_port, wait_for

HEALTHY, UNHEALTHY, NOT_READY = 0, 1, 4


def status(environ: dict[str, str], *args: str, code: int = HEALTHY) -> Result:
    from mailbot.cli import main

    runner = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    result = runner.invoke(main, ["status", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def report(environ: dict[str, str], code: int = HEALTHY, *args: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(status(environ, "--json", *args, code=code).stdout)
    return loaded


def test_status_of_a_running_service_shows_each_part_with_a_recent_heartbeat(
    environ: dict[str, str], tmp_path: Path
) -> None:
    """Against a real `mailbot run`: listener, processor, sender and scheduler are there, each
    seen within seconds; healthy. Once it stopped cleanly the parts show stopped, still healthy."""
    port = free_port()
    env = {
        **environ,
        "MAILBOT_SMTP_INGRESS__PORT": str(port),
        "MAILBOT_SCHEDULER__ENABLED": "true",
        "MAILBOT_SCHEDULER__TICK_SECONDS": "1",
    }
    service = Service("run", env=env, cwd=tmp_path)
    try:
        service.wait_for_line("mailbot running")
        first = report(environ)
        # The scheduler's first tick comes a second after start; its heartbeat within 5 s more.
        wait_for(lambda: _part(report(environ), "scheduler")["worked_at"] is not None, 30, "a tick")
        running = report(environ)
        text = status(environ).stdout
    finally:
        assert service.stop() == 0
    assert [part["name"] for part in first["service"][0]["parts"]] == [
        "listener", "processor", "sender", "scheduler"
    ]  # fmt: skip
    assert running["healthy"] is True
    assert running["problems"] == []
    (instance,) = running["service"]
    assert instance["stopped_at"] is None
    parts = {part["name"]: part for part in instance["parts"]}
    assert list(parts) == ["listener", "processor", "sender", "scheduler"]
    for part in parts.values():
        assert part["state"] == "ok"
        assert part["silent_seconds"] < 30
        assert part["stale_after_seconds"] >= 120
    assert parts["listener"]["detail"] == f"SMTP on 127.0.0.1:{port}"
    assert parts["sender"]["detail"] == f"folder {tmp_path / 'outbox'}/"
    assert parts["scheduler"]["worked"] == "last tick"
    assert "last tick" in text
    assert running["inbox"] == {"waiting": 0, "quarantined": 0}
    assert running["outbox"] == {"pending": 0, "held": 0, "failed": 0, "failed_recently": 0}
    assert running["database"]["migrated"] is True
    assert "password" not in json.dumps(running["database"])
    assert "status: healthy" in text
    assert "listener   ok" in text

    stopped = report(environ)
    assert stopped["healthy"] is True
    (instance,) = stopped["service"]
    assert instance["stopped_at"] is not None
    assert {part["state"] for part in instance["parts"]} == {"stopped"}


def test_a_silent_part_while_the_others_beat_is_unhealthy(
    environ: dict[str, str], engine: Engine
) -> None:
    """A processor silent past its bound beside a listener seen just now: exit 1, named."""
    now = datetime.now(UTC)
    with UnitOfWork(engine) as uow:
        for name, seen in (("listener", now), ("processor", now - timedelta(seconds=600))):
            uow.service_parts.record(
                ServicePart(
                    name=name,
                    instance="other-host:4242",
                    started_at=now - timedelta(hours=1),
                    last_seen_at=seen,
                    worked_at=None,
                    stale_after=120,
                    detail="",
                    stopped_at=None,
                )
            )
        uow.commit()
    found = report(environ, UNHEALTHY)
    states = {part["name"]: part["state"] for part in found["service"][0]["parts"]}
    assert states == {"listener": "ok", "processor": "stale"}
    (problem,) = found["problems"]
    assert problem.startswith("processor of other-host:4242 silent for ")
    assert "(bound 120 s)" in problem
    assert "problem: processor of other-host:4242" in status(environ, code=UNHEALTHY).stdout


def _part(found: dict[str, Any], name: str) -> dict[str, Any]:
    (instance,) = found["service"]
    part: dict[str, Any] = next(p for p in instance["parts"] if p["name"] == name)
    return part


@pytest.fixture
def failed_mail(config: Config, engine: Engine) -> datetime:
    """A quote the relay refused for good, written two hours ago; returns when."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    transport = RecordingTransport(
        failures=1, error=DeliveryError("550 5.1.1 no such user", permanent=True)
    )
    app = bootstrap(config, engine=engine, transport=transport, clock=FixedClock(now))
    seed_demo(app)
    ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    assert app.sender.run_once() == 0
    return now


def test_failed_outgoing_mail_is_unhealthy(environ: dict[str, str], failed_mail: datetime) -> None:
    """Mail the relay refused, written within --failed-within (24 h by default): exit 1."""
    found = report(environ, UNHEALTHY)
    assert found["outbox"]["failed"] == found["outbox"]["failed_recently"] == 1
    assert found["problems"] == [
        "1 outgoing mail(s) failed in the last 24 h (mailbot outbox list --status failed)"
    ]
    assert found["inbox"] == {"waiting": 0, "quarantined": 0}


def test_failed_mail_older_than_the_window_is_shown_but_healthy(
    environ: dict[str, str], failed_mail: datetime
) -> None:
    """A failure written before --failed-within is counted but no longer unhealthy; 0 counts
    every failure ever."""
    with_window = report(environ, HEALTHY, "--failed-within", "1")
    assert with_window["outbox"]["failed"] == 1
    assert with_window["outbox"]["failed_recently"] == 0
    report(environ, UNHEALTHY, "--failed-within", "0")


def test_a_missing_sqlite_database_is_exit_4_and_not_created(
    environ: dict[str, str], tmp_path: Path
) -> None:
    """A SQLite file that does not exist is reported with its path (exit 4), not made."""
    missing = tmp_path / "elsewhere" / "mailbot.db"
    env = {**environ, "MAILBOT_STORAGE__URL": f"sqlite:///{missing}"}
    result = status(env, code=NOT_READY)
    assert result.stderr == f"mailbot: no database at {missing} (storage.url)\n"
    assert not missing.exists()
    assert not missing.parent.exists()
    unready = report(env, NOT_READY)
    assert unready["healthy"] is False
    assert unready["database"]["path"] == str(missing)


def test_an_unreachable_or_unmigrated_database_is_exit_4(environ: dict[str, str]) -> None:
    """A PostgreSQL server that does not answer, or a database without the schema: exit 4."""
    port = free_port()
    down = {**environ, "MAILBOT_STORAGE__URL": f"postgresql+psycopg://u:pw@127.0.0.1:{port}/x"}
    result = status(down, code=NOT_READY)
    assert result.stderr.startswith(
        f"mailbot: cannot use the database postgresql+psycopg://u:***@127.0.0.1:{port}/x "
        "(storage.url): "
    )
    bare = {**environ, "MAILBOT_STORAGE__URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test"}
    unmigrated = report(bare, NOT_READY)
    assert unmigrated["database"]["reachable"] is True
    assert unmigrated["database"]["migrated"] is False
    assert "mailbot db upgrade" in unmigrated["problems"][0]
