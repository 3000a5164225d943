"""A request budget per API key (or per anything: an address, an IP): a token bucket refilled
evenly over a minute, in memory (each `mailbot run` instance counts its own requests)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable

REFILL_SECONDS = 60.0  # an empty bucket is full again after a minute


class RateLimit:
    """Buckets are kept only while they are refilling: one left alone for a whole refill is
    full again, the same as none, and is dropped at the next sweep. Keys may come from anyone
    (the sign-in form's addresses and IPs), so the table stays as small as the last couple of
    minutes' callers instead of growing with every key ever seen."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._size = float(per_minute)
        self._rate = per_minute / REFILL_SECONDS
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}
        self._swept = clock()
        self._lock = threading.Lock()

    def wait(self, key: Hashable) -> int:
        """Take one request from the key's bucket: 0 when there was one, else the whole
        seconds to wait before there is (the Retry-After)."""
        with self._lock:
            now = self._clock()
            if now - self._swept >= REFILL_SECONDS:
                self._sweep(now)
            left, then = self._buckets.get(key, (self._size, now))
            left = min(self._size, left + (now - then) * self._rate)
            if left >= 1:
                self._buckets[key] = (left - 1, now)
                return 0
            self._buckets[key] = (left, now)
            return max(1, math.ceil((1 - left) / self._rate))

    def __len__(self) -> int:
        """How many keys have a bucket now (full ones not yet swept included)."""
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        """Drop the buckets untouched for a whole refill: they are full."""
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket[1] < REFILL_SECONDS
        }
        self._swept = now
