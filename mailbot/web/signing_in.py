"""Signing in and out of the cabinet. A partner asks for a link at its registered address and
gets the same page whether the address is known or not; the link opens a page with one button
(a mail scanner that fetches the link does not spend it), which opens the session."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from mailbot.services.sign_in import send_link, sign_out, take_link
from mailbot.web.cabinet import BadFormError, Posting, cabinet_of
from mailbot.web.security import FORM_COOKIE, SESSION_COOKIE, form_token, same, set_cookie

log = logging.getLogger("mailbot.web")

router = APIRouter(include_in_schema=False)

# How long a signed-out visitor's form token lives.
FORM_SECONDS = 3600


def _language(request: Request) -> str:
    """A signed-out visitor's language, from `?lang=` or the browser's first choice."""
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "")
    return asked.split(",")[0]


def _form_page(request: Request, name: str, status: int = 200, **context: object) -> Response:
    cabinet = cabinet_of(request)
    token = form_token(request)
    page = cabinet.views.page(
        name, {"csrf": token, **context}, language=_language(request), status=status
    )
    set_cookie(page, FORM_COOKIE, token, secure=cabinet.secure, max_age=FORM_SECONDS)
    return page


def _check_form(request: Request, csrf: str) -> None:
    if not same(csrf, request.cookies.get(FORM_COOKIE, "")):
        raise BadFormError()


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return _form_page(request, "sign_in")


@router.post("/sign-in")
def ask_for_link(
    request: Request, address: Annotated[str, Form(max_length=320)], csrf: Annotated[str, Form()]
) -> Response:
    """Mail a link to `address` if it is a partner's; the same page either way. More than a
    few asks a minute for one address or from one IP are 429."""
    _check_form(request, csrf)
    cabinet = cabinet_of(request)
    ip = request.client.host if request.client else ""
    address = address.strip().lower()
    if cabinet.per_ip.wait(ip) or cabinet.per_address.wait(address):
        return _form_page(request, "sign_in", status=429, too_many=True)
    app = cabinet.app
    sent = send_link(
        app.uow,
        app.replies,
        address,
        now=app.clock.now(),
        valid=cabinet.link_valid,
        base_url=cabinet.base_url,
    )
    log.info("sign-in link %s for %s", "sent" if sent else "not sent (no such partner)", address)
    return _form_page(request, "sign_in_sent", address=address)


@router.get("/sign-in/{token}")
def link_page(request: Request, token: str) -> Response:
    return _form_page(request, "sign_in_confirm", token=token)


@router.post("/sign-in/{token}")
def use_link(request: Request, token: str, csrf: Annotated[str, Form()]) -> Response:
    """Spend the link and open a session; a link that is spent or expired says so."""
    _check_form(request, csrf)
    cabinet = cabinet_of(request)
    app = cabinet.app
    session = take_link(app.uow, token, now=app.clock.now(), lasts=cabinet.session_lasts)
    if session is None:
        return _form_page(request, "sign_in", status=400, link_dead=True)
    answer = RedirectResponse("/orders", status_code=303)
    max_age = int(cabinet.session_lasts.total_seconds())
    set_cookie(answer, SESSION_COOKIE, session, secure=cabinet.secure, max_age=max_age)
    answer.delete_cookie(FORM_COOKIE, path="/")
    return answer


@router.post("/sign-out")
def leave(request: Request, _who: Posting) -> Response:
    cabinet = cabinet_of(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    sign_out(cabinet.app.uow, token, now=cabinet.app.clock.now())
    answer = RedirectResponse("/sign-in", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer
