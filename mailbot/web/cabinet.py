"""What the cabinet's routes share: mailbot's wiring, the page views, the sign-in budgets, and
who is signed in (a dependency that sends a signed-out visitor to the sign-in page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Form, Request, Response

from mailbot.bootstrap import App
from mailbot.domain.actors import Actor
from mailbot.http.rate_limit import RateLimit
from mailbot.services.sign_in import Person, signed_in
from mailbot.web.security import SESSION_COOKIE, same, session_csrf
from mailbot.web.views import Views

# How records name a change made in the cabinet: "buying@fleetparts.example (cabinet)".
CHANNEL = "cabinet"
# Sign-in links asked for, a minute, per address and per visitor's IP (a burst of as many).
LINKS_PER_MINUTE = 3


@dataclass(frozen=True, slots=True)
class Cabinet:
    app: App
    views: Views
    base_url: str
    secure: bool
    per_address: RateLimit
    per_ip: RateLimit

    @classmethod
    def of(cls, app: App) -> Cabinet:
        http = app.config.http
        base_url = http.public_url or f"http://{http.host}:{http.port}"
        return cls(
            app,
            Views(app.config.scheduler.timezone),
            base_url.rstrip("/"),
            base_url.startswith("https://"),
            RateLimit(LINKS_PER_MINUTE),
            RateLimit(LINKS_PER_MINUTE * 10),
        )

    @property
    def link_valid(self) -> timedelta:
        return timedelta(minutes=self.app.config.http.sign_in_minutes)

    @property
    def session_lasts(self) -> timedelta:
        return timedelta(hours=self.app.config.http.session_hours)


def cabinet_of(request: Request) -> Cabinet:
    cabinet: Cabinet = request.app.state.cabinet
    return cabinet


class SignedOutError(Exception):
    """Raised by a page that needs a signed-in person; answered with the sign-in page."""


class NotFoundError(Exception):
    """What does not exist or is not the reader's to see: answered 404 alike."""


class BadFormError(Exception):
    """A form without the right CSRF token: answered 403."""


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in person and the CSRF token their forms carry."""

    person: Person
    csrf: str

    @property
    def actor(self) -> Actor:
        return Actor(self.person.address, CHANNEL)


def visitor(request: Request) -> Visitor:
    token = request.cookies.get(SESSION_COOKIE, "")
    cabinet = cabinet_of(request)
    person = signed_in(cabinet.app.uow, token, now=cabinet.app.clock.now()) if token else None
    if person is None:
        raise SignedOutError()
    return Visitor(person, session_csrf(token))


async def form_visitor(
    who: Annotated[Visitor, Depends(visitor)], csrf: Annotated[str, Form()] = ""
) -> Visitor:
    """The signed-in person posting a form, which must carry their CSRF token. A coroutine,
    so that FastAPI runs it on the event loop, not in a worker thread of its own."""
    if not same(csrf, who.csrf):
        raise BadFormError()
    return who


Signed = Annotated[Visitor, Depends(visitor)]
Posting = Annotated[Visitor, Depends(form_visitor)]


def render(
    request: Request, who: Visitor, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """Page `name` for the signed-in reader, in their language and zone, with their forms'
    CSRF token."""
    person = who.person
    return cabinet_of(request).views.page(
        name,
        {"person": person, "csrf": who.csrf, **context},
        language=person.language,
        timezone=person.timezone,
        status=status,
    )
