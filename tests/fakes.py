"""Hand-written fakes for mailbot's side effects: the clock and the outgoing transport."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailbot.outbound.transport import DeliveryError


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

    delivered: list[Delivery] = field(default_factory=list)
    failures: int = 0
    error: DeliveryError = field(
        default_factory=lambda: DeliveryError("421 try later", permanent=False)
    )
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, sender: str, recipients: Sequence[str], raw: bytes) -> None:
        with self._lock:
            self.attempts += 1
            if self.failures:
                self.failures -= 1
                raise self.error
            self.delivered.append(Delivery(sender, tuple(recipients), raw))
