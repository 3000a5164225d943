"""A request budget per API key (or per anything: an address, an IP): a token bucket refilled
evenly over a minute, in memory (each `mailbot run` instance counts its own requests)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable


class RateLimit:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._size = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: Hashable) -> int:
        """Take one request from the key's bucket: 0 when there was one, else the whole
        seconds to wait before there is (the Retry-After)."""
        with self._lock:
            now = self._clock()
            left, then = self._buckets.get(key, (self._size, now))
            left = min(self._size, left + (now - then) * self._rate)
            if left >= 1:
                self._buckets[key] = (left - 1, now)
                return 0
            self._buckets[key] = (left, now)
            return max(1, math.ceil((1 - left) / self._rate))
