"""One message from the ERP, applied once: read, checked against its schema, applied in one
transaction with the record of its `message_id` (so a copy is acknowledged and ignored), or
refused with a reason for the dead-letter queue. A failure of the database is for retrying.

The caller (events/consumer.py) acknowledges a message only once this returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mailbot.domain.events import EventType, InboundType
from mailbot.domain.money import Money
from mailbot.domain.orders import OrderStatus, TransitionError
from mailbot.events.schemas import problems
from mailbot.services.orders.agreement import OrderActionError, cancel_for_desk
from mailbot.services.orders.ledger import book_payment
from mailbot.services.orders.lifecycle import transition
from mailbot.services.orders.mail import tell_client
from mailbot.services.orders.supplier_orders import shipment_of
from mailbot.services.partners.contracts import CONTRACT_END, cut_off
from mailbot.services.partners.editing import Changes, apply_changes
from mailbot.services.partners.registry import PartnerError, register
from mailbot.services.pricelists.item_updates import ItemUpdate, Keep, update_items
from mailbot.services.work import Desk, Work
from mailbot.storage.unit_of_work import UnitOfWork

ERP = "erp"  # who acted, in ledger entries, order steps and events


class Verdict(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before: acknowledged, nothing done
    DEAD = "dead"  # never applied: to the dead-letter queue with the reason
    RETRY = "retry"  # the database failed: not acknowledged, tried again


@dataclass(frozen=True, slots=True)
class Handled:
    verdict: Verdict
    reason: str = ""
    message_id: str = ""
    type: str = ""


Handler = Callable[[Work, Mapping[str, Any]], str | None]


def apply_message(uow: Callable[[], UnitOfWork], desk: Desk, body: bytes, now: datetime) -> Handled:
    """Apply the ERP's message `body` unless it was applied before; what became of it."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Handled(Verdict.DEAD, "not JSON")
    if not isinstance(data, dict):
        return Handled(Verdict.DEAD, "not a JSON object")
    kind, message_id = str(data.get("type", "")), str(data.get("message_id", ""))
    if kind not in HANDLERS:
        return Handled(Verdict.DEAD, f"unknown type {kind!r}", message_id, kind)
    if found := problems(data):
        return Handled(Verdict.DEAD, "schema: " + "; ".join(found), message_id, kind)
    try:
        with uow() as unit:
            if unit.erp_inbox.applied(message_id):
                return Handled(Verdict.DUPLICATE, "", message_id, kind)
            refusal = HANDLERS[kind](desk.at(unit, now), data["payload"])
            if refusal is not None:
                return Handled(Verdict.DEAD, refusal, message_id, kind)
            unit.erp_inbox.add(message_id, kind, now)
            unit.commit()
    except IntegrityError:
        # A copy was applied at the same moment by another consumer, whose record won.
        return Handled(Verdict.DUPLICATE, "", message_id, kind)
    except SQLAlchemyError as error:
        return Handled(Verdict.RETRY, f"{type(error).__name__}: {error}", message_id, kind)
    return Handled(Verdict.APPLIED, "", message_id, kind)


def record_dead_letter(uow: Callable[[], UnitOfWork], handled: Handled, now: datetime) -> None:
    """Count a message sent to the dead-letter queue (`mailbot events list` shows how many)."""
    with uow() as unit:
        unit.erp_inbox.dead_lettered(handled.message_id, handled.type, handled.reason, now)
        unit.commit()


def _payment(work: Work, payload: Mapping[str, Any]) -> str | None:
    client = work.uow.partners.get(payload["partner"])
    if client is None or client.role != "client":
        return f"unknown client {payload['partner']}"
    amount, currency = Decimal(payload["amount"]["amount"]), payload["amount"]["currency"]
    if currency != client.currency:
        return f"a payment in {currency}; {client.name} is kept in {client.currency}"
    if not amount.is_finite() or amount <= 0:
        return f"a payment must be a positive amount, not {amount}"
    note = " ".join(filter(None, (f"payment {payload['reference']}", payload.get("note", ""))))
    book_payment(work.uow, client, amount, note=note, now=work.now, created_by=ERP)
    return None


def _order_status(work: Work, payload: Mapping[str, Any]) -> str | None:
    order = work.uow.orders.by_number(payload["order"])
    if order is None:
        return f"unknown order {payload['order']}"
    work.uow.order_records.lock(order)
    status = OrderStatus(payload["status"])
    invoice = payload.get("invoice", "")
    note = " ".join(filter(None, (f"invoice {invoice}" if invoice else "", payload.get("note"))))
    if status == OrderStatus.CANCELLED:
        # Exactly the desk's cancel: suppliers told, vouchers released, the debit credited back.
        try:
            cancel_for_desk(work, order, note=note or "cancelled by the ERP", by=ERP)
        except OrderActionError as error:
            return str(error)
        return None
    details: dict[str, object] = {"invoice": invoice} if invoice else {}
    if status == OrderStatus.SHIPPED:  # as far as the suppliers told: the ERP gives no dates
        parts = work.uow.order_records.supplier_orders(order.id)
        details["shipments"] = [shipment_of(part) for part in parts]
    try:
        transition(
            work.uow, order, status, at=work.now, actor_id=None, inbound_id=None,
            note=note, actor_name=ERP, details=details,
        )  # fmt: skip
    except TransitionError as error:
        return str(error)
    if status == OrderStatus.SHIPPED:
        tell_client(work, order, "shipped")
    return None


def _partner_created(work: Work, given: Mapping[str, Any]) -> str | None:
    limit, end = given.get("credit_limit"), given.get("contract_end")
    if limit is not None and limit["currency"] != given["currency"]:
        return f"a credit limit in {limit['currency']} for a partner kept in {given['currency']}"
    try:
        register(
            work.uow, name=given["name"], role=given["role"], addresses=given["addresses"],
            language=given["language"], group=given.get("group", ""),
            currency=given["currency"], now=work.now,
            credit_limit=None if limit is None else Decimal(limit["amount"]),
            contract_ends_at=None if end is None else datetime.fromisoformat(end), by=ERP,
        )  # fmt: skip
    except PartnerError as error:
        return str(error)
    return None


def _partner_changed(work: Work, given: Mapping[str, Any]) -> str | None:
    uow, now = work.uow, work.now
    partner = uow.partners.get(given["partner"])
    if partner is None:
        return f"unknown partner {given['partner']}"
    changes = Changes(
        name=given.get("name"),
        language=given.get("language"),
        group=given.get("group"),
        add_addresses=tuple(given.get("add_addresses", ())),
        remove_addresses=tuple(given.get("remove_addresses", ())),
    )
    try:
        changed = apply_changes(uow, partner, changes)
    except PartnerError as error:
        return str(error)
    if "credit_limit" in given:
        limit = given["credit_limit"]
        if limit is not None and limit["currency"] != partner.currency:
            kept = f"{partner.name} is kept in {partner.currency}"
            return f"a credit limit in {limit['currency']}; {kept}"
        partner.credit_limit = None if limit is None else Decimal(limit["amount"])
        changed.append("credit_limit")
    if "contract_end" in given:
        end = given["contract_end"]
        partner.contract_ends_at = None if end is None else datetime.fromisoformat(end)
        changed.append("contract_ends_at")
    uow.events.record(
        EventType.PARTNER_CHANGED,
        partner.id,
        {"partner": partner.id, "changed": changed, "by": ERP},
        now,
    )
    ended = partner.contract_ends_at is not None and partner.contract_ends_at <= now
    if ended and uow.partners.take_active(partner.id):
        cut_off(uow, work.replies, partner, reason=CONTRACT_END, now=now)
    return None


def _supplier_items(work: Work, given: Mapping[str, Any]) -> str | None:
    """Prices and stock of some of the supplier's SKUs: a new version of its active list with
    them changed, all of them, or (a SKU not on the list, a price in another currency) none."""
    supplier = work.uow.partners.get(given["supplier"])
    if supplier is None or supplier.role != "supplier":
        return f"unknown supplier {given['supplier']}"
    updates = [
        ItemUpdate(
            sku=change["sku"],
            price=None if "price" not in change else _money(change["price"]),
            stock=change.get("stock", Keep.STOCK),
        )
        for change in given["items"]
    ]
    done = update_items(work.uow, supplier, updates, now=work.now, by=ERP)
    return done if isinstance(done, str) else None


def _money(given: Mapping[str, str]) -> Money:
    return Money(Decimal(given["amount"]), given["currency"])


HANDLERS: Mapping[str, Handler] = {
    InboundType.PAYMENT_RECEIVED: _payment,
    InboundType.ORDER_STATUS: _order_status,
    InboundType.PARTNER_CREATED: _partner_created,
    InboundType.PARTNER_CHANGED: _partner_changed,
    InboundType.SUPPLIER_ITEMS: _supplier_items,
}
