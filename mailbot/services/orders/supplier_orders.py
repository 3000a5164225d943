"""Order files to suppliers, and their answers: confirmed, confirmed in part, shipped.

An answer is checked whole before anything is changed: a line that is not the supplier's,
more confirmed than ordered, or a shipped date that is unreadable, after today or before the
order file was sent (days in the supplier's zone) refuses the answer with the reasons, and the
order stays as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mailbot.domain.actors import Actor, label_of, signed
from mailbot.domain.deadlines import DeadlineKind
from mailbot.domain.events import EventType
from mailbot.domain.orders import FINAL, OrderStatus, SupplierOrderStatus, shipment_date_fault
from mailbot.domain.pricing import normalise_sku
from mailbot.outbound.order_sheets import OrderFileLine, order_files
from mailbot.parsers.supplier_answers import SupplierAnswer, read_supplier_answer
from mailbot.parsers.tables import TableLimits, UnreadableTable, is_table, read_rows
from mailbot.services.orders.lifecycle import transition
from mailbot.services.orders.mail import Inbound, first_address, tell, tell_client
from mailbot.services.orders.proof import NOT_PROVEN, order_reference, proof_of_sender
from mailbot.services.schedule.deadlines import (
    close_deadlines,
    open_shipping,
    open_supplier_confirmation,
)
from mailbot.services.work import Work
from mailbot.storage.models import Order, OrderLine, Partner, SupplierOrder
from mailbot.storage.unit_of_work import UnitOfWork

# A supplier's part is settled for the order once it is one of these.
SETTLED = frozenset({SupplierOrderStatus.CONFIRMED, SupplierOrderStatus.SHIPPED})


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a supplier's answer was refused: `kind` names the reason, the rest says where."""

    kind: str  # not_yours, too_many, fractional, unreadable, date_future, date_unreadable, ...
    sku: str = ""
    text: str = ""
    ordered: int | None = None
    day: date | None = None  # the day a date was judged against (today, the order file's)


def supplier_lines(order: Order, supplier_id: int) -> list[OrderLine]:
    return [
        line
        for line in order.lines
        if line.supplier_id == supplier_id and line.unit_price is not None and line.quantity
    ]


def send_order_files(work: Work, order: Order) -> int:
    """Mail each supplier of the order's priced lines its order file, saying when to confirm
    by, and open its confirmation window; how many were sent."""
    by_supplier: dict[int, list[OrderLine]] = defaultdict(list)
    for line in order.lines:
        if line.supplier_id is not None and line.unit_price is not None and line.quantity:
            by_supplier[line.supplier_id].append(line)
    uow, now = work.uow, work.now
    for supplier_id, lines in sorted(by_supplier.items()):
        supplier = uow.partners.get(supplier_id)
        assert supplier is not None, f"order {order.number} names a missing supplier"
        today = now.astimezone(work.zone_of(supplier.timezone)).date()
        rows = [OrderFileLine(line.sku, line.name, line.quantity or 0) for line in lines]
        attachments = order_files(order.number, rows, supplier.language)
        confirm_by = open_supplier_confirmation(work, order, supplier_id)
        context = {
            "order_number": order.number,
            "lines": rows,
            "files": [name for name, _, _ in attachments],
            "confirm_by": confirm_by,
            "cancelled": False,
            "example_day": today,  # the shipping example is a date the answer may give
            "reference": order_reference(order, supplier_id),
        }
        tell(work, supplier, "order_file", context, order=order, attachments=attachments)
        mail = uow.order_records.first_mail(order.id, first_address(supplier))
        part = SupplierOrder(
            order_id=order.id,
            supplier_id=supplier_id,
            status=SupplierOrderStatus.SENT,
            sent_at=now,
            outbound_message_id=None if mail is None else mail.id,
        )
        uow.order_records.add(part)
    return len(by_supplier)


def tell_suppliers_of_cancel(work: Work, order: Order) -> None:
    """Tell each supplier that had an order file that the order is cancelled."""
    for part in work.uow.order_records.supplier_orders(order.id):
        rows = [
            OrderFileLine(line.sku, line.name, line.quantity or 0)
            for line in supplier_lines(order, part.supplier_id)
        ]
        context = {
            "order_number": order.number,
            "lines": rows,
            "files": [],
            "confirm_by": None,
            "cancelled": True,
        }
        tell(work, part.supplier, "order_file", context, order=order)


def answer_supplier(
    work: Work, order: Order, supplier: Partner, inbound: Inbound, *, limits: TableLimits
) -> str:
    """Act on a supplier's reply about `order`, read within `limits`; shipping dates are judged
    by the supplier's local date. Returns a summary for the processing log."""
    uow = work.uow
    zone = work.zone_of(supplier.timezone)
    today = work.now.astimezone(zone).date()
    uow.order_records.lock(order)
    part = next(
        (p for p in uow.order_records.supplier_orders(order.id) if p.supplier_id == supplier.id),
        None,
    )

    def reply(outcome: str, problems: Sequence[Problem] = (), **extra: object) -> None:
        context = {
            "order_number": order.number,
            "outcome": outcome,
            "refusals": problems,
            "order_status": order.status,
            "example_day": today,
            **extra,
        }
        about = None if part is None else order  # an order not its own stays unlinked
        tell(work, supplier, "supplier_answer", context, order=about, inbound=inbound)

    if part is None:
        # Not one of its orders: answered as unknown, revealing nothing about it.
        reply("unknown")
        return f"supplier answer refused: {order.number} has no lines of {supplier.name}"
    if order.status in FINAL or part.status == SupplierOrderStatus.SHIPPED:
        reply("closed")
        return f"supplier answer for {order.number} refused: the order is {order.status}"
    if not proof_of_sender(uow, inbound.message, supplier, order, inbound.authenticated):
        # Not read at all: told, at the supplier's own address, how to answer.
        reply("unverified", reference=order_reference(order, supplier.id))
        act = {"order": order.number, "partner": supplier.id, "act": "supplier_answer"}
        payload = {**act, "message": inbound.record.id}
        uow.events.record(EventType.ORDER_ACT_NOT_PROVEN, order.number, payload, work.now)
        return f"supplier answer for {order.number} not carried out: {NOT_PROVEN}"
    answer, problems = _read(inbound, limits)
    if answer.empty and not problems:
        reply("not_understood")
        return f"supplier answer for {order.number} not understood"
    checked = check_answer(work, order, part, answer)
    problems = [*problems, *checked.problems]
    if problems:
        reply("refused", problems)
        return f"supplier answer for {order.number} refused: {len(problems)} problem(s)"
    summary = carry_out(work, order, part, checked, inbound_id=inbound.record.id)
    reply(
        "accepted",
        part_status=part.status,
        ship_date=part.ship_date,
        ship_method=part.ship_method,
    )
    return summary


def _read(inbound: Inbound, limits: TableLimits) -> tuple[SupplierAnswer, list[Problem]]:
    problems: list[Problem] = []
    tables = []
    for attachment in inbound.message.attachments:
        if is_table(attachment.filename, attachment.content_type):
            name = attachment.filename or "attachment"
            try:
                tables.append((name, list(read_rows(name, attachment.payload, limits))))
            except UnreadableTable as error:
                problems.append(Problem("unreadable_file", text=f"{name}: {error.reason}"))
    answer = read_supplier_answer(inbound.message.text, tables)
    problems.extend(Problem("unreadable", line.sku, line.text) for line in answer.unreadable)
    return answer, problems


@dataclass(frozen=True, slots=True)
class CheckedAnswer:
    """A supplier's answer judged against its lines: the confirmed quantity of each line it
    names (by line id), and what is wrong with it (nothing, when it may be carried out)."""

    answer: SupplierAnswer
    lines: list[OrderLine]
    quantities: dict[int, int]
    problems: list[Problem]


def check_answer(
    work: Work, order: Order, part: SupplierOrder, answer: SupplierAnswer
) -> CheckedAnswer:
    """Judge `answer` on the supplier's part of `order` before anything changes; shipping
    dates by the supplier's local date."""
    zone = work.zone_of(part.supplier.timezone)
    today = work.now.astimezone(zone).date()
    lines = supplier_lines(order, part.supplier_id)
    quantities, problems = _quantities(answer, lines)
    sent_on = part.sent_at.astimezone(zone).date()
    problems.extend(_shipment_problems(answer, today, sent_on))
    return CheckedAnswer(answer, lines, quantities, problems)


def carry_out(
    work: Work,
    order: Order,
    part: SupplierOrder,
    checked: CheckedAnswer,
    *,
    inbound_id: int | None,
    by: Actor | None = None,
) -> str:
    """Carry out a checked answer without problems; a summary for the log. `by` names who
    acted for the supplier outside mail."""
    summary = _apply(work, order, part, checked, inbound_id, by)
    if part.status == SupplierOrderStatus.CONFIRMED:  # in full, not shipped: the promise runs
        days = delivery_days(work.uow, checked.lines, part.supplier_id)
        open_shipping(work, order, part.supplier_id, delivery_days=days)
    return summary


def _quantities(
    answer: SupplierAnswer, lines: Sequence[OrderLine]
) -> tuple[dict[int, int], list[Problem]]:
    """The confirmed quantity of each of the supplier's lines (by line id) the answer names."""
    by_sku = {normalise_sku(line.sku): line for line in lines}
    confirmed: dict[int, int] = {}
    problems: list[Problem] = []
    for given in answer.quantities:
        line = by_sku.get(normalise_sku(given.sku))
        text = str(given.quantity)
        if line is None:
            problems.append(Problem("not_yours", given.sku, text))
        elif given.quantity != given.quantity.to_integral_value() or given.quantity < 0:
            problems.append(Problem("fractional", given.sku, text))
        elif given.quantity > Decimal(line.quantity or 0):
            problems.append(Problem("too_many", given.sku, text, line.quantity))
        else:
            confirmed[line.id] = int(given.quantity)
    return confirmed, problems


def _shipment_problems(answer: SupplierAnswer, today: date, sent_on: date) -> list[Problem]:
    shipment = answer.shipment
    if shipment is None:
        return []
    if shipment.date is None:
        return [Problem("date_unreadable", text=shipment.date_text)]
    fault = shipment_date_fault(shipment.date, sent_on=sent_on, today=today)
    if fault is None:
        return []
    day = today if fault == "date_future" else sent_on
    return [Problem(fault, text=shipment.date_text, day=day)]


def _apply(
    work: Work,
    order: Order,
    part: SupplierOrder,
    checked: CheckedAnswer,
    inbound_id: int | None,
    by: Actor | None,
) -> str:
    """Record a checked answer on the supplier's part, then move the order where it can go."""
    uow, now = work.uow, work.now
    answer, lines, quantities = checked.answer, checked.lines, checked.quantities

    def settle(kind: DeadlineKind) -> None:
        """The supplier's deadline of `kind` on this order is met."""
        close_deadlines(uow, order_id=order.id, kinds=[kind], partner_id=part.supplier_id, now=now)

    news: list[str] = []
    if answer.confirmed or answer.quantities or part.confirmed_at is None:
        for line in lines:
            line.confirmed_quantity = quantities.get(line.id, line.quantity)
        short = any((line.confirmed_quantity or 0) < (line.quantity or 0) for line in lines)
        part.status = SupplierOrderStatus.PARTIAL if short else SupplierOrderStatus.CONFIRMED
        part.confirmed_at = now
        news.append(part.status)
        confirmed = {
            "order": order.number,
            "supplier": part.supplier_id,
            "status": str(part.status),
            "lines": [_confirmed_line(line) for line in lines],
        }
        confirmed = signed(confirmed, by)
        uow.events.record(EventType.ORDER_SUPPLIER_CONFIRMED, order.number, confirmed, now)
        # A partial confirmation is the supplier's answer too: what waits now is the client's
        # AGREE or CANCEL, so the supplier is not reminded (nor held to a shipping promise).
        settle(DeadlineKind.SUPPLIER_CONFIRMATION)
    if answer.shipment is not None:
        # A part the client has still to agree to keeps "partial"; it ships when agreed.
        if part.status != SupplierOrderStatus.PARTIAL:
            part.status = SupplierOrderStatus.SHIPPED
        part.shipped_at = now
        part.ship_date = answer.shipment.date
        part.ship_method = answer.shipment.method[:100]
        news.append(f"shipped {part.ship_date} {part.ship_method}".rstrip())
        shipped = signed({"order": order.number, **shipment_of(part)}, by)
        uow.events.record(EventType.ORDER_SUPPLIER_SHIPPED, order.number, shipped, now)
        settle(DeadlineKind.SHIPPING)
    if part.status == SupplierOrderStatus.PARTIAL:
        reference = order_reference(order, order.client_id)
        tell_client(work, order, "partial", lines=comparison(order), reference=reference)
    advance(work, order, actor_id=part.supplier_id, inbound_id=inbound_id, actor_name=label_of(by))
    return f"supplier answer for {order.number}: {', '.join(news)}; order {order.status}"


def _confirmed_line(line: OrderLine) -> dict[str, object]:
    return {"sku": line.sku, "ordered": line.quantity, "confirmed": line.confirmed_quantity}


def shipment_of(part: SupplierOrder) -> dict[str, object]:
    """A supplier's shipment as events tell it: the day the goods left, and how."""
    day = None if part.ship_date is None else part.ship_date.isoformat()
    return {"supplier": part.supplier_id, "date": day, "method": part.ship_method}


def delivery_days(uow: UnitOfWork, lines: Sequence[OrderLine], supplier_id: int) -> int | None:
    """The most delivery days the supplier's active price list gives for `lines`, or None
    when it gives none."""
    offers = uow.prices.offers(normalise_sku(line.sku) for line in lines)
    days = [
        offer.delivery_days
        for found in offers.values()
        for offer in found
        if offer.supplier_id == supplier_id and offer.delivery_days is not None
    ]
    return max(days, default=None)


def comparison(order: Order) -> list[dict[str, object]]:
    """Ordered against confirmed quantities of every priced line, for the client."""
    return [
        {
            "sku": line.sku,
            "name": line.name,
            "ordered": line.quantity,
            "confirmed": line.confirmed_quantity,
        }
        for line in order.lines
        if line.unit_price is not None and line.quantity
    ]


def advance(
    work: Work,
    order: Order,
    *,
    actor_id: int | None,
    inbound_id: int | None,
    announce: bool = True,
    actor_name: str = "",
) -> None:
    """Move a sent order on once every supplier has settled, and a confirmed one once every
    supplier has shipped (the client is told, with dates and methods). `announce` False
    leaves the confirmation untold, for a caller that tells the client itself."""
    uow, now = work.uow, work.now
    parts = uow.order_records.supplier_orders(order.id)
    settled = bool(parts) and all(p.status in SETTLED for p in parts)
    shipped = bool(parts) and all(p.status == SupplierOrderStatus.SHIPPED for p in parts)
    if order.status == OrderStatus.SENT and settled:
        details = {"lines": comparison(order)}
        transition(
            uow, order, OrderStatus.CONFIRMED,
            at=now, actor_id=actor_id, inbound_id=inbound_id, details=details,
            actor_name=actor_name,
        )  # fmt: skip
        if announce and not shipped:
            tell_client(work, order, "confirmed")
    if order.status == OrderStatus.CONFIRMED and shipped:
        details = {"shipments": [shipment_of(part) for part in parts]}
        transition(
            uow, order, OrderStatus.SHIPPED,
            at=now, actor_id=actor_id, inbound_id=inbound_id, details=details,
            actor_name=actor_name,
        )  # fmt: skip
        tell_client(work, order, "shipped")
