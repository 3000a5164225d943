"""A sender killed (SIGKILL) in the middle of handing a reply to the relay, as an operator or
the kernel's OOM killer would: real `mailbot` processes, a real relay (aiosmtpd) that kills
the sender at a chosen point of the SMTP transaction.

Killed after the relay took the mail but before its 250 was recorded, the reply is sent again
by the next sender once `smtp_outgoing.lease_seconds` pass (not minutes), with the same
Message-ID, and the log says the first attempt was interrupted. Killed at QUIT, the reply is
already recorded sent: the relay's 250 is committed before the connection is closed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.mail import mail
from tests.processes import Service, mailbot_env, run_mailbot
from tests.servers import Relay, free_port

CLIENT = "buying@fleetparts.example"
LEASE = 4


@dataclass
class KillingRelay(Relay):
    """A relay that SIGKILLs the process `victim` when it is told DATA's end (having kept the
    mail) or QUIT, as `kill_at` says; once."""

    kill_at: str = ""
    victim: int | None = None
    killed_at: float = 0.0

    async def _kill(self, point: str) -> None:
        if self.kill_at != point:
            return
        while self.victim is None:  # the test names the process right after starting it
            await asyncio.sleep(0.01)
        os.kill(self.victim, signal.SIGKILL)
        self.killed_at = time.monotonic()
        self.kill_at = ""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        await self._kill("DATA")
        return answer

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await self._kill("QUIT")
        return "221 Bye"


@pytest.fixture
def relay() -> Iterator[KillingRelay]:
    relay = KillingRelay(port=free_port())
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port)
    controller.start()
    yield relay
    controller.stop()


@pytest.fixture
def env(tmp_path: Path, relay: KillingRelay) -> dict[str, str]:
    """A SQLite database with one client, replies through the killing relay."""
    settings = {
        "MAILBOT_STORAGE__URL": f"sqlite:///{tmp_path / 'mailbot.db'}",
        "MAILBOT_SMTP_OUTGOING__HOST": "127.0.0.1",
        "MAILBOT_SMTP_OUTGOING__PORT": str(relay.port),
        "MAILBOT_SMTP_OUTGOING__TIMEOUT_SECONDS": "2",
        "MAILBOT_SMTP_OUTGOING__LEASE_SECONDS": str(LEASE),
        "MAILBOT_SMTP_INGRESS__PORT": "0",
        "MAILBOT_SCHEDULER__ENABLED": "false",
        "MAILBOT_PROCESSING__POLL_SECONDS": "0.2",
    }
    for command in (
        ("db", "upgrade"),
        ("partners", "add", CLIENT, "--role", "client", "--name", "Fleet Parts"),
    ):
        done = run_mailbot(*command, env=settings, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    return settings


def ingest_killed(relay: KillingRelay, env: dict[str, str], cwd: Path, at: str) -> None:
    """`mailbot ingest` of one order mail, its reply's sender killed at `at`."""
    relay.kill_at = at
    message = cwd / "order.eml"
    message.write_bytes(mail(sender=CLIENT, body="Please send 5 of something"))
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "ingest", str(message)],
        env=mailbot_env(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    relay.victim = process.pid
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL


def reply_record(env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = run_mailbot("outbox", "show", "1", "--json", env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    record: dict[str, Any] = json.loads(done.stdout)
    return record


def test_killed_before_recording_the_250_the_reply_goes_again_after_the_lease(
    relay: KillingRelay, env: dict[str, str], tmp_path: Path
) -> None:
    """The relay has the reply, the sender died before recording it: the reply is pending
    with its interrupted attempt; `mailbot run` sends it again after the lease, the same
    bytes and Message-ID, and says so."""
    ingest_killed(relay, env, tmp_path, "DATA")
    (first,) = relay.received
    interrupted = reply_record(env, tmp_path)
    assert (interrupted["status"], interrupted["attempts"]) == ("pending", 1)
    assert interrupted["sending_since"]
    service = Service("run", env=env, cwd=tmp_path)
    try:
        second = relay.wait_for_count(2, timeout=LEASE + 20)[1]
        waited = time.monotonic() - relay.killed_at
        service.wait_for_line("was interrupted")
    finally:
        assert service.stop() == 0
    assert second.raw == first.raw  # one Message-ID: the client's mail program drops the copy
    assert LEASE - 1 < waited < LEASE + 15
    sent = reply_record(env, tmp_path)
    assert (sent["status"], sent["attempts"], sent["sending_since"]) == ("sent", 2, None)


def test_killed_at_quit_the_reply_is_already_recorded_sent(
    relay: KillingRelay, env: dict[str, str], tmp_path: Path
) -> None:
    """The 250 is committed before QUIT: a sender killed when it says QUIT has recorded the
    reply sent, so nothing will send it again."""
    ingest_killed(relay, env, tmp_path, "QUIT")
    assert len(relay.received) == 1
    sent = reply_record(env, tmp_path)
    assert (sent["status"], sent["attempts"], sent["sending_since"]) == ("sent", 1, None)
