"""The write gate of one process: writers take turns in the order they came, a thread that
writes already enters again at once, and the holder can see who waits."""

from __future__ import annotations

import threading

from mailbot.storage.write_gate import WriteGate
from tests.servers import wait_for

WAIT = 10.0


def test_writers_take_turns_in_the_order_they_came() -> None:
    gate = WriteGate()
    gate.enter()
    order: list[int] = []
    threads = []
    for number in range(5):
        thread = threading.Thread(
            target=lambda n=number: (gate.enter(), order.append(n), gate.leave())
        )
        thread.start()
        threads.append(thread)
        # The next one comes only once this one waits in the queue.
        wait_for(lambda n=number: gate.waiting() == n + 1, WAIT, f"writer {number} queued")
    assert gate.waiting() == 5
    gate.leave()
    for thread in threads:
        thread.join(WAIT)
    assert order == [0, 1, 2, 3, 4]
    assert gate.waiting() == 0


def test_a_writer_enters_again_without_waiting_for_itself() -> None:
    gate = WriteGate()
    gate.enter()
    gate.enter()  # a second unit of work inside the first
    gate.leave()
    other = threading.Thread(target=lambda: (gate.enter(), gate.leave()))
    other.start()
    other.join(0.2)
    assert other.is_alive()  # still held by the outer write
    gate.leave()
    other.join(WAIT)
    assert not other.is_alive()


def test_leaving_without_entering_changes_nothing() -> None:
    gate = WriteGate()
    gate.leave()
    gate.enter()
    assert gate.waiting() == 0
    gate.leave()
