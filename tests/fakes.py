"""Hand-written fakes for mailbot's side effects: the clock, the outgoing transport, DNS."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailbot.outbound.transport import Accepted, DeliveryError
from mailbot.security.resolver import DnsLookupError


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


@dataclass
class Delivery:
    sender: str
    recipients: tuple[str, ...]
    raw: bytes


@dataclass
class RecordingTransport:
    """Keeps what it is given; fails the next `failures` deliveries with `error` first."""

    repeatable = False

    delivered: list[Delivery] = field(default_factory=list)
    failures: int = 0
    error: DeliveryError = field(
        default_factory=lambda: DeliveryError("421 try later", permanent=False)
    )
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(
        self, sender: str, recipients: Sequence[str], raw: bytes, accepted: Accepted | None = None
    ) -> None:
        with self._lock:
            self.attempts += 1
            if self.failures:
                self.failures -= 1
                raise self.error
            self.delivered.append(Delivery(sender, tuple(recipients), raw))
        if accepted is not None:
            accepted()


@dataclass
class FixedTxtResolver:
    """DNS with fixed TXT records; a name in `failing` times out (a lookup that may pass)."""

    records: dict[str, bytes] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    def txt(self, name: str) -> bytes | None:
        self.asked.append(name)
        if name in self.failing:
            raise DnsLookupError(f"DNS lookup of {name} failed: timed out")
        return self.records.get(name)
