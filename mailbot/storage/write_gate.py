"""One queue for the writers of one process on SQLite, first come first served.

SQLite lets one writer in at a time. A writer that finds the database locked sleeps in its busy
handler and tries again, and gets in only if one of its tries lands in a gap between two
transactions; the processor begins its next transaction a few milliseconds after each commit,
so while it works through a backlog the listener's store (and the 250 waiting on it) could wait
for half a minute (bench/smtp_ingress.py --while-processing measured 29 s). Writers of the
process therefore queue here before BEGIN IMMEDIATE, and a long batch sees that someone waits
(`waiting`) and commits. Other processes still meet the busy handler.

A thread may hold the gate more than once (a second unit of work inside a first): it enters
again without waiting.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from weakref import WeakKeyDictionary

from sqlalchemy import Engine


class WriteGate:
    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._queue: deque[int] = deque()
        self._tickets = itertools.count()
        self._held = threading.local()

    def enter(self) -> None:
        """Wait for this thread's turn to write (at once if it writes already)."""
        depth: int = getattr(self._held, "depth", 0)
        if depth:
            self._held.depth = depth + 1
            return
        ticket = next(self._tickets)
        with self._turns:
            self._queue.append(ticket)
            self._turns.wait_for(lambda: self._queue[0] == ticket)
        self._held.depth = 1

    def leave(self) -> None:
        """This thread's write is over (committed or rolled back): the next one's turn."""
        depth: int = getattr(self._held, "depth", 0)
        if not depth:
            return
        self._held.depth = depth - 1
        if depth == 1:
            with self._turns:
                self._queue.popleft()
                self._turns.notify_all()

    def waiting(self) -> int:
        """How many writers of this process wait for their turn."""
        with self._turns:
            return max(0, len(self._queue) - 1)


_GATES: WeakKeyDictionary[Engine, WriteGate] = WeakKeyDictionary()


def gate_for(engine: Engine) -> WriteGate:
    """A new gate for `engine`'s writers, kept for `writers_waiting`."""
    gate = _GATES[engine] = WriteGate()
    return gate


def writers_waiting(engine: Engine) -> int:
    """How many writers of this process wait to write to `engine` (0 without a gate)."""
    gate = _GATES.get(engine)
    return 0 if gate is None else gate.waiting()
