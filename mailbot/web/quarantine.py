"""A manager's quarantine: the messages processing gave up on (newest first, by pages), one
message opened whole with its files, retrying it, and letting a message held as forged through
after a look, as `mailbot quarantine list|show|retry|let-through` do, through the same
service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from mailbot.domain.mail import InboundStatus
from mailbot.parsers.mail_summary import read_head
from mailbot.services.inbox.quarantine import NotQuarantinedError, let_through, retry_quarantined
from mailbot.services.inbox.sender_auth import NOT_AUTHENTICATED
from mailbot.web.cabinet import NotFoundError, Posting, Signed, Visitor, cabinet_of, render
from mailbot.web.mail_shown import PAGE_SIZE, download, managing, shown

router = APIRouter(include_in_schema=False)


@router.get("/quarantine")
def quarantined(
    request: Request, who: Signed, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    """The newest quarantined messages with who sent them, their subject and why."""
    managing(who)
    app = cabinet_of(request).app
    with app.reading() as uow:
        found = uow.inbox.with_status(
            InboundStatus.QUARANTINED, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE
        )
        listed = found[:PAGE_SIZE]
        heads = uow.inbox.heads(message.id for message in listed)
        rows = [
            {"message": message, "head": read_head(heads.get(message.id, b""))}
            for message in listed
        ]
        context = {
            "messages": rows,
            "page": page,
            "more": len(found) > PAGE_SIZE,
        }
        return render(request, who, "quarantine", context)


@router.get("/quarantine/{message_id}")
def message_page(request: Request, who: Signed, message_id: int) -> Response:
    return _message_page(request, who, message_id)


@router.get("/quarantine/{message_id}/files/{number}")
def message_file(request: Request, who: Signed, message_id: int, number: int) -> Response:
    managing(who)
    with cabinet_of(request).app.reading() as uow:
        if uow.inbox.get(message_id) is None:
            raise NotFoundError()
        raw = uow.inbox.raw(message_id)
    return download(raw, number)


@router.post("/quarantine/{message_id}/retry")
def retry(request: Request, who: Posting, message_id: int) -> Response:
    """Put the message back in line for processing, as `mailbot quarantine retry` does."""
    managing(who)
    app = cabinet_of(request).app
    try:
        retry_quarantined(app.uow, message_id, now=app.clock.now(), by=who.actor)
    except NotQuarantinedError as error:
        return _message_page(request, who, message_id, error=str(error), status=409)
    return RedirectResponse(f"/quarantine/{message_id}?done=retried", status_code=303)


@router.post("/quarantine/{message_id}/let-through")
def vouch(request: Request, who: Posting, message_id: int) -> Response:
    """Vouch for a message held because its sender was not authenticated, as `mailbot
    quarantine let-through` does: it is processed with its sender taken as it is."""
    managing(who)
    app = cabinet_of(request).app
    try:
        let_through(app.uow, message_id, now=app.clock.now(), by=who.actor)
    except NotQuarantinedError as error:
        return _message_page(request, who, message_id, error=str(error), status=409)
    return RedirectResponse(f"/quarantine/{message_id}?done=let_through", status_code=303)


def _message_page(
    request: Request, who: Visitor, message_id: int, *, error: str = "", status: int = 200
) -> Response:
    """A received message (quarantined or no longer) with its status, why it is held, and
    what it says."""
    managing(who)
    with cabinet_of(request).app.reading() as uow:
        message = uow.inbox.get(message_id)
        if message is None:
            raise NotFoundError()
        raw = uow.inbox.raw(message_id)
        context = {
            "message": message,
            "held": message.status == InboundStatus.QUARANTINED,
            "forged": message.status == InboundStatus.QUARANTINED
            and message.outcome.startswith(NOT_AUTHENTICATED),
            "done": request.query_params.get("done", ""),
            "error": error,
            **shown(raw),
        }
        return render(request, who, "quarantined", context, status=status)
