"""Group commit: messages that arrive while a store is committing are committed together next.

Each SMTP connection waits for its own message's commit before it answers 250. Committing
one transaction per message makes every connection pay for a disk flush of its own; here
the first caller commits whatever is waiting, and the callers that arrive meanwhile wait and
are committed together in the next transaction, one flush for all of them. A single client
waits no longer than before: with nothing else waiting, its batch is just its own message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mailbot.services.inbox.storing import Stored

log = logging.getLogger(__name__)

StoreMany = Callable[[Sequence[bytes]], Sequence[Stored]]
"""Commits several raw messages in one transaction, all or nothing; a result for each."""


@dataclass(eq=False)
class _Waiting:
    raw: bytes
    done: bool = False
    result: Stored | None = None
    error: BaseException | None = field(default=None, repr=False)


class GroupCommit:
    """A store for one message at a time, from many threads, committing them in groups."""

    def __init__(self, store_many: StoreMany) -> None:
        self._store_many = store_many
        self._waiting: list[_Waiting] = []
        self._committing = False
        self._changed = threading.Condition()

    @property
    def waiting(self) -> int:
        """How many messages wait for the commit under way to end."""
        with self._changed:
            return len(self._waiting)

    def __call__(self, raw: bytes) -> Stored:
        """Commit `raw` (with whatever else is waiting); raises what its commit raised."""
        mine = _Waiting(raw)
        with self._changed:
            self._waiting.append(mine)
            self._changed.wait_for(lambda: mine.done or not self._committing)
            group: list[_Waiting] = []
            if not mine.done:
                # Nobody is committing and this message still waits: commit the whole group.
                self._committing = True
                group, self._waiting = self._waiting, []
        if group:
            try:
                self._commit(group)
            finally:
                with self._changed:
                    for waiting in group:
                        if not waiting.done:  # only when interrupted by a BaseException
                            waiting.error = RuntimeError("the group commit was interrupted")
                            waiting.done = True
                    self._committing = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None
        return mine.result

    def _commit(self, group: list[_Waiting]) -> None:
        try:
            results = self._store_many([waiting.raw for waiting in group])
        except Exception as error:
            if len(group) == 1:
                group[0].error = error
            else:
                # One message the database refuses must not fail the others: each on its own.
                log.warning(
                    "storing %d messages together failed (%s); one by one", len(group), error
                )
                for waiting in group:
                    self._commit([waiting])
                return
        else:
            for waiting, result in zip(group, results, strict=True):
                waiting.result = result
        for waiting in group:
            waiting.done = True
