"""The cabinet on the HTTP application: its routes, its stylesheet (served from the package),
the security headers, and the answers to a signed-out visitor, a form without its CSRF token,
and an order the reader may not see."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from mailbot.bootstrap import App
from mailbot.web import (
    desk,
    order_mail,
    orders,
    outbox,
    partners,
    price_files,
    pricelists,
    quarantine,
    signing_in,
    vouchers,
)
from mailbot.web.cabinet import BadFormError, Cabinet, NotFoundError, SignedOutError, cabinet_of
from mailbot.web.security import SecureHeaders

STATIC = Path(__file__).resolve().parent / "static"


def install(application: FastAPI, app: App) -> None:
    application.state.cabinet = Cabinet.of(app)
    application.add_middleware(SecureHeaders)
    application.mount("/static", StaticFiles(directory=STATIC), name="static")
    application.include_router(signing_in.router)
    application.include_router(orders.router)
    application.include_router(order_mail.router)
    application.include_router(desk.router)
    application.include_router(partners.router)
    application.include_router(vouchers.router)
    application.include_router(price_files.router)
    application.include_router(pricelists.router)
    application.include_router(quarantine.router)
    application.include_router(outbox.router)

    async def on_signed_out(_request: Request, _error: Exception) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    async def on_bad_form(request: Request, _error: Exception) -> Response:
        return _plain(request, "forbidden", 403)

    async def on_not_found(request: Request, _error: Exception) -> Response:
        return _plain(request, "not_found", 404)

    application.add_exception_handler(SignedOutError, on_signed_out)
    application.add_exception_handler(BadFormError, on_bad_form)
    application.add_exception_handler(NotFoundError, on_not_found)


def _plain(request: Request, name: str, status: int) -> Response:
    return cabinet_of(request).views.page(name, {}, status=status)
