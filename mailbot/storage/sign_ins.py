"""The cabinet's sign-in links and sessions, each known only by the SHA-256 of its token.

A link is mailed to a partner's registered address and taken once, before it expires; taking
it opens a session, whose token is the cookie. Tokens are 256 random bits, so a fast hash is as
safe as a slow one, and each request is one indexed look-up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from mailbot.storage.base import Base


class SignInLink(Base):
    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    address: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    address: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class SignIns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_link(self, link: SignInLink) -> None:
        self.session.add(link)
        self.session.flush()

    def take_link(self, sha256: str, now: datetime) -> SignInLink | None:
        """Mark the live link with this hash used and return it; None when there is none (never
        made, used, or expired). One statement, so two takers never both get it."""
        taken = (
            update(SignInLink)
            .where(
                SignInLink.sha256 == sha256,
                SignInLink.used_at.is_(None),
                SignInLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(SignInLink.id)
        )
        link_id = self.session.execute(taken).scalar_one_or_none()
        return None if link_id is None else self.session.get(SignInLink, link_id)

    def open(self, web_session: WebSession) -> None:
        self.session.add(web_session)
        self.session.flush()

    def live(self, sha256: str, now: datetime) -> WebSession | None:
        """The session with this hash, unless it ended or expired."""
        query = select(WebSession).where(
            WebSession.sha256 == sha256,
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
        )
        return self.session.scalars(query).one_or_none()

    def end(self, sha256: str, now: datetime) -> None:
        """End the session with this hash (signed out)."""
        ending = update(WebSession).where(
            WebSession.sha256 == sha256, WebSession.ended_at.is_(None)
        )
        self.session.execute(ending.values(ended_at=now))
