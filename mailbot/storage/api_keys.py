"""API keys: who a machine calling the HTTP API is, and what its role lets it do.

Only a key's SHA-256 is kept: keys are 256 random bits, so a fast hash is as safe as a slow
one, and a request is authenticated by one indexed look-up. `prefix` (the key's first
characters) tells keys apart in listings without revealing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, bindparam, select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Mapped, Session, mapped_column

from mailbot.storage.base import Base
from mailbot.storage.driver_sql import DriverStatement, PlainStatements, run


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(400))
    prefix: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[datetime | None]


class KeyRow(NamedTuple):
    """What the key check needs of a key."""

    id: int
    name: str
    role: str
    revoked_at: datetime | None


_BY_HASH = select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.revoked_at).where(
    ApiKey.sha256 == bindparam("sha256")
)
_BY_HASH_PG = DriverStatement.compiled(
    _BY_HASH,
    PGDialect_psycopg(),  # type: ignore[no-untyped-call]
    ("sha256",),
)


class ApiKeys(PlainStatements):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> None:
        self.session.add(key)
        self.session.flush()

    def named(self, name: str) -> ApiKey | None:
        return self.session.scalars(select(ApiKey).where(ApiKey.name == name)).one_or_none()

    def by_hash(self, sha256: str) -> KeyRow | None:
        """The key with this hash, revoked or not: what every API request's key check reads
        (on PostgreSQL on psycopg's cursor, see `storage/driver_sql.py`: half the time of
        loading the ORM object)."""
        rows: Sequence[Sequence[Any]]
        if self._on_postgresql:
            rows = run(self._flushed(), _BY_HASH_PG, {"sha256": sha256})
        else:
            rows = self.session.execute(_BY_HASH, {"sha256": sha256}).all()
        return KeyRow(*rows[0]) if rows else None

    def all(self) -> Sequence[ApiKey]:
        return self.session.scalars(select(ApiKey).order_by(ApiKey.id)).all()

    def name_of(self, key_id: int | None) -> str | None:
        """The name of the key `key_id` (None for None: a step by mail, not over the API)."""
        if key_id is None:
            return None
        key = self.session.get(ApiKey, key_id)
        return None if key is None else key.name
