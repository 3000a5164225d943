"""What the ERP sent: the messages applied (each `message_id` once) and those dead-lettered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from mailbot.storage.base import Base


class ErpMessage(Base):
    """A message from the ERP that was applied, kept so that a copy of it is not applied
    again: inserted in the transaction of its effect, its `message_id` the primary key."""

    __tablename__ = "erp_inbox"

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[datetime]


class ErpDeadLetter(Base):
    """A message from the ERP that was not applied and went to the dead-letter queue, why."""

    __tablename__ = "erp_dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), default="")
    type: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class ErpInbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def applied(self, message_id: str) -> bool:
        return self.session.get(ErpMessage, message_id) is not None

    def add(self, message_id: str, kind: str, now: datetime) -> None:
        """Record the message applied, in the caller's transaction; a copy being applied at
        the same time fails on the primary key when its transaction commits."""
        self.session.add(ErpMessage(message_id=message_id, type=kind, applied_at=now))
        self.session.flush()

    def dead_lettered(self, message_id: str, kind: str, reason: str, now: datetime) -> None:
        self.session.add(
            ErpDeadLetter(message_id=message_id[:64], type=kind[:64], reason=reason, at=now)
        )

    def dead_letter_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ErpDeadLetter)) or 0
