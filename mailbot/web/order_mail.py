"""An order's thread of mail in the cabinet: the messages received and the mail written about
it, each openable (headers, text, its HTML as text, files as downloads). A manager sees all of
it; the order's client only the mail between it and mailbot (the order files to suppliers and
their answers are not its business), as in the API; a supplier none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from mailbot.parsers.mail_summary import read_head
from mailbot.services.orders.visibility import Scope
from mailbot.storage.models import Order
from mailbot.storage.unit_of_work import UnitOfWork
from mailbot.web.cabinet import NotFoundError, Signed, Visitor, cabinet_of, render
from mailbot.web.mail_shown import download, shown

router = APIRouter(include_in_schema=False)

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class Letter:
    """One mail of an order's thread as its list shows it."""

    direction: Direction
    id: int
    at: datetime
    party: str
    subject: str


def thread(uow: UnitOfWork, order: Order, role: str) -> list[Letter]:
    """The order's mail the reader may open, oldest first; none for a supplier."""
    if role not in ("manager", "client"):
        return []
    own = {address.address for address in order.client.addresses}
    letters = []
    for message, head in uow.order_records.mail_in(order.id):
        read = read_head(head)
        sender = parseaddr(read.sender or "")[1].lower()
        if role == "manager" or sender in own:
            subject = read.subject or ""
            letters.append(Letter("in", message.id, message.received_at, sender, subject))
    for mail in uow.order_records.mail_out(order.id):
        if role == "manager" or mail.recipient in own:
            at = mail.sent_at or mail.created_at
            letters.append(Letter("out", mail.id, at, mail.recipient, mail.subject))
    return sorted(letters, key=lambda letter: letter.at)


@router.get("/orders/{number}/mail/{direction}/{mail_id}")
def mail_page(
    request: Request, who: Signed, number: str, direction: Direction, mail_id: int
) -> Response:
    with cabinet_of(request).app.reading() as uow:
        raw, order = _raw(uow, who, number, direction, mail_id)
        base = f"/orders/{order.number}/mail/{direction}/{mail_id}"
        context: dict[str, Any] = {"order": order, "base": base, **shown(raw)}
        return render(request, who, "order_mail", context)


@router.get("/orders/{number}/mail/{direction}/{mail_id}/files/{file}")
def mail_file(
    request: Request, who: Signed, number: str, direction: Direction, mail_id: int, file: int
) -> Response:
    with cabinet_of(request).app.reading() as uow:
        raw, _ = _raw(uow, who, number, direction, mail_id)
    return download(raw, file)


def _raw(
    uow: UnitOfWork, who: Visitor, number: str, direction: Direction, mail_id: int
) -> tuple[bytes, Order]:
    """The bytes of a mail of the order's thread the reader may open; 404 for any other."""
    person = who.person
    order = uow.orders.by_number(number.strip().upper())
    if order is None or not Scope.of(person.role, person.partner_id).sees(order):
        raise NotFoundError()
    if not any(
        (letter.direction, letter.id) == (direction, mail_id)
        for letter in thread(uow, order, person.role)
    ):
        raise NotFoundError()
    if direction == "in":
        return uow.inbox.raw(mail_id), order
    mail = uow.outbox.get(mail_id)
    assert mail is not None  # listed in the thread just now
    return mail.raw, order
