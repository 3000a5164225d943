"""The SMTP benchmark's processor: a backlog of order mail, mailbot's processor draining it in a
thread of the listener's process (as `mailbot run` does), and SQLite's write lock timed.

On SQLite every transaction begins with BEGIN IMMEDIATE, so while the processor's batch is
open the listener's store commit, and the 250 after it, waits. `LockTimes` times, from
SQLAlchemy's engine events, how long each transaction waited for the lock and how long it held
it; the processor's thread is told from the listener's store threads by its name.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from corpus import Corpus, bench_clients
from ingest_pipeline import environment, prepare
from sqlalchemy import Engine, event, func, select

from mailbot.bootstrap import App
from mailbot.domain.mail import InboundStatus
from mailbot.storage.models import InboundMessage

SEED = 1
STORE_BATCH = 100  # backlog messages per transaction while filling the inbox
PROCESSOR_THREAD = "mailbot-processor"  # the name `mailbot run` gives its processor thread
FIRST_PASS_SECONDS = 120.0  # the longest the first pass may take before the clients start


def backlog_app(folder: Path, messages: int) -> tuple[App, list[int]]:
    """A fresh SQLite database with the demo data, the ingest benchmark's clients and
    `messages` of its order mails stored, not processed; the app and the stored ids."""
    # Enough clients that none passes the reply limit (20 an hour) with the ingest corpus.
    clients = bench_clients(max(200, -(-messages // 10)))
    app = prepare(environment(f"sqlite:///{folder / 'mailbot.db'}", folder), clients)
    raws = [sample.raw for sample in Corpus(SEED, clients).messages(messages)]
    ids = []
    for start in range(0, len(raws), STORE_BATCH):
        ids += [stored.id for stored in app.store_many(raws[start : start + STORE_BATCH], "smtp")]
    return app, ids


class Processing:
    """`mailbot run`'s processor loop (runner.py `_process_loop`): `run_once()` until stopped,
    waiting `processing.poll_seconds` when nothing was claimed, in a thread of this process."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._stopping = threading.Event()
        self._passed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=PROCESSOR_THREAD)
        self.handled = 0
        self.failures: list[str] = []
        self.idle_at: float | None = None  # time.time() of the first pass that found no work

    def __enter__(self) -> Processing:
        """Start, and return once the first pass is done (its batch is under way from then)."""
        self._thread.start()
        if not self._passed.wait(FIRST_PASS_SECONDS):
            self.__exit__()
            raise RuntimeError(f"the processor's first pass took over {FIRST_PASS_SECONDS} s")
        return self

    def __exit__(self, *_: object) -> None:
        """Stop after the pass in hand, as `mailbot run` stops."""
        self._stopping.set()
        self._thread.join()

    def _loop(self) -> None:
        poll = self._app.config.processing.poll_seconds
        while not self._stopping.is_set():
            try:
                handled = self._app.processor.run_once()
            except Exception as error:  # mailbot run logs it and goes on; the check reports it
                self.failures.append(repr(error))
                handled = 0
            self.handled += handled
            self._passed.set()
            if not handled:
                if self.idle_at is None:
                    self.idle_at = time.time()
                self._stopping.wait(poll)


@dataclass(frozen=True, slots=True)
class Spread:
    """Milliseconds: the median, the 99th percentile and the largest of some durations."""

    count: int
    median: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        if not seconds:
            return cls(0, 0.0, 0.0, 0.0)
        ordered = sorted(seconds)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return cls(
            len(ordered), *(1000 * s for s in (statistics.median(ordered), p99, ordered[-1]))
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "count": self.count,
            "median_ms": self.median,
            "p99_ms": self.p99,
            "max_ms": self.max,
        }


@dataclass(frozen=True, slots=True)
class Locks:
    """SQLite's write lock during one measured run: how long the listener's stores waited for
    it, and how long the processor's transactions held it."""

    store_waits: Spread
    processor_holds: Spread


class LockTimes:
    """Each transaction's wait for BEGIN IMMEDIATE and its hold until COMMIT or ROLLBACK (the
    commit's own disk flush not counted), by thread, from the engine's events."""

    def __init__(self, engine: Engine) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._waits: list[float] = []
        self._holds: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._ended)
        event.listen(engine, "rollback", self._ended)

    def take(self) -> Locks:
        """The waits and holds since the last call."""
        with self._lock:
            waits, holds, self._waits, self._holds = self._waits, self._holds, [], []
        return Locks(Spread.of(waits), Spread.of(holds))

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            self._local.asked = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            self._local.taken = now = time.perf_counter()
            if not _in_processor():
                with self._lock:
                    self._waits.append(now - self._local.asked)

    def _ended(self, _conn: Any) -> None:
        taken = getattr(self._local, "taken", None)
        self._local.taken = None
        if taken is not None and _in_processor():
            with self._lock:
                self._holds.append(time.perf_counter() - taken)


def _in_processor() -> bool:
    return threading.current_thread().name == PROCESSOR_THREAD


def finished_between(app: App, ids: Sequence[int], start: datetime, end: datetime) -> int:
    """How many of the messages `ids` were processed from `start` to `end` (app clock)."""
    with app.uow() as uow:
        query = select(func.count(InboundMessage.id)).where(
            InboundMessage.id.in_(ids),
            InboundMessage.processed_at >= start,
            InboundMessage.processed_at <= end,
        )
        return uow.session.scalar(query) or 0


def check_backlog(app: App, ids: Sequence[int], failures: Sequence[str]) -> list[str]:
    """After the processor has drained the inbox: every backlog message processed (none
    left `stored`, none given up on), and no processor pass failed ([] when so)."""
    with app.uow() as uow:
        query = (
            select(InboundMessage.status, func.count(InboundMessage.id))
            .where(InboundMessage.id.in_(ids))
            .group_by(InboundMessage.status)
        )
        statuses: dict[str, int] = dict(uow.session.execute(query).all())
    problems = []
    done = statuses.pop(InboundStatus.PROCESSED, 0)
    if done != len(ids) or statuses:
        others = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
        problems.append(f"{done} of {len(ids)} backlog messages processed; {others}")
    if failures:
        problems.append(f"{len(failures)} processor passes failed, e.g. {failures[0]}")
    return problems
