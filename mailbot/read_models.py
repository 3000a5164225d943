"""Read models for people and scripts: plain dicts of strings, numbers and lists (JSON-ready).

Amounts are decimal strings rounded to the currency; times are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mailbot.domain.actors import who_acted
from mailbot.domain.deadlines import DeadlineKind
from mailbot.domain.money import Money
from mailbot.domain.vouchers.redemptions import RedemptionStatus
from mailbot.parsers.mail_summary import Head, MailView, read_head
from mailbot.services.orders.ledger import Account, StatementLine
from mailbot.storage.models import (
    BouncingAddress,
    Deadline,
    InboundMessage,
    Order,
    OrderLine,
    OrderTransition,
    OutboundMessage,
    Partner,
    PriceItem,
    SupplierOrder,
    VoucherRedemption,
)
from mailbot.storage.unit_of_work import UnitOfWork

Row = dict[str, object]
# What each kind of deadline waits for, as `orders show` labels it.
DEADLINE_LABELS = {
    DeadlineKind.CLIENT_AGREEMENT: "answer by",
    DeadlineKind.SUPPLIER_CONFIRMATION: "confirm by",
    DeadlineKind.SHIPPING: "ship by",
}


def _money(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else str(Money(amount, currency).rounded().amount)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def partner_row(partner: Partner) -> Row:
    return {
        "id": partner.id,
        "name": partner.name,
        "role": partner.role,
        "addresses": [a.address for a in partner.addresses],
        "language": partner.language,
        "group": partner.group,
        "currency": partner.currency,
        "price_display": partner.price_display,
        "price_list_formats": partner.price_list_formats,
        "auto_agree": partner.auto_agree,
        "credit_limit": _money(partner.credit_limit, partner.currency),
        "timezone": partner.timezone,
        "active": partner.active,
        "created_at": _time(partner.created_at),
        "deactivated_at": _time(partner.deactivated_at),
        "contract_ends_at": _time(partner.contract_ends_at),
    }


def order_row(order: Order) -> Row:
    return {
        "number": order.number,
        "client": order.client.addresses[0].address if order.client.addresses else "",
        "client_name": order.client.name,
        "status": order.status,
        "currency": order.currency,
        "total": _money(order.total, order.currency),
        "created_at": _time(order.created_at),
        "quoted_at": _time(order.quoted_at),
    }


def order_detail(order: Order) -> Row:
    lines = [line for line in order.lines if line.rejection is None]
    rejected = [line for line in order.lines if line.rejection is not None]
    return {
        **order_row(order),
        "lines": [order_line(line, order.currency) for line in lines],
        "rejected": [_rejected(line) for line in rejected],
    }


def order_matrix(uow: UnitOfWork, order: Order) -> Row:
    """The order whole: its amounts (lines, discount, total), lines, voucher codes, deadlines,
    every transition (who, when, from which message), each supplier's part, and the mail
    received and sent about it."""
    records = uow.order_records
    codes = records.codes(order.id)
    detail: Row = {}
    for key, value in order_detail(order).items():
        if key == "total":  # the amounts the total comes from, just before it
            detail.update(_amounts(order, [redemption for redemption, _, _ in codes]))
        detail[key] = value
    return {
        **detail,
        "vouchers": [_code(r, code, campaign) for r, code, campaign in codes],
        "deadlines": [
            _deadline(deadline, party) for deadline, party in records.deadlines(order.id)
        ],
        "transitions": [_step(uow, step) for step in records.transitions(order.id)],
        "suppliers": [supplier_part(part) for part in records.supplier_orders(order.id)],
        "messages": [
            message_row(message, read_head(head)) for message, head in records.mail_in(order.id)
        ],
        "outbox": [_sent(message) for message in records.mail_out(order.id)],
    }


def _amounts(order: Order, codes: list[VoucherRedemption]) -> Row:
    """The sum of the priced lines, of what the suppliers confirmed when that is less, and the
    discount of the codes the order holds (reserved or redeemed)."""
    currency = order.currency
    subtotal = confirmed = Decimal(0)
    for line in order.lines:
        if line.unit_price is None or not line.quantity:
            continue
        count = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
        subtotal += line.line_total or Decimal(0)
        confirmed += Money(line.unit_price * count, currency).rounded().amount
    held = [r.discount for r in codes if r.status != RedemptionStatus.RELEASED]
    return {
        "subtotal": _money(subtotal, currency),
        "confirmed_subtotal": _money(confirmed, currency) if confirmed != subtotal else None,
        "discount": _money(sum(held, Decimal(0)), currency),
    }


def _code(redemption: VoucherRedemption, code: str, campaign: str) -> Row:
    return {
        "code": code,
        "campaign": campaign,
        "status": redemption.status,
        "discount": _money(redemption.discount, redemption.currency),
        "reserved_at": _time(redemption.reserved_at),
        "redeemed_at": _time(redemption.redeemed_at),
        "released_at": _time(redemption.released_at),
        "release_reason": redemption.release_reason,
    }


def _deadline(deadline: Deadline, party: str) -> Row:
    """A deadline: what it waits for ("answer by", "confirm by", "ship by"), from whom, until
    when, and its state: open (with the next stage and when), done or cancelled."""
    return {
        "deadline": DEADLINE_LABELS.get(DeadlineKind(deadline.kind), deadline.kind),
        "kind": deadline.kind,
        "party": party,
        "due_at": _time(deadline.due_at),
        "status": deadline.status,
        "next_stage": deadline.stage,
        "next_stage_at": _time(deadline.stage_at),
        "closed_at": _time(deadline.closed_at),
    }


def _sent(message: OutboundMessage) -> Row:
    return {
        "id": message.id,
        "created_at": _time(message.created_at),
        "kind": message.kind,
        "recipient": message.recipient,
        "subject": message.subject,
        "status": message.status,
        "sent_at": _time(message.sent_at),
        "reason": message.last_error,
    }


def _step(uow: UnitOfWork, step: OrderTransition) -> Row:
    """A transition with who made it: a partner, a person named at the command line ("alice
    (command line)", in the role of a manager), or mailbot."""
    actor = None if step.actor_id is None else uow.partners.get(step.actor_id)
    by, role = who_acted(None if actor is None else (actor.name, actor.role), step.actor_name)
    return {
        "status": step.status,
        "at": _time(step.at),
        "by": by,
        "role": role,
        "message": step.inbound_message_id,
        "note": step.note,
    }


def supplier_part(part: SupplierOrder) -> Row:
    return {
        "supplier": part.supplier.name,
        "status": part.status,
        "sent_at": _time(part.sent_at),
        "confirmed_at": _time(part.confirmed_at),
        "shipped_at": _time(part.shipped_at),
        "ship_date": None if part.ship_date is None else part.ship_date.isoformat(),
        "ship_method": part.ship_method,
        "order_file": part.outbound_message_id,
    }


def order_line(line: OrderLine, currency: str) -> Row:
    return {
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price, currency),
        "line_total": _money(line.line_total, currency),
        "supplier_id": line.supplier_id,
        "confirmed_quantity": line.confirmed_quantity,
        "source": line.source,
        "row": line.row,
    }


def _rejected(line: OrderLine) -> Row:
    return {
        "sku": line.sku,
        "text": line.text,
        "reason": line.rejection,
        "detail": line.detail,
        "source": line.source,
        "row": line.row,
    }


def message_row(message: InboundMessage, head: Head | None = None) -> Row:
    """A received message; with its `head`, who sent it and its subject."""
    return {
        "id": message.id,
        "message_id": message.message_id,
        "sender": None if head is None else head.sender,
        "subject": None if head is None else head.subject,
        "source": message.source,
        "size": message.size,
        "received_at": _time(message.received_at),
        "status": message.status,
        "attempts": message.attempts,
        "outcome": message.outcome,
        "last_error": message.last_error,
    }


def outbound_row(message: OutboundMessage) -> Row:
    """A mail in the outbox; `reason` says why it was held, suppressed or failed."""
    return {
        "id": message.id,
        "message_id": message.message_id,
        "kind": message.kind,
        "recipient": message.recipient,
        "subject": message.subject,
        "status": message.status,
        "attempts": message.attempts,
        "created_at": _time(message.created_at),
        "sent_at": _time(message.sent_at),
        "reason": message.last_error,
        "inbound_message": message.inbound_message_id,
        "order": message.order_id,
        "digest": message.digest_id,
        "bounced_at": _time(message.bounced_at),
        "bounce_recipient": message.bounce_recipient,
        "bounce_status": message.bounce_status,
    }


def bouncing_address_row(address: BouncingAddress) -> Row:
    return {
        "address": address.address,
        "suppressed": address.suppressed_at is not None,
        "hard_bounces": address.hard_bounces,
        "bounces": address.bounces,
        "last_status": address.last_status,
        "last_outbound": address.last_outbound_id,
        "first_bounce_at": _time(address.first_bounce_at),
        "last_bounce_at": _time(address.last_bounce_at),
        "alerted_at": _time(address.alerted_at),
        "suppressed_at": _time(address.suppressed_at),
        "cleared_at": _time(address.cleared_at),
    }


def price_item_row(item: PriceItem, supplier: str) -> Row:
    return {
        "sku": item.sku,
        "name": item.name,
        "brand": item.brand,
        "category": item.category,
        "supplier": supplier,
        "price": _money(item.price, item.currency),
        "currency": item.currency,
        "stock": item.stock,
        "in_stock": item.in_stock,
        "delivery_days": item.delivery_days,
    }


def message_outcome(uow: UnitOfWork, message: InboundMessage, head: Head) -> Row:
    """A received message with everything that became of it: the replies it caused (the mail
    written in answer to it; order files and managers' mails belong to the order) and the
    orders it created or moved on."""
    return {
        **message_row(message, head),
        "processed_at": _time(message.processed_at),
        "partner": message.partner_id,
        "replies": [
            {
                "id": mail.id,
                "kind": mail.kind,
                "recipient": mail.recipient,
                "status": mail.status,
                "subject": mail.subject,
            }
            for mail in uow.sent.caused_by(message.id)
        ],
        "orders": [
            {"number": number, "status": status, "at": _time(at)}
            for number, status, at in uow.order_records.touched_by(message.id)
        ],
    }


def outbound_detail(message: OutboundMessage, view: MailView) -> Row:
    """A mail in the outbox with its headers, text and attachments as a person reads them."""
    return {
        **outbound_row(message),
        "sender": message.sender,
        "next_attempt_at": _time(message.next_attempt_at),
        "queued_at": _time(message.queued_at),
        # Set while an attempt is under way; still set once no sender holds the mail, that
        # attempt was interrupted and the relay may have taken it.
        "sending_since": _time(message.sending_since),
        "headers": dict(view.headers),
        "text": view.text,
        "attachments": [
            {"name": file.name, "content_type": file.content_type, "size": file.size}
            for file in view.attachments
        ],
    }


def ledger_row(line: StatementLine) -> Row:
    """A ledger entry with its order's number and the balance after it."""
    entry = line.entry
    return {
        "at": _time(entry.at),
        "kind": entry.kind,
        "amount": _money(entry.amount, entry.currency),
        "currency": entry.currency,
        "order": line.order_number,
        "note": entry.note,
        "balance": str(line.balance.amount),
        "by": entry.created_by,
    }


def account_row(account: Account) -> Row:
    """A client's balance (credits minus debits: below zero it owes), what it owes, its credit
    limit and what is left of it, in its currency."""
    balance = account.balance
    owes = max(-balance.amount, Decimal(0))
    limit = account.credit_limit
    return {
        "balance": str(balance.amount),
        "owes": _money(owes, balance.currency),
        "credit_limit": None if limit is None else _money(limit.amount, limit.currency),
        "credit_left": None if limit is None else _money(limit.amount - owes, limit.currency),
    }
