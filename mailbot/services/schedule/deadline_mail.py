"""The mails a deadline's stages send: a reminder to whoever must act, an escalation to every
manager, and the client's notice that a quote expired. Each is threaded to the order's first
mail, so a mail program shows the order's story together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from mailbot.domain.deadlines import DeadlineKind
from mailbot.domain.events import EventType
from mailbot.domain.money import Money
from mailbot.services.outbox.replies import Replies, Thread
from mailbot.storage.models import Deadline, Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork


def _thread(uow: UnitOfWork, order: Order, recipient: str | None) -> Thread | None:
    first = uow.deadlines.first_message(order.id, recipient)
    return Thread(first, (first,)) if first else None


def _context(deadline: Deadline, order: Order, party: Partner) -> dict[str, object]:
    return {
        "order_number": order.number,
        "kind": deadline.kind,
        "due_at": deadline.due_at,
        "party_name": party.name,
        "party_address": party.addresses[0].address if party.addresses else "",
        "total": Money(order.total, order.currency),
    }


def _send(
    uow: UnitOfWork,
    replies: Replies,
    kind: str,
    partner: Partner,
    order: Order,
    context: Mapping[str, object],
    now: datetime,
) -> bool:
    if not partner.addresses:
        return False
    address = partner.addresses[0].address
    replies.queue(
        uow,
        kind=kind,
        language=partner.language,
        to=address,
        context={"partner_name": partner.name, **context},
        now=now,
        thread=_thread(uow, order, address),
        order_id=order.id,
        timezone=partner.timezone,
    )
    return True


def remind(
    uow: UnitOfWork,
    replies: Replies,
    kind: DeadlineKind,
    deadline: Deadline,
    order: Order,
    *,
    now: datetime,
) -> str:
    """Remind the partner the deadline waits for; a line saying what was done."""
    party = uow.partners.get(deadline.partner_id)
    assert party is not None
    context = _context(deadline, order, party)
    if not _send(uow, replies, "deadline_reminder", party, order, context, now):
        return f"no address to remind {party.name}"
    payload = {"order": order.number, "kind": kind.value, "partner": party.id}
    uow.events.record(EventType.ORDER_DEADLINE_REMINDED, order.number, payload, now)
    return f"reminded {party.name}"


def escalate(
    uow: UnitOfWork,
    replies: Replies,
    kind: DeadlineKind,
    deadline: Deadline,
    order: Order,
    *,
    now: datetime,
) -> str:
    """Tell every active manager, one mail each, that the deadline was missed."""
    party = uow.partners.get(deadline.partner_id)
    assert party is not None
    context = _context(deadline, order, party)
    told = sum(
        _send(uow, replies, "deadline_escalation", manager, order, context, now)
        for manager in uow.partners.list("manager")
        if manager.active
    )
    payload = {"order": order.number, "kind": kind.value, "partner": party.id, "managers": told}
    uow.events.record(EventType.ORDER_DEADLINE_ESCALATED, order.number, payload, now)
    return f"escalated to {told} manager(s)"


def tell_expired(
    uow: UnitOfWork,
    replies: Replies,
    deadline: Deadline,
    order: Order,
    *,
    now: datetime,
    released_codes: Sequence[str] = (),
) -> str:
    """Tell the client its quote expired, which of its voucher codes are free again, and how
    to order again."""
    client = uow.partners.get(order.client_id)
    assert client is not None
    context = {**_context(deadline, order, client), "released_codes": list(released_codes)}
    _send(uow, replies, "quote_expired", client, order, context, now)
    return f"expired; {client.name} told"
