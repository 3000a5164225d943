"""The cabinet's defences: the session cookie, a CSRF token on every form, and the headers that
keep its pages from being framed, sniffed or given scripts.

The CSRF token of a signed-in person is derived from the session's token (an HMAC), so it needs
no storage and dies with the session; the sign-in forms, shown before there is a session, use
a random token in a cookie of their own that the form must repeat (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "mailbot_session"
FORM_COOKIE = "mailbot_form"

# No script at all, styles and images only from the cabinet itself, forms only to it, and
# never inside another site's frame.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # A sign-in link's token is in its path: never tell another site where a click came from.
    "Referrer-Policy": "no-referrer",
}


class SecureHeaders:
    """ASGI middleware: the headers above on every answer, and no caching of a page. Plain
    ASGI, not Starlette's `BaseHTTPMiddleware`, which costs every request a task group and a
    streamed copy of its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if "text/html" in headers.get("content-type", ""):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self._app(scope, receive, send_secured)


def session_csrf(session_token: str) -> str:
    """The CSRF token of a session's forms."""
    return hmac.new(session_token.encode(), b"csrf", hashlib.sha256).hexdigest()


def form_token(request: Request) -> str:
    """The double-submit token of a signed-out visitor's forms: its cookie's, or a new one."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def same(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def set_cookie(response: Response, name: str, value: str, *, secure: bool, max_age: int) -> None:
    """A cookie scripts cannot read, sent on top-level navigation from other sites but not with
    their forms (SameSite=Lax), and over HTTPS only behind an https:// public address."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )
