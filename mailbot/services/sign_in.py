"""Signing in to the web cabinet by a link mailed to a partner's registered address.

The link is single-use and expires in minutes; only its hash is stored. Asking for one gives
the same answer whether the address is known or not, so the form reveals no partner. Taking it
opens a session (its token is the cookie, its hash stored) that ends on sign-out, on expiry, or
at the first request after the partner was deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.services.outbox.replies import Replies
from mailbot.storage.sign_ins import SignInLink, WebSession
from mailbot.storage.unit_of_work import UnitOfWork

# The kind of the mail carrying a sign-in link: whoever reads its text could use the link, so
# the cabinet's outbox shows only its headers.
LINK_KIND = "sign_in_link"


@dataclass(frozen=True, slots=True)
class Person:
    """Who is signed in: a partner (client, supplier or manager) by the address it used."""

    partner_id: int
    name: str
    role: str
    address: str
    language: str
    timezone: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_link(
    uow: Callable[[], UnitOfWork],
    replies: Replies,
    address: str,
    *,
    now: datetime,
    valid: timedelta,
    base_url: str,
) -> bool:
    """Mail a sign-in link to `address` when it is an active partner's; whether one went (the
    caller answers the same either way)."""
    address = address.strip().lower()
    with uow() as unit:
        partner = unit.partners.by_address(address)
        if partner is None or not partner.active:
            return False
        token = secrets.token_urlsafe(32)
        expires = now + valid
        unit.sign_ins.add_link(
            SignInLink(
                sha256=digest(token),
                partner_id=partner.id,
                address=address,
                created_at=now,
                expires_at=expires,
            )
        )
        context = {
            "partner_name": partner.name,
            "link": f"{base_url.rstrip('/')}/sign-in/{token}",
            "expires_at": expires,
            "minutes": int(valid.total_seconds() // 60),
        }
        replies.queue(
            unit,
            kind=LINK_KIND,
            language=partner.language,
            to=address,
            context=context,
            now=now,
            timezone=partner.timezone,
        )
        unit.commit()
        return True


def take_link(
    uow: Callable[[], UnitOfWork], token: str, *, now: datetime, lasts: timedelta
) -> str | None:
    """Use the link: a new session's token, or None for a link that is not live (used,
    expired, never made) or whose partner is no longer active."""
    with uow() as unit:
        link = unit.sign_ins.take_link(digest(token), now)
        if link is None:
            return None
        partner = unit.partners.get(link.partner_id)
        if partner is None or not partner.active:
            unit.commit()  # the link is spent either way
            return None
        session_token = secrets.token_urlsafe(32)
        unit.sign_ins.open(
            WebSession(
                sha256=digest(session_token),
                partner_id=partner.id,
                address=link.address,
                created_at=now,
                expires_at=now + lasts,
            )
        )
        unit.commit()
        return session_token


def signed_in(uow: Callable[[], UnitOfWork], session_token: str, *, now: datetime) -> Person | None:
    """Who holds the live session `session_token`; None when there is none. The session of a
    partner deactivated since ends here."""
    with uow() as unit:
        # Asked at every page: no BEGIN, and no ROLLBACK (psycopg would forget the connection's
        # prepared statements); ending a session is one UPDATE, which commits by itself.
        unit.commit_each_statement()
        found = unit.sign_ins.live(digest(session_token), now)
        if found is None:
            return None
        partner = unit.partners.get(found.partner_id)
        if partner is None or not partner.active:
            unit.sign_ins.end(found.sha256, now)
            unit.commit()
            return None
        return Person(
            partner.id,
            partner.name,
            partner.role,
            found.address,
            partner.language,
            partner.timezone,
        )


def sign_out(uow: Callable[[], UnitOfWork], session_token: str, *, now: datetime) -> None:
    with uow() as unit:
        unit.sign_ins.end(digest(session_token), now)
        unit.commit()
