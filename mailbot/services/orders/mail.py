"""Mail about an order after its quote: what the client, suppliers and managers are told.

Mail mailbot starts itself (not a reply to an inbound message) threads under the first mail
about the order to that recipient, so a client's mail program shows one conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mailbot.domain.actors import who_acted
from mailbot.domain.money import Money
from mailbot.domain.orders import OrderStatus, SupplierOrderStatus
from mailbot.parsers.message import ParsedMessage
from mailbot.services.outbox.replies import Thread, mail_managers, reply_address
from mailbot.services.outbox.reply_limits import ReplyLimit, queue_reply
from mailbot.services.work import Work
from mailbot.storage.models import InboundMessage, Order, OrderTransition, Partner, SupplierOrder
from mailbot.storage.unit_of_work import UnitOfWork

Context = dict[str, object]


def _not_authenticated() -> bool:
    return False


NO_LIMIT = ReplyLimit(max_per_hour=0, max_per_day=0)


@dataclass(frozen=True, slots=True)
class Inbound:
    """The message being answered, when there is one: the reply limits its answers are
    judged by (see services/outbox/reply_limits.py), and whether its sender passed sender
    authentication (asked only when an act needs it)."""

    record: InboundMessage
    message: ParsedMessage
    limit: ReplyLimit = NO_LIMIT
    authenticated: Callable[[], bool] = _not_authenticated

    @property
    def thread(self) -> Thread:
        return Thread(self.message.message_id, self.message.references, answers=True)


def first_address(partner: Partner) -> str:
    return partner.addresses[0].address if partner.addresses else ""


def steps(uow: UnitOfWork, order: Order) -> list[Context]:
    """The order matrix: each transition with who made it (name and role: a partner, a
    manager named at the command line, or mailbot) and what the step was (`step`: the status
    it reached, or "accepted" for a client taking a partial confirmation, which leaves a sent
    order sent)."""
    rows: list[Context] = []
    before = ""
    for record in uow.order_records.transitions(order.id):
        name, role = actor_of(uow, record)
        step = "accepted" if record.status == before == OrderStatus.SENT else record.status
        rows.append(
            {
                "status": record.status,
                "step": step,
                "at": record.at,
                "actor": name,
                "role": role,
                "inbound_message_id": record.inbound_message_id,
                "note": record.note,
            }
        )
        before = record.status
    return rows


def actor_of(uow: UnitOfWork, record: OrderTransition) -> tuple[str, str]:
    """Who made a step and in what role (see `domain.actors.who_acted`)."""
    actor = None if record.actor_id is None else uow.partners.get(record.actor_id)
    return who_acted(None if actor is None else (actor.name, actor.role), record.actor_name)


def shipments(parts: Sequence[SupplierOrder]) -> list[Context]:
    """The shipped parts' dates and methods, without naming suppliers (clients see these)."""
    return [
        {"date": part.ship_date, "method": part.ship_method}
        for part in parts
        if part.status == SupplierOrderStatus.SHIPPED and part.ship_date is not None
    ]


def order_context(uow: UnitOfWork, order: Order) -> Context:
    """What every mail about an order may show: number, status, total, matrix, shipments."""
    return {
        "order_number": order.number,
        "order_status": order.status,
        "total": Money(order.total, order.currency),
        "steps": steps(uow, order),
        "shipments": shipments(uow.order_records.supplier_orders(order.id)),
    }


def tell(
    work: Work,
    partner: Partner,
    kind: str,
    context: Mapping[str, object],
    *,
    order: Order | None,
    inbound: Inbound | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> None:
    """Queue template `kind` to `partner`: as a reply to `inbound` (under the reply limits),
    else in the order's thread."""
    context = {"partner_name": partner.name, **context}
    order_id = None if order is None else order.id
    if inbound is not None:
        queue_reply(
            work.uow,
            work.replies,
            limit=inbound.limit,
            inbound=inbound.record,
            kind=kind,
            language=partner.language,
            to=reply_address(inbound.message, partner),
            context=context,
            now=work.now,
            thread=inbound.thread,
            order_id=order_id,
            attachments=attachments,
            timezone=partner.timezone,
        )
        return
    to = first_address(partner)
    thread = None
    if order is not None:
        first = work.uow.order_records.first_mail(order.id, to)
        if first is not None:
            thread = Thread(first.message_id)
    work.replies.queue(
        work.uow,
        kind=kind,
        language=partner.language,
        to=to,
        context=context,
        now=work.now,
        thread=thread,
        order_id=order_id,
        attachments=attachments,
        timezone=partner.timezone,
    )


def tell_client(
    work: Work, order: Order, outcome: str, *, inbound: Inbound | None = None, **extra: object
) -> None:
    """Queue an `order_answer` mail with `outcome` to the order's client."""
    context = {**order_context(work.uow, order), "outcome": outcome, **extra}
    tell(work, order.client, "order_answer", context, order=order, inbound=inbound)


def tell_managers_of_held(work: Work, order: Order, owed: Money, limit: Money) -> int:
    """One `order_held` mail to each active manager; how many were queued."""
    context = {
        **order_context(work.uow, order),
        "client_name": order.client.name,
        "client_address": first_address(order.client),
        "owed": owed,
        "credit_limit": limit,
    }
    return mail_managers(work.uow, work.replies, "order_held", context, now=work.now)
