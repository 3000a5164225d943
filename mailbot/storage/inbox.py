"""The inbox: received messages stored, claimed in batches, loaded, read and settled; and
where each IMAP folder's fetching left off."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import LargeBinary, bindparam, case, func, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert

from mailbot.domain.mail import InboundStatus
from mailbot.storage.driver_sql import on_postgresql
from mailbot.storage.later_writes import LATER
from mailbot.storage.leases import lease_free
from mailbot.storage.models import Base, ImapFolder, InboundMessage

_RAW_SLICE = 2**20  # bytes of a stored message read in one query
# A message read with its batch's records (`Inbox.load`) when no larger: a batch of 20 holds 5 MiB
# at most, and most order mails are a few KiB.
_SMALL = 2**18


@cache
def _insert_new_message(dialect: str) -> ReturningInsert[Any]:
    """INSERT .. ON CONFLICT (sha256) DO NOTHING RETURNING id, built once per dialect.

    On SQLite the row gets a blob of zeros of the message's size (`raw_size`), which
    `Inbox.insert_new` then fills: the sqlite3 module keeps each cached statement's last
    parameters, so a message bound as a parameter would stay in memory, once per pooled
    connection, until that connection inserts the next one.
    """
    table = Base.metadata.tables[InboundMessage.__tablename__]
    if dialect == "sqlite":
        zeros = sqlite_insert(table).values(raw=func.zeroblob(bindparam("raw_size")))
        return zeros.on_conflict_do_nothing(index_elements=["sha256"]).returning(table.c.id)
    return (
        postgresql_insert(table)
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(table.c.id)
    )


# `Inbox.settle`: the columns set are those its parameters name (one compiled form per set).
_INBOUND = Base.metadata.tables[InboundMessage.__tablename__]
_RAW = select(InboundMessage.raw).where(InboundMessage.id == bindparam("message_id"))
_SETTLE = (
    update(_INBOUND).where(_INBOUND.c.id == bindparam("settled_id")).execution_options(**LATER)
)


class Inbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, message_id: int) -> InboundMessage | None:
        return self.session.get(InboundMessage, message_id)

    def load(self, message_ids: Sequence[int]) -> dict[int, tuple[InboundMessage, bytes | None]]:
        """The stored messages with these ids, in one statement, each with its bytes when it
        is small (`_SMALL`; read a larger one with `raw`). The session holds what it loaded
        only while it is referenced: keep the result."""
        small = case((InboundMessage.size <= _SMALL, InboundMessage.raw), else_=None)
        query = select(InboundMessage, type_coerce(small, LargeBinary)).where(
            InboundMessage.id.in_(message_ids)
        )
        loaded: dict[int, tuple[InboundMessage, bytes | None]] = {}
        for message, raw in self.session.execute(query):
            loaded[message.id] = (message, raw)
        return loaded

    def note(self, message: InboundMessage, **values: object) -> None:
        """Show `values` on `message` without marking them changed: `settle` writes them with
        the message's outcome, in its one UPDATE, instead of a flush sending one of its own."""
        for key, value in values.items():
            set_committed_value(message, key, value)

    def settle(self, message: InboundMessage, **values: object) -> None:
        """Write `values` (the outcome of processing `message`) in one prebuilt UPDATE and
        show them on `message` as written: the processor's last statement per message."""
        self.session.execute(_SETTLE, {"settled_id": message.id, **values})
        self.note(message, **values)

    def raw(self, message_id: int) -> bytes:
        """A stored message's bytes. PostgreSQL sends bytea as hex text and libpq holds a whole
        result at once, so reading a 50 MB message in one piece costs several times its size:
        there it is read in slices. SQLite hands a blob over as it is, and would read all of
        it for every slice."""
        if not on_postgresql(self.session):
            raw = self.session.scalar(_RAW, {"message_id": message_id})
            if raw is None:
                raise LookupError(f"no inbound message {message_id}")
            return raw
        where = InboundMessage.id == message_id
        size = self.session.scalar(select(InboundMessage.size).where(where))
        if size is None:
            raise LookupError(f"no inbound message {message_id}")
        pieces = []
        for start in range(1, size + 1, _RAW_SLICE):  # SQL counts from 1
            piece = func.substr(InboundMessage.raw, start, _RAW_SLICE, type_=LargeBinary)
            pieces.append(self.session.scalar(select(piece).where(where)) or b"")
        return b"".join(pieces)

    def id_by_sha256(self, digest: str) -> int | None:
        query = select(InboundMessage.id).where(InboundMessage.sha256 == digest)
        return self.session.scalars(query).one_or_none()

    def insert_new(self, values: dict[str, Any]) -> int | None:
        """Insert a message unless one with its sha256 is stored: the new id, else None.

        One statement, no flush and no look-up first: the store before a 250 is on the hot path.
        """
        dialect = self.session.get_bind().dialect.name
        statement = _insert_new_message(dialect)
        if dialect != "sqlite":
            new_id: int | None = self.session.execute(statement, values).scalar()
            return new_id
        raw: bytes = values["raw"]
        shape = {key: value for key, value in values.items() if key != "raw"}
        new_id = self.session.execute(statement, {**shape, "raw_size": len(raw)}).scalar()
        if new_id is not None and raw:
            # Written into the row's pages directly, in this transaction (id is the rowid).
            connection = self.session.connection().connection.dbapi_connection
            assert isinstance(connection, sqlite3.Connection)
            with connection.blobopen(InboundMessage.__tablename__, "raw", new_id) as blob:
                blob.write(raw)
        return new_id

    def add(self, message: InboundMessage) -> None:
        self.session.add(message)
        self.session.flush()

    def claim(self, message_id: int, now: datetime, lease: timedelta) -> bool:
        """Take the lease on a stored message and count the attempt; False if another took it
        or it is no longer waiting. One conditional UPDATE, so of several workers exactly one
        gets it."""
        result = self.session.execute(
            update(InboundMessage)
            .where(
                InboundMessage.id == message_id,
                InboundMessage.status == InboundStatus.STORED,
                lease_free(InboundMessage, now),
            )
            .values(lease_until=now + lease, attempts=InboundMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def claim_batch(
        self, now: datetime, lease: timedelta, limit: int, *, tried: bool = False
    ) -> list[int]:
        """Take the lease on up to `limit` of the oldest claimable messages never tried (or,
        with `tried`, tried before) and count their attempt, in one statement; their ids.

        On PostgreSQL the candidates are locked with SKIP LOCKED, so workers claiming at the
        same time take different messages instead of waiting for, or losing, the same ones.
        """
        candidates = (
            select(InboundMessage.id)
            .where(InboundMessage.status == InboundStatus.STORED, lease_free(InboundMessage, now))
            .where(InboundMessage.attempts > 0 if tried else InboundMessage.attempts == 0)
            .order_by(InboundMessage.id)
            .limit(limit)
        )
        if on_postgresql(self.session):
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = self.session.scalars(
            update(InboundMessage)
            .where(InboundMessage.id.in_(candidates.scalar_subquery()))
            .values(lease_until=now + lease, attempts=InboundMessage.attempts + 1)
            .returning(InboundMessage.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(claimed)

    def heads(self, message_ids: Iterable[int], size: int = 65536) -> dict[int, bytes]:
        """The first `size` bytes of each message (its header block, as a rule), by id: a
        listing reads who sent what without loading whole messages."""
        wanted = list(message_ids)
        if not wanted:
            return {}
        head = func.substr(InboundMessage.raw, 1, size, type_=LargeBinary)
        query = select(InboundMessage.id, head).where(InboundMessage.id.in_(wanted))
        return {row_id: data or b"" for row_id, data in self.session.execute(query)}

    def with_status(
        self, status: str | None, limit: int = 100, offset: int = 0
    ) -> Sequence[InboundMessage]:
        """The newest messages with `status` (None: any), the first `offset` left out."""
        query = select(InboundMessage).order_by(InboundMessage.id.desc())
        query = query.limit(limit).offset(offset)
        if status:
            query = query.where(InboundMessage.status == status)
        return self.session.scalars(query).all()


class ImapFolders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, host: str, username: str, folder: str) -> ImapFolder | None:
        query = select(ImapFolder).where(
            ImapFolder.host == host, ImapFolder.username == username, ImapFolder.folder == folder
        )
        return self.session.scalars(query).one_or_none()

    def add(self, folder: ImapFolder) -> None:
        self.session.add(folder)
        self.session.flush()
