"""Price list files in the cabinet: a supplier uploads its list (the import a mailed list
goes through, with the same limits: a file no larger than a mail mailbot takes, rows as
`[price_lists]` allows) and reads the import report; a client downloads its own price list,
the PRICES file, in each of its configured formats."""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message

from mailbot.services.partners.registry import parse_price_list_formats
from mailbot.services.pricelists.export import CONTENT_TYPES, file_name, write_price_list
from mailbot.services.pricelists.uploading import upload_price_list
from mailbot.storage.models import Partner
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.web.cabinet import NotFoundError, Signed, Visitor, cabinet_of, form_visitor, render

router = APIRouter(include_in_schema=False)


class TooLargeError(Exception):
    """The request body is larger than a price list may be."""


@router.post("/pricelists")
async def upload(request: Request, who: Signed) -> Response:
    """A supplier's new price list from the form's file: imported and its report shown
    (422 and nothing kept for a file that cannot be imported)."""
    if who.person.role != "supplier":
        raise NotFoundError()
    app = cabinet_of(request).app
    limit = app.config.smtp_ingress.max_message_bytes
    try:
        form = await _capped(request, limit).form(max_files=1, max_fields=4)
    except TooLargeError:
        return _refused(request, who, "too_large", limit, 413)
    await form_visitor(who, str(form.get("csrf") or ""))  # a forged form is refused first
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _refused(request, who, "no_file", limit, 422)
    payload = await file.read(limit + 1)
    if len(payload) > limit:
        return _refused(request, who, "too_large", limit, 413)
    filename = PurePosixPath(file.filename.replace("\\", "/")).name or "price list"
    done = await run_in_threadpool(
        lambda: upload_price_list(
            app.uow,
            app.replies,
            who.person.partner_id,
            filename,
            payload,
            settings=app.price_lists,
            now=app.clock.now(),
            by=who.actor,
        )
    )
    context = {"report": done.report, "version_id": done.version_id, "refused": ""}
    return render(request, who, "pricelist_upload", context, 200 if done.version_id else 422)


def _capped(request: Request, limit: int) -> Request:
    """The request, whose body raises TooLargeError once it passes `limit` bytes and room for
    the form's other fields, rather than being spooled whole."""
    receive, seen = request.receive, 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit + 64 * 1024:
            raise TooLargeError()
        return message

    return Request(request.scope, capped)


def _refused(request: Request, who: Visitor, why: str, limit: int, status: int) -> Response:
    megabytes = round(limit / 2**20, 1)
    context = {"report": None, "version_id": None, "refused": why, "megabytes": megabytes}
    return render(request, who, "pricelist_upload", context, status)


@router.get("/prices")
def prices(request: Request, who: Signed) -> Response:
    """A client's page with its price list in each of its formats."""
    with cabinet_of(request).app.reading() as uow:
        client = _client(uow, who)
    formats = parse_price_list_formats(client.price_list_formats)
    return render(request, who, "prices", {"formats": formats, "currency": client.currency})


@router.get("/prices/{fmt}")
def price_file(request: Request, who: Signed, fmt: str) -> Response:
    """The client's price list as the PRICES mail attaches it, in one of its formats."""
    app = cabinet_of(request).app
    with app.reading() as uow:
        client = _client(uow, who)
        if fmt not in parse_price_list_formats(client.price_list_formats):
            raise NotFoundError()
        buffer = io.BytesIO()
        write_price_list(uow, client, app.rules.pricing, {fmt: buffer})
    name = file_name(fmt, app.clock.now())
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(buffer.getvalue(), media_type=CONTENT_TYPES[fmt], headers=headers)


def _client(uow: UnitOfWork, who: Visitor) -> Partner:
    """The reader's own partner when it is a client; anyone else gets 404."""
    client = uow.partners.get(who.person.partner_id) if who.person.role == "client" else None
    if client is None:
        raise NotFoundError()
    return client
