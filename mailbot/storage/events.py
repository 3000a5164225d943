"""The events table: the transactional outbox services write to, and what the publisher and
`mailbot events` read from it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.orm import Session

from mailbot.domain.events import VERSIONS, Envelope, EventType
from mailbot.storage.models import Event

# The key of PostgreSQL's advisory lock that one publisher at a time holds for a batch.
PUBLISHER_LOCK = 0x6D61_696C_6576  # "mailev"


class Events:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, kind: EventType, aggregate_id: str | int, payload: Mapping[str, object], now: datetime
    ) -> None:
        """Write an event of `kind` about the aggregate `aggregate_id` into this transaction:
        it is published once the transaction commits, and never if it rolls back."""
        self.session.add(
            Event(
                message_id=str(uuid.uuid4()),
                type=kind.value,
                version=VERSIONS[kind],
                aggregate_type=kind.aggregate.value,
                aggregate_id=str(aggregate_id),
                payload=dict(payload),
                occurred_at=now,
            )
        )

    def get(self, event_id: int) -> Event | None:
        return self.session.get(Event, event_id)

    def listed(
        self,
        *,
        pending: bool = False,
        kind: str | None = None,
        order: str | None = None,
        price_list: int | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> Sequence[Event]:
        """Events oldest first: only unpublished ones (`pending`), of one type, of one order
        or price list version, that happened at `since` or after; the newest `limit` of them."""
        query = select(Event)
        if pending:
            query = query.where(Event.published_at.is_(None))
        if kind is not None:
            query = query.where(Event.type == kind)
        if order is not None:
            query = query.where(Event.aggregate_type == "order", Event.aggregate_id == order)
        if price_list is not None:
            query = query.where(
                Event.aggregate_type == "price_list", Event.aggregate_id == str(price_list)
            )
        if since is not None:
            query = query.where(Event.occurred_at >= since)
        if limit is not None:
            newest = query.order_by(Event.id.desc()).limit(limit).subquery()
            query = select(Event).join(newest, Event.id == newest.c.id)
        return self.session.scalars(query.order_by(Event.id)).all()

    def pending_count(self) -> int:
        query = select(func.count()).select_from(Event).where(Event.published_at.is_(None))
        return self.session.scalar(query) or 0

    def take_publisher_lock(self) -> bool:
        """Whether this transaction may publish: on PostgreSQL, it holds the advisory lock
        that one instance at a time holds until its transaction ends (so two instances never
        send one event at once, and one order's events leave in order); SQLite has one writer."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        query = text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=PUBLISHER_LOCK)
        return bool(self.session.scalar(query))

    def lock_lasts_the_transaction(self) -> bool:
        """Whether `take_publisher_lock` holds until this transaction ends (PostgreSQL): the
        publisher keeps it open while the broker confirms, so no other instance publishes."""
        return self.session.get_bind().dialect.name == "postgresql"

    def claim(self, limit: int) -> list[Envelope]:
        """The oldest `limit` unpublished events as envelopes, each given its aggregate's next
        sequence number the first time (kept, so a republished event keeps its number)."""
        events = self.session.scalars(
            select(Event).where(Event.published_at.is_(None)).order_by(Event.id).limit(limit)
        ).all()
        fresh = [event for event in events if event.sequence is None]
        if fresh:
            keys = {(event.aggregate_type, event.aggregate_id) for event in fresh}
            last = self._last_sequences(keys)
            for event in fresh:
                key = (event.aggregate_type, event.aggregate_id)
                last[key] = event.sequence = last.get(key, 0) + 1
            self.session.flush()
        return [envelope(event) for event in events]

    def _last_sequences(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        pair = tuple_(Event.aggregate_type, Event.aggregate_id)
        query = (
            select(Event.aggregate_type, Event.aggregate_id, func.max(Event.sequence))
            .where(pair.in_(sorted(keys)), Event.sequence.is_not(None))
            .group_by(Event.aggregate_type, Event.aggregate_id)
        )
        return {(kind, key): last for kind, key, last in self.session.execute(query) if last}

    def republish(self, since: datetime) -> int:
        """Put every event that happened at `since` or after back in the queue, with its
        message_id and sequence: the publisher sends them again. How many."""
        done = self.session.execute(
            update(Event)
            .where(Event.occurred_at >= since, Event.published_at.is_not(None))
            .values(published_at=None)
        )
        return int(getattr(done, "rowcount", 0))

    def mark_published(self, message_ids: Sequence[str], now: datetime) -> None:
        """The broker confirmed these events."""
        if message_ids:
            self.session.execute(
                update(Event)
                .where(Event.message_id.in_(message_ids), Event.published_at.is_(None))
                .values(published_at=now)
            )


def envelope(event: Event) -> Envelope:
    """The stored event as it is published (its sequence given)."""
    assert event.sequence is not None, "claim gives an event its sequence before it leaves"
    return Envelope(
        message_id=event.message_id,
        type=event.type,
        version=event.version,
        occurred_at=event.occurred_at,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=event.sequence,
        payload=event.payload,
    )
