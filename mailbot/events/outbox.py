"""The database side of publishing: claim a batch of pending events, and mark the ones the
broker confirmed. The publisher (publisher.py) calls these from one thread of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field

from mailbot.clock import Clock
from mailbot.domain.events import Envelope
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass
class Claimed:
    """A batch of events claimed for publishing, and the transaction that holds the claim."""

    envelopes: list[Envelope]
    unit: UnitOfWork
    _stack: ExitStack = field(repr=False)
    ids: dict[str, int] = field(default_factory=dict, repr=False)  # by message_id


class Outbox:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def claim(self, limit: int) -> Claimed | None:
        """The oldest `limit` pending events, each with its sequence; None while another
        instance is publishing. On PostgreSQL the claim's transaction (and with it the
        publisher lock) stays open until `settle`; SQLite's is committed at once, since it
        would hold SQLite's one write lock while the broker confirms."""
        stack = ExitStack()
        unit = stack.enter_context(self._uow())
        try:
            if not unit.events.take_publisher_lock():
                stack.close()
                return None
            claimed = unit.events.claim(limit)
            if not unit.events.lock_lasts_the_transaction():
                unit.commit()
        except BaseException:
            stack.close()
            raise
        envelopes = [envelope for _, envelope in claimed]
        ids = {envelope.message_id: event_id for event_id, envelope in claimed}
        return Claimed(envelopes, unit, stack, ids)

    def settle(self, claimed: Claimed, confirmed: Sequence[str]) -> None:
        """Mark the events the broker confirmed published, and end the claim."""
        with claimed._stack:
            sequences = {envelope.message_id: envelope.sequence for envelope in claimed.envelopes}
            marked = [(claimed.ids[m], sequences[m]) for m in confirmed]
            claimed.unit.events.mark_published(marked, self._clock.now())
            claimed.unit.commit()

    def pending(self) -> int:
        with self._uow() as unit:
            return unit.events.pending_count()
