"""The events table: the transactional outbox services write to, and what the publisher and
`mailbot events` read from it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

from mailbot.domain.events import VERSIONS, Envelope, EventType
from mailbot.storage.driver_sql import on_postgresql
from mailbot.storage.later_writes import LATER
from mailbot.storage.models import Base, Event
from mailbot.storage.types import UTCDateTime

# The columns of an event that it is published with.
_CLAIMED = ("id", "message_id", "type", "version", "occurred_at", "aggregate_type",
            "aggregate_id", "sequence", "payload")  # fmt: skip

# Writing an event: a prebuilt INSERT (on PostgreSQL it waits for the next statement,
# storage/later_writes.py). Events are written on every change and
# never read back in the transaction that writes them, so they skip the ORM's unit of work.
_EVENTS = Base.metadata.tables[Event.__tablename__]
_RECORD = insert(_EVENTS).inline().execution_options(**LATER)

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
        self.session.execute(
            _RECORD,
            {
                "message_id": str(uuid.uuid4()),
                "type": kind.value,
                "version": VERSIONS[kind],
                "aggregate_type": kind.aggregate.value,
                "aggregate_id": str(aggregate_id),
                "payload": dict(payload),
                "occurred_at": now,
            },
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
        send one event at once, and one order's events leave in order); SQLite has one writer.

        On PostgreSQL the transaction's commit also does not wait for its WAL to reach the
        disk (`synchronous_commit` off, for this transaction only): what a crash of the
        server can lose is the last few such commits, always the newest ones, and their
        events are then simply claimed and sent again with the same ids and sequences, which
        at-least-once delivery allows. Services' own transactions keep waiting."""
        if not on_postgresql(self.session):
            return True
        query = text(
            "SELECT pg_try_advisory_xact_lock(:key), set_config('synchronous_commit', 'off', true)"
        ).bindparams(key=PUBLISHER_LOCK)
        locked, _ = self.session.execute(query).one()
        return bool(locked)

    def lock_lasts_the_transaction(self) -> bool:
        """Whether `take_publisher_lock` holds until this transaction ends (PostgreSQL): the
        publisher keeps it open while the broker confirms, so no other instance publishes."""
        return on_postgresql(self.session)

    def claim(self, limit: int) -> list[tuple[int, Envelope]]:
        """The oldest `limit` unpublished events as envelopes beside their ids, each given its
        aggregate's next sequence number the first time, which is kept (so a republished event
        keeps its number). Read as rows, not objects.

        SQLite writes the numbers at once (its claim is committed before publishing); on
        PostgreSQL `mark_published` writes them with the mark, in the claim's one
        transaction, so each event's row is rewritten once. Nothing is lost by that: an
        event the transaction does not mark gets its number again at its next claim, the
        same one, since numbers follow the ids and the events marked are the oldest."""
        table = Event.metadata.tables[Event.__tablename__]
        rows = self.session.execute(
            select(*(table.c[name] for name in _CLAIMED))
            .where(table.c.published_at.is_(None))
            .order_by(table.c.id)
            .limit(limit)
        ).all()
        fresh = [row for row in rows if row.sequence is None]
        given: dict[int, int] = {}
        if fresh:
            last = self._last_sequences({(row.aggregate_type, row.aggregate_id) for row in fresh})
            for row in fresh:
                key = (row.aggregate_type, row.aggregate_id)
                last[key] = given[row.id] = last.get(key, 0) + 1
            if not on_postgresql(self.session):
                numbered = update(table).where(table.c.id == bindparam("event_id"))
                self.session.execute(
                    numbered.values(sequence=bindparam("given")),
                    [{"event_id": key, "given": number} for key, number in given.items()],
                )
        return [
            (
                row.id,
                Envelope(
                    message_id=row.message_id,
                    type=row.type,
                    version=row.version,
                    occurred_at=row.occurred_at,
                    aggregate_type=row.aggregate_type,
                    aggregate_id=row.aggregate_id,
                    sequence=row.sequence or given[row.id],
                    payload=row.payload,
                ),
            )
            for row in rows
        ]

    def _last_sequences(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Each aggregate's highest sequence so far. On PostgreSQL one prepared statement, an
        index step per aggregate (its last entry in `ix_events_numbered`), not a scan of its
        events, whatever the statistics of a table just filled say."""
        ordered = sorted(keys)
        if on_postgresql(self.session):
            params = {"kinds": [kind for kind, _ in ordered], "ids": [key for _, key in ordered]}
            found = self.session.execute(_LAST_SEQUENCES, params).all()
        else:
            pair = tuple_(Event.aggregate_type, Event.aggregate_id)
            query = (
                select(Event.aggregate_type, Event.aggregate_id, func.max(Event.sequence))
                .where(pair.in_(ordered), Event.sequence.is_not(None))
                .group_by(Event.aggregate_type, Event.aggregate_id)
            )
            found = self.session.execute(query).all()
        return {(str(row[0]), str(row[1])): int(row[2]) for row in found if row[2]}

    def republish(self, since: datetime) -> int:
        """Put every event that happened at `since` or after back in the queue, with its
        message_id and sequence: the publisher sends them again. How many."""
        done = self.session.execute(
            update(Event)
            .where(Event.occurred_at >= since, Event.published_at.is_not(None))
            .values(published_at=None)
        )
        return int(getattr(done, "rowcount", 0))

    def mark_published(self, events: Sequence[tuple[int, int]], now: datetime) -> None:
        """The broker confirmed these events, given as (id, sequence): one statement by
        primary key, which on PostgreSQL also writes the sequences (see `claim`)."""
        if not events:
            return
        if on_postgresql(self.session):
            self.session.execute(
                _MARK_AND_NUMBER,
                {"ids": [e for e, _ in events], "numbers": [n for _, n in events], "now": now},
            )
            return
        self.session.execute(
            update(Event)
            .where(Event.id.in_([event_id for event_id, _ in events]))
            .where(Event.published_at.is_(None))
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )


_LAST_SEQUENCES = text(
    "SELECT wanted.kind, wanted.id, (SELECT events.sequence FROM events "
    "WHERE events.aggregate_type = wanted.kind AND events.aggregate_id = wanted.id "
    "AND events.sequence IS NOT NULL ORDER BY events.sequence DESC LIMIT 1) "
    "FROM unnest(CAST(:kinds AS varchar[]), CAST(:ids AS varchar[])) AS wanted(kind, id)"
)
_MARK_AND_NUMBER = text(
    "UPDATE events SET published_at = :now, sequence = marked.number "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:numbers AS integer[])) AS marked(id, number) "
    "WHERE events.id = marked.id AND events.published_at IS NULL"
).bindparams(bindparam("now", type_=UTCDateTime()))


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
