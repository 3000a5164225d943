"""Heartbeats of `mailbot run`'s parts, written where `mailbot status` reads them.

Each part says it is alive in memory whenever its loop comes round (`Part.beat`), which costs
nothing; one thread writes what the parts said to the `service_parts` table every
`WRITE_SECONDS`, in one short transaction, never once per message. A part whose last sign of
life is older than its `stale_after` has stopped working while its instance goes on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mailbot.clock import Clock
from mailbot.storage.service_parts import ServicePart
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.heartbeats")

WRITE_SECONDS = 5.0
# A part may stay silent for three of its own intervals, and never less than this, before it
# counts as stale: a processor pass over a batch of large messages, a slow SMTP relay or a
# reconnection to the IMAP server may each take a while.
MIN_STALE_SECONDS = 120


def stale_bound(interval: float) -> int:
    """Seconds a part that comes round every `interval` seconds may stay silent."""
    return max(MIN_STALE_SECONDS, int(3 * interval + 2 * WRITE_SECONDS))


def this_instance() -> str:
    """This process, as `mailbot status` names it: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Pulse(Protocol):
    """What a part's own loop calls to say it is alive, or did its work (see `Part`)."""

    def beat(self, detail: str | None = None) -> None: ...

    def worked(self, detail: str | None = None) -> None: ...


class Unwatched:
    """The pulse of a part nobody watches (outside `mailbot run`, in tests)."""

    def beat(self, detail: str | None = None) -> None:
        pass

    def worked(self, detail: str | None = None) -> None:
        pass


@dataclass
class Part:
    """One part's sign of life, as its own thread last gave it.

    `probe`, when set, is asked by the writer instead (the listener: does its event loop still
    answer?).
    """

    name: str
    detail: str
    stale_after: int
    probe: Callable[[], bool] | None = None
    last_seen: datetime | None = None
    worked_at: datetime | None = None
    _clock: Clock | None = field(default=None, repr=False)

    def beat(self, detail: str | None = None) -> None:
        """Say the part is alive now, with what it is doing when that changed."""
        assert self._clock is not None
        self.last_seen = self._clock.now()
        if detail is not None:
            self.detail = detail

    def worked(self, detail: str | None = None) -> None:
        """Say the part did its work just now (and so is alive)."""
        self.beat(detail)
        self.worked_at = self.last_seen


class Heartbeats:
    """The parts of this instance and the thread that writes their heartbeats."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        instance: str | None = None,
        every: float = WRITE_SECONDS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.instance = instance or this_instance()
        self._every = every
        self._parts: list[Part] = []
        self._started_at = clock.now()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def part(
        self,
        name: str,
        *,
        interval: float,
        detail: str = "",
        probe: Callable[[], bool] | None = None,
    ) -> Part:
        """Register a part that comes round at least every `interval` seconds."""
        part = Part(name, detail, stale_bound(interval), probe, _clock=self._clock)
        part.beat()  # it starts now
        self._parts.append(part)
        return part

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(self._parts)

    def start(self) -> None:
        """Clear the rows this host's earlier instances left, write once, then every few s."""
        self._forget_earlier()
        self.write()
        self._thread = threading.Thread(target=self._run, name="mailbot-heartbeats", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop writing and record that this instance stopped cleanly."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        self.write(stopped=True)

    def write(self, *, stopped: bool = False) -> None:
        """Write every part's latest heartbeat in one transaction; a failure is logged only."""
        now = self._clock.now()
        for part in self._parts:
            if part.probe is not None and part.probe():
                part.beat()
        try:
            with self._uow() as uow:
                for part in self._parts:
                    uow.service_parts.record(
                        ServicePart(
                            name=part.name,
                            instance=self.instance,
                            started_at=self._started_at,
                            last_seen_at=part.last_seen,
                            worked_at=part.worked_at,
                            stale_after=part.stale_after,
                            detail=part.detail,
                            stopped_at=now if stopped else None,
                        )
                    )
                uow.commit()
        except Exception as error:
            if not self._failing:
                log.warning("cannot record the parts' heartbeats: %s", error)
            self._failing = True
            return
        if self._failing:
            log.info("heartbeats recorded again")
        self._failing = False

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.write()

    def _forget_earlier(self) -> None:
        """Drop the rows of earlier instances on this host: stopped, no longer running, or
        silent past their bound. Other hosts' instances are theirs to clear."""
        host = self.instance.rpartition(":")[0]
        now = self._clock.now()
        try:
            with self._uow() as uow:
                gone = {
                    row.instance
                    for row in uow.service_parts.all()
                    if row.instance.rpartition(":")[0] == host
                    and row.instance != self.instance
                    and (
                        row.stopped_at is not None
                        or not _running(row.instance)
                        or row.last_seen_at is None
                        or (now - row.last_seen_at).total_seconds() > row.stale_after
                    )
                }
                uow.service_parts.forget(sorted(gone))
                uow.commit()
        except Exception as error:
            log.warning("cannot clear earlier heartbeats: %s", error)


def _running(instance: str) -> bool:
    """Whether the process of an instance of this host still exists."""
    pid = instance.rpartition(":")[2]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
