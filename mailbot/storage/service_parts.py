"""The parts of running `mailbot run` instances and their heartbeats, for `mailbot status`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from mailbot.storage.base import Base


class ServicePart(Base):
    """One part (listener, poller, processor, sender, scheduler) of one `mailbot run` instance.

    `last_seen_at` is the part's latest sign of life, written at most every few seconds;
    `stale_after` (seconds) is how long it may stay silent while working normally, as the
    instance knew from its own configuration. `worked_at` is when it last did its work: the
    listener stored a message, the poller looked at the mailbox, the processor handled a
    message, the sender sent a mail, the scheduler ticked. `stopped_at` is set when the
    instance stopped cleanly.
    """

    __tablename__ = "service_parts"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    instance: Mapped[str] = mapped_column(String(255), primary_key=True)
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    worked_at: Mapped[datetime | None]
    stale_after: Mapped[int]
    detail: Mapped[str] = mapped_column(Text, default="")
    stopped_at: Mapped[datetime | None]


class ServiceParts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, part: ServicePart) -> None:
        """Insert or update the row of `part` (its name and instance)."""
        self.session.merge(part)

    def of_instance(self, instance: str) -> Sequence[ServicePart]:
        query = select(ServicePart).where(ServicePart.instance == instance)
        return self.session.scalars(query).all()

    def all(self) -> Sequence[ServicePart]:
        """Every part of every instance known, by instance then name."""
        query = select(ServicePart).order_by(ServicePart.instance, ServicePart.name)
        return self.session.scalars(query).all()

    def forget(self, instances: Sequence[str]) -> None:
        """Drop every row of `instances`."""
        if instances:
            self.session.execute(delete(ServicePart).where(ServicePart.instance.in_(instances)))
