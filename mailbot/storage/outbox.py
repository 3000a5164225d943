"""The outbox: mail written, claimed for sending in batches, marked sent, suppressed,
cancelled or put back in the queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, func, select, type_coerce, update
from sqlalchemy.orm import Session

from mailbot.domain.mail import OutboundStatus
from mailbot.storage.driver_sql import on_postgresql
from mailbot.storage.leases import lease_free
from mailbot.storage.mail_safety import count_written, forget_reply_loads
from mailbot.storage.models import OutboundMessage
from mailbot.storage.new_rows import add_written


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


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session
        # What this unit of work wrote, in order: the processor names the mail written for
        # each message from it instead of reading it back.
        self.added: list[OutboundMessage] = []

    def add(self, message: OutboundMessage) -> None:
        """Write the new mail at once (it then has its id), without the ORM's flush."""
        self.added.append(add_written(self.session, message))
        count_written(self.session, message)

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
            .where(lease_free(OutboundMessage, now))
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
        if on_postgresql(self.session):
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
        forget_reply_loads(self.session)
        result = self.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, OutboundMessage.status.in_(waiting))
            .where(lease_free(OutboundMessage, now))
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
        forget_reply_loads(self.session)
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
            OutboundMessage.status.in_(waiting), lease_free(OutboundMessage, now)
        )
        if outbound_id is not None:
            query = query.where(OutboundMessage.id == outbound_id)
        requeued = []
        for candidate, error in self.session.execute(query.order_by(OutboundMessage.id)).all():
            result = self.session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == candidate)
                .where(OutboundMessage.status.in_(waiting), lease_free(OutboundMessage, now))
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
