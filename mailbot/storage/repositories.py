"""Queries by intent, one small repository per aggregate, all on the unit of work's session."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    bindparam,
    case,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert

from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.domain.orders import OPEN as OPEN_ORDER
from mailbot.storage.later_writes import LATER
from mailbot.storage.models import (
    Base,
    ImapFolder,
    InboundMessage,
    LedgerEntry,
    Order,
    OutboundMessage,
    Partner,
    PartnerAddress,
    PriceList,
    SupplierOrder,
)
from mailbot.storage.new_rows import add_written
from mailbot.storage.offers import forget_active_lists

Leased = type[InboundMessage] | type[OutboundMessage]


@dataclass(frozen=True, slots=True)
class DueMail:
    """A claimed mail as the sender hands it over; `interrupted`: when an earlier attempt
    began that never recorded its outcome (the relay may have taken it)."""

    id: int
    sender: str
    recipient: str
    raw: bytes
    kind: str
    message_id: str
    interrupted: datetime | None


_RAW_SLICE = 2**20  # bytes of a stored message read in one query
# A message read with its batch's records (`Inbox.load`) when no larger: a batch of 20 holds 5 MiB
# at most, and most order mails are a few KiB.
_SMALL = 2**18


def _lease_free(model: Leased, now: datetime) -> ColumnElement[bool]:
    return or_(model.lease_until.is_(None), model.lease_until < now)


# Who sent it: asked for every message processed, so built once.
_PARTNER_BY_ADDRESS = (
    select(Partner).join(PartnerAddress).where(PartnerAddress.address == bindparam("address"))
)


class Partners:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_address(self, address: str) -> Partner | None:
        found = self.session.scalars(_PARTNER_BY_ADDRESS, {"address": address.lower()})
        return found.one_or_none()

    def get(self, partner_id: int) -> Partner | None:
        return self.session.get(Partner, partner_id)

    def add(self, partner: Partner) -> None:
        self.session.add(partner)
        self.session.flush()

    def list(self, role: str | None = None) -> Sequence[Partner]:
        query = select(Partner).options(selectinload(Partner.addresses)).order_by(Partner.id)
        if role:
            query = query.where(Partner.role == role)
        return self.session.scalars(query).all()

    def addresses_taken(self, addresses: Iterable[str]) -> Sequence[str]:
        query = select(PartnerAddress.address).where(PartnerAddress.address.in_(list(addresses)))
        return self.session.scalars(query).all()

    def remove_address(self, partner: Partner, address: str) -> None:
        """Take one of the partner's addresses away (it may then be given to another)."""
        for record in list(partner.addresses):
            if record.address == address:
                partner.addresses.remove(record)
        self.session.flush()

    def ties(self, partner_id: int) -> dict[str, int]:
        """How many records hang on the partner through its role and currency: its orders
        (all, and those not finished), ledger entries, price list versions, and the parts of
        orders it supplies."""
        counts = {
            "orders": select(func.count(Order.id)).where(Order.client_id == partner_id),
            "open orders": select(func.count(Order.id)).where(
                Order.client_id == partner_id, Order.status.in_(OPEN_ORDER)
            ),
            "ledger entries": select(func.count(LedgerEntry.id)).where(
                LedgerEntry.partner_id == partner_id
            ),
            "price lists": select(func.count(PriceList.id)).where(
                PriceList.supplier_id == partner_id
            ),
            "supplier orders": select(func.count(SupplierOrder.id)).where(
                SupplierOrder.supplier_id == partner_id
            ),
        }
        return {name: self.session.scalar(query) or 0 for name, query in counts.items()}

    def refresh(self, partner: Partner) -> None:
        """Read the partner's row again (another transaction may have just changed it)."""
        self.session.refresh(partner)

    def contract_ended(self, now: datetime) -> Sequence[int]:
        """The ids of active partners whose contract has ended by `now`."""
        query = select(Partner.id).where(Partner.active, Partner.contract_ends_at <= now)
        return self.session.scalars(query).all()

    def take_active(self, partner_id: int) -> bool:
        """Mark the partner inactive if it still is: one conditional UPDATE, so of two
        instances (or a command and the scheduler) exactly one is told it did."""
        forget_active_lists(self.session)
        result = self.session.execute(
            update(Partner)
            .where(Partner.id == partner_id, Partner.active)
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def take_cutoff_notice(self, partner_id: int, now: datetime) -> bool:
        """Mark a cut-off partner's one notice sent at `now` unless it was: one conditional
        UPDATE, so two messages processed at once get one notice between them."""
        result = self.session.execute(
            update(Partner)
            .where(Partner.id == partner_id, Partner.cutoff_notice_at.is_(None))
            .values(cutoff_notice_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


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
        if self.session.get_bind().dialect.name != "postgresql":
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
                _lease_free(InboundMessage, now),
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
            .where(InboundMessage.status == InboundStatus.STORED, _lease_free(InboundMessage, now))
            .where(InboundMessage.attempts > 0 if tried else InboundMessage.attempts == 0)
            .order_by(InboundMessage.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
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


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session
        # What this unit of work wrote, in order: the processor names the mail written for
        # each message from it instead of reading it back.
        self.added: list[OutboundMessage] = []

    def add(self, message: OutboundMessage) -> None:
        """Write the new mail at once (it then has its id), without the ORM's flush."""
        self.added.append(add_written(self.session, message))

    def get(self, outbound_id: int) -> OutboundMessage | None:
        return self.session.get(OutboundMessage, outbound_id)

    def claim_due(
        self, now: datetime, lease: timedelta, limit: int, max_bytes: int, newest: int
    ) -> list[DueMail]:
        """Take the lease on the oldest due mail up to id `newest`, up to `limit` mails and
        `max_bytes` of them (one at least), count the attempt and mark it begun
        (`sending_since`). Each comes
        with the moment an earlier attempt began that never recorded its outcome, if any.

        On PostgreSQL the candidates are locked with SKIP LOCKED: senders claiming at the same
        time take different mail.
        """
        size = type_coerce(func.length(OutboundMessage.raw), Integer)
        candidates = (
            select(OutboundMessage.id, OutboundMessage.sending_since, size)
            .where(
                OutboundMessage.status == OutboundStatus.PENDING,
                OutboundMessage.next_attempt_at <= now,
                OutboundMessage.id <= newest,
            )
            .where(_lease_free(OutboundMessage, now))
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        interrupted: dict[int, datetime | None] = {}
        total = 0
        for row_id, since, length in self.session.execute(candidates):
            if interrupted and total + (length or 0) > max_bytes:
                break
            interrupted[row_id] = since
            total += length or 0
        if not interrupted:
            return []
        self.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(interrupted))
            .values(lease_until=now + lease, attempts=OutboundMessage.attempts + 1)
            .values(sending_since=now)
            .execution_options(synchronize_session=False)
        )
        mail = select(
            OutboundMessage.id,
            OutboundMessage.sender,
            OutboundMessage.recipient,
            OutboundMessage.raw,
            OutboundMessage.kind,
            OutboundMessage.message_id,
        ).where(OutboundMessage.id.in_(interrupted))
        return [
            DueMail(row_id, sender, recipient, raw, kind, message_id, interrupted[row_id])
            for row_id, sender, recipient, raw, kind, message_id in self.session.execute(
                mail.order_by(OutboundMessage.id)
            )
        ]

    def cancel(self, outbound_id: int, now: datetime, reason: str) -> bool:
        """Mark mail not yet sent (pending or held, and not in a sender's hands right now)
        cancelled: one conditional UPDATE, so of a sender and a cancel only one wins; False
        if the mail was sent, is being sent, or was never going to be."""
        waiting = [OutboundStatus.PENDING, OutboundStatus.HELD]
        result = self.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, OutboundMessage.status.in_(waiting))
            .where(_lease_free(OutboundMessage, now))
            .values(status=OutboundStatus.CANCELLED, last_error=reason, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def last_id(self) -> int:
        """The id of the newest mail written, 0 when there is none."""
        return self.session.scalar(select(func.max(OutboundMessage.id))) or 0

    def written_after(self, outbound_id: int) -> Sequence[OutboundMessage]:
        """The mail written after `outbound_id`, oldest first."""
        query = (
            select(OutboundMessage)
            .where(OutboundMessage.id > outbound_id)
            .order_by(OutboundMessage.id)
        )
        return self.session.scalars(query).all()

    def mark_sent(self, taken: Sequence[tuple[int, datetime]]) -> None:
        """Record that the relay took each mail (id, when): one UPDATE sent once for all,
        nothing read first."""
        if not taken:
            return
        self.session.connection().execute(
            update(OutboundMessage.__table__)  # type: ignore[arg-type]
            .where(OutboundMessage.__table__.c.id == bindparam("taken_id"))
            .values(
                status=OutboundStatus.SENT,
                sent_at=bindparam("taken_at"),
                lease_until=None,
                sending_since=None,
                last_error="",
            ),
            [{"taken_id": row_id, "taken_at": at} for row_id, at in taken],
        )

    def suppress(self, outbound_id: int, reason: str) -> None:
        """Keep a claimed mail from being sent, saying why."""
        self.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id)
            .values(
                status=OutboundStatus.SUPPRESSED,
                lease_until=None,
                sending_since=None,
                last_error=reason,
            )
            .execution_options(synchronize_session=False)
        )

    def requeue(
        self, now: datetime, reason: str, outbound_id: int | None = None
    ) -> Sequence[tuple[int, str]]:
        """Put failed mail (and, by id, pending mail no sender holds) back in the queue: due
        now, attempts from zero, its queue lifetime starting again, `reason` as its reason.
        One conditional UPDATE per mail, so a sender holding one is never disturbed; returns
        (id, the error it had) of each mail put back."""
        waiting = [OutboundStatus.FAILED]
        if outbound_id is not None:
            waiting.append(OutboundStatus.PENDING)
        query = select(OutboundMessage.id, OutboundMessage.last_error).where(
            OutboundMessage.status.in_(waiting), _lease_free(OutboundMessage, now)
        )
        if outbound_id is not None:
            query = query.where(OutboundMessage.id == outbound_id)
        requeued = []
        for candidate, error in self.session.execute(query.order_by(OutboundMessage.id)).all():
            result = self.session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == candidate)
                .where(OutboundMessage.status.in_(waiting), _lease_free(OutboundMessage, now))
                .values(
                    status=OutboundStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    queued_at=now,
                    lease_until=None,
                    last_error=reason,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                requeued.append((candidate, error))
        return requeued


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
