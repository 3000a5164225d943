"""Requests made with an `Idempotency-Key`: the key, a fingerprint of the request, and once
answered, the answer, so that a client retrying after a lost response gets the same one
without the work being done twice.

`scope` is the SHA-256 of the API key the request was made with (the hash `api_keys` keeps),
so keys of different callers never meet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from mailbot.storage.base import Base


class IdempotentRequest(Base):
    __tablename__ = "idempotent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[int | None]
    media_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_idempotent_requests_scope_key", "scope", "key", unique=True),)


class IdempotentRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def begin(self, scope: str, key: str, fingerprint: str, now: datetime) -> bool:
        """Record that the request is being answered; False if one with this key was first."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        values = {"scope": scope, "key": key, "fingerprint": fingerprint, "created_at": now}
        statement = (
            insert(IdempotentRequest)
            .values(values)
            .on_conflict_do_nothing()
            .returning(IdempotentRequest.id)
        )
        return self.session.execute(statement).scalar() is not None

    def get(self, scope: str, key: str) -> IdempotentRequest | None:
        query = select(IdempotentRequest).where(
            IdempotentRequest.scope == scope, IdempotentRequest.key == key
        )
        return self.session.scalars(query).one_or_none()

    def forget(self, scope: str, key: str) -> None:
        self.session.execute(
            delete(IdempotentRequest).where(
                IdempotentRequest.scope == scope, IdempotentRequest.key == key
            )
        )

    def forget_before(self, moment: datetime) -> None:
        """Drop the records of requests made before `moment`: their keys may be used again."""
        self.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < moment))
