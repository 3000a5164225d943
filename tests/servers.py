"""Real servers for tests: an aiosmtpd relay that keeps what it receives, and waiting helpers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on now (the server to start binds it a moment later)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different free ports: each probe stays bound until all are chosen, so the
    system cannot hand out the same port twice."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def wait_for(condition: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    """Return once `condition()` holds; fail the test if it does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes


@dataclass
class Relay:
    """An SMTP server standing in for the company's outgoing relay."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.changed:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
            self.changed.notify_all()
        return "250 OK"

    def wait_for_count(self, count: int, timeout: float = 20) -> list[Received]:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"relay got {len(self.received)} mails, expected {count}")
            return list(self.received)


def start_relay() -> tuple[Relay, Controller]:
    relay = Relay()
    relay.port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port)
    controller.start()
    return relay, controller


@dataclass
class FlakyRelay(Relay):
    """A relay that puts mail off and refuses some: each of the next `answers` (e.g. "451
    4.3.0 try later") answers one RCPT instead of 250, and an address in `refused` gets 550."""

    answers: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such user here"
        if self.answers:
            return self.answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def start_flaky_relay(port: int, relay: FlakyRelay) -> Controller:
    """Serve `relay` on `port` of 127.0.0.1."""
    relay.port = port
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    return controller
