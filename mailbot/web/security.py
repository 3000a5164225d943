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
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

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


async def secure_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: the headers above on every answer, and no caching of a page."""
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.media_type == "text/html" or "text/html" in response.headers.get(
        "content-type", ""
    ):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


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
