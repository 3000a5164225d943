"""The in-memory request budget: a bucket per key, refilled over a minute, forgotten when full."""

from __future__ import annotations

from mailbot.http.rate_limit import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_its_budget_then_waits_until_one_request_has_refilled() -> None:
    clock = Clock()
    limit = RateLimit(3, clock)
    assert [limit.wait("key") for _ in range(3)] == [0, 0, 0]
    assert limit.wait("key") == 20  # 3 a minute: one every 20 seconds
    assert limit.wait("other") == 0
    clock.now += 20
    assert limit.wait("key") == 0
    assert limit.wait("key") == 20


def test_buckets_of_keys_gone_quiet_are_dropped_so_the_table_does_not_grow() -> None:
    clock = Clock()
    limit = RateLimit(6, clock)
    for n in range(1000):  # the sign-in form, sprayed with a new address each time
        limit.wait(f"caller{n}@example.com")
    assert len(limit) == 1000
    clock.now += 59
    limit.wait("recent")
    assert len(limit) == 1001  # none of them is full again yet
    clock.now += 2
    limit.wait("late")
    assert len(limit) == 2  # after a whole refill only the last minute's callers are kept
    assert [limit.wait("recent") for _ in range(5)] == [0, 0, 0, 0, 0]
    assert limit.wait("recent") > 0  # a kept bucket still counts what it was given
