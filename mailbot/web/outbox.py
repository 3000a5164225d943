"""A manager's outbox: the mail mailbot wrote by status (newest first, by pages), one mail opened
whole with its files, and putting it back in the queue or cancelling it, as `mailbot outbox
list|show|retry|cancel` do, through the same services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from mailbot.domain.mail import OutboundStatus
from mailbot.services.outbox.cancelling import CancelError, cancel_mail
from mailbot.services.outbox.retrying import RetryError, retry_mail
from mailbot.services.sign_in import LINK_KIND
from mailbot.web.cabinet import NotFoundError, Posting, Signed, Visitor, cabinet_of, render
from mailbot.web.mail_shown import PAGE_SIZE, download, managing, shown

router = APIRouter(include_in_schema=False)

# What may be done to a mail in each status (the services refuse the rest, and say why).
RETRIED = (OutboundStatus.FAILED, OutboundStatus.PENDING)
CANCELLED = (OutboundStatus.PENDING, OutboundStatus.HELD)


@router.get("/outbox")
def outbox(
    request: Request,
    who: Signed,
    status: Annotated[OutboundStatus | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The newest outgoing mail, of one status or any."""
    managing(who)
    with cabinet_of(request).app.reading() as uow:
        found = uow.sent.list(status, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        context = {
            "mails": found[:PAGE_SIZE],
            "status": status or "",
            "statuses": list(OutboundStatus),
            "query": f"status={status}&" if status else "",
            "page": page,
            "more": len(found) > PAGE_SIZE,
        }
        return render(request, who, "outbox", context)


@router.get("/outbox/{outbound_id}")
def mail_page(request: Request, who: Signed, outbound_id: int) -> Response:
    return _mail_page(request, who, outbound_id)


@router.get("/outbox/{outbound_id}/files/{number}")
def mail_file(request: Request, who: Signed, outbound_id: int, number: int) -> Response:
    managing(who)
    with cabinet_of(request).app.reading() as uow:
        mail = uow.outbox.get(outbound_id)
        if mail is None or mail.kind == LINK_KIND:
            raise NotFoundError()
        raw = mail.raw
    return download(raw, number)


@router.post("/outbox/{outbound_id}/retry")
def retry(request: Request, who: Posting, outbound_id: int) -> Response:
    """Put the mail back in the queue, due now, as `mailbot outbox retry ID` does."""
    app = cabinet_of(request).app

    def step() -> object:
        return retry_mail(app.uow, now=app.clock.now(), outbound_id=outbound_id, by=who.actor)

    return _act(request, who, outbound_id, "retried", step)


@router.post("/outbox/{outbound_id}/cancel")
def cancel(
    request: Request,
    who: Posting,
    outbound_id: int,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Cancel a mail not sent yet, as `mailbot outbox cancel ID --note` does."""
    app = cabinet_of(request).app

    def step() -> object:
        now = app.clock.now()
        return cancel_mail(app.uow, outbound_id, now=now, note=note.strip(), by=who.actor)

    return _act(request, who, outbound_id, "cancelled", step)


def _act(
    request: Request, who: Visitor, outbound_id: int, done: str, step: Callable[[], object]
) -> Response:
    """Run an act on a mail that exists; back to its page, saying it was done or why not."""
    managing(who)
    with cabinet_of(request).app.reading() as uow:
        if uow.outbox.get(outbound_id) is None:
            raise NotFoundError()
    try:
        step()
    except (RetryError, CancelError) as error:
        return _mail_page(request, who, outbound_id, error=str(error), status=409)
    return RedirectResponse(f"/outbox/{outbound_id}?done={done}", status_code=303)


def _mail_page(
    request: Request, who: Visitor, outbound_id: int, *, error: str = "", status: int = 200
) -> Response:
    managing(who)
    with cabinet_of(request).app.reading() as uow:
        mail = uow.outbox.get(outbound_id)
        if mail is None:
            raise NotFoundError()
        withheld = mail.kind == LINK_KIND
        context = {
            "mail": mail,
            "withheld": withheld,
            "may_retry": mail.status in RETRIED,
            "may_cancel": mail.status in CANCELLED,
            "done": request.query_params.get("done", ""),
            "error": error,
            **shown(mail.raw, headers_only=withheld),
        }
        return render(request, who, "outgoing", context, status=status)
