"""Deadline rows and daily job runs: claimed in the database so that two instances never act
twice on one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.domain.deadlines import DeadlineStatus
from mailbot.storage.later_writes import LATER
from mailbot.storage.models import DailyRun, Deadline, OutboundMessage

OPEN = DeadlineStatus.OPEN
# Opening a deadline: a prebuilt INSERT (on PostgreSQL it waits for the next statement,
# storage/later_writes.py). Nothing holds the new deadline as an
# object: it is found again by query, by the scheduler or an answer, and the ORM's unit of
# work would cost several times the statement.
_OPEN = insert(Deadline.__table__).inline().execution_options(**LATER)  # type: ignore[arg-type]


class Deadlines:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, values: Mapping[str, object]) -> None:
        """Write a new deadline's row (its columns' `values`) into this transaction."""
        self.session.execute(_OPEN, dict(values))

    def get(self, deadline_id: int) -> Deadline | None:
        return self.session.get(Deadline, deadline_id)

    def due(self, now: datetime, limit: int) -> list[tuple[int, str]]:
        """(id, stage) of open deadlines whose next stage has come and that nobody holds."""
        query = (
            select(Deadline.id, Deadline.stage)
            .where(Deadline.status == OPEN, Deadline.stage.is_not(None), Deadline.stage_at <= now)
            .where((Deadline.lease_until.is_(None)) | (Deadline.lease_until < now))
            .order_by(Deadline.stage_at, Deadline.id)
            .limit(limit)
        )
        return [(row_id, stage) for row_id, stage in self.session.execute(query) if stage]

    def claim(self, deadline_id: int, stage: str, now: datetime, until: datetime) -> bool:
        """Take the lease on a due deadline at `stage` and count the attempt: one conditional
        UPDATE, so of several instances exactly one gets it."""
        result = self.session.execute(
            update(Deadline)
            .where(Deadline.id == deadline_id, Deadline.status == OPEN, Deadline.stage == stage)
            .where(Deadline.stage_at <= now)
            .where((Deadline.lease_until.is_(None)) | (Deadline.lease_until < now))
            .values(lease_until=until, attempts=Deadline.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def settle(
        self,
        deadline_id: int,
        *,
        stage: str,
        held_until: datetime,
        values: dict[str, object],
    ) -> bool:
        """Write the outcome of acting on `stage` if this worker still holds the lease it took
        (`held_until`); False when another took the deadline over meanwhile."""
        result = self.session.execute(
            update(Deadline)
            .where(Deadline.id == deadline_id, Deadline.stage == stage)
            .where(Deadline.lease_until == held_until)
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def cancel_waiting_on(self, partner_id: int, now: datetime) -> None:
        """Cancel every open deadline that waits on the partner."""
        self.session.execute(
            update(Deadline)
            .where(Deadline.partner_id == partner_id, Deadline.status == OPEN)
            .values(
                status=DeadlineStatus.CANCELLED,
                stage=None,
                stage_at=None,
                closed_at=now,
                updated_at=now,
            )
        )

    def for_order(self, order_id: int, kinds: Iterable[str]) -> Sequence[Deadline]:
        query = select(Deadline).where(
            Deadline.order_id == order_id, Deadline.kind.in_(list(kinds)), Deadline.status == OPEN
        )
        return self.session.scalars(query).all()

    def overdue(self, now: datetime) -> Sequence[Deadline]:
        """Open deadlines past their due moment, the longest overdue first."""
        query = (
            select(Deadline)
            .where(Deadline.status == OPEN, Deadline.due_at < now)
            .order_by(Deadline.due_at)
        )
        return self.session.scalars(query).all()

    def first_message(self, order_id: int, recipient: str | None = None) -> str | None:
        """The Message-ID of the first mail about `order_id` (to `recipient` if one was sent)."""
        query = select(OutboundMessage.message_id).where(OutboundMessage.order_id == order_id)
        if recipient is not None:
            mine = query.where(OutboundMessage.recipient == recipient)
            found = self.session.scalars(mine.order_by(OutboundMessage.id).limit(1)).first()
            if found is not None:
                return found
        return self.session.scalars(query.order_by(OutboundMessage.id).limit(1)).first()


class DailyRuns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, job: str, day: date, now: datetime) -> bool:
        """Record that `job` runs for `day`, in the caller's transaction; False when it already
        ran (or another instance is running it: the unique key makes that one wait, then fail)."""
        if self.done(job, day):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(DailyRun(job=job, day=day, ran_at=now))
        except IntegrityError:
            return False
        return True

    def done(self, job: str, day: date) -> bool:
        query = select(DailyRun.id).where(DailyRun.job == job, DailyRun.day == day)
        return self.session.scalars(query).first() is not None

    def last(
        self, job: str, before: date | None = None, *, ran_by: datetime | None = None
    ) -> DailyRun | None:
        """The latest run of `job` (for a day before `before`, and that ran at or before
        `ran_by`, when given)."""
        query = select(DailyRun).where(DailyRun.job == job)
        if before is not None:
            query = query.where(DailyRun.day < before)
        if ran_by is not None:
            query = query.where(DailyRun.ran_at <= ran_by)
        query = query.order_by(DailyRun.day.desc(), DailyRun.ran_at.desc()).limit(1)
        return self.session.scalars(query).first()
