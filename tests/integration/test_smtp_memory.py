"""Many large messages at once: the listener's memory stays within its bound on bytes in
flight, and goes back down after. The listener runs in a process of its own
(`tests/listener_probe.py`), so that its resident memory is its own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select

from mailbot.storage.models import InboundMessage
from tests.listener_probe import Probe, big_message_size, send_large

MB = 2**20
MESSAGES = 12
SIZE = 4 * MB
BOUND = 12 * MB  # room for three of the messages at once
# What the process may grow by beyond the bytes in flight: the store's own copy, SQLite's
# pages, the threads' stacks. aiosmtpd's own DATA took about 2.3 times each message on top of
# it, with no bound: 12 messages of 4 MB grew this listener by over 100 MB.
SLACK = 24 * MB
DEADLINE = 120.0


@pytest.fixture
def probe(database_url: str) -> Iterator[Probe]:
    listener = Probe(
        database_url,
        f"max_message_bytes={SIZE + MB}",
        f"max_bytes_in_flight={BOUND}",
        f"max_connections_per_client={MESSAGES}",
    )
    yield listener
    assert listener.stop() == 0


def test_large_messages_at_once_stay_within_the_bound_and_none_is_lost(
    probe: Probe, engine: Engine
) -> None:
    """Twelve clients send a 4 MB message each at once to a listener that holds 12 MB in
    flight: some are refused with 451 and send again, as mail servers do, until every one is
    answered 250; each is stored exactly once; the listener's peak grows by no more than the
    bound and some slack, and it is back near its size before once all are stored."""
    answers: list[list[int]] = [[] for _ in range(MESSAGES)]
    began = time.monotonic()

    def client(number: int) -> None:
        # Half announce their size (refused at DATA), half do not (refused after the data).
        while time.monotonic() - began < DEADLINE:
            answers[number].append(send_large(probe.port, number, SIZE, declare=number % 2 == 0))
            if answers[number][-1] != 451:
                return
            time.sleep(0.05)  # a mail server waits minutes before it tries again

    with ThreadPoolExecutor(max_workers=MESSAGES) as clients:
        for done in [clients.submit(client, number) for number in range(MESSAGES)]:
            done.result()
    after = probe.ask()

    assert [tries[-1] for tries in answers] == [250] * MESSAGES
    assert all(set(tries[:-1]) <= {451} for tries in answers)
    assert any(len(tries) > 1 for tries in answers), "the bound was never reached"
    with engine.connect() as connection:
        rows = connection.execute(select(InboundMessage.message_id, InboundMessage.size)).all()
    assert sorted(rows) == sorted(
        (f"large-{number}@fleetparts.example", big_message_size(number, SIZE))
        for number in range(MESSAGES)
    )
    start = probe.first["rss"]
    assert after["in_flight"] == 0
    assert after["peak"] - start <= BOUND + SLACK, f"peak grew {(after['peak'] - start) / MB} MB"
    assert after["rss"] - start <= SLACK, f"{(after['rss'] - start) / MB} MB kept after"
