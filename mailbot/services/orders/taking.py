"""Taking an order from a client's message: read every line, price it, store it, queue the quote."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from mailbot.domain.events import money
from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.domain.markup import MarkupRule
from mailbot.domain.orders import OrderStatus, move
from mailbot.domain.pricing import PriceRules, normalise_sku
from mailbot.domain.quotes import Quote, QuotedLine, quote_order
from mailbot.parsers.catalogue import Catalogue
from mailbot.parsers.message import ParsedMessage
from mailbot.parsers.order_files import FileLimits, is_order_file, read_order_file
from mailbot.parsers.order_lines import NO_CATALOGUE, LineBudget, OrderLines, TooManyLinesError
from mailbot.parsers.order_text import order_lines_from_text
from mailbot.parsers.tables import TableLimits, TooManyRows, UnreadableTable
from mailbot.services.orders.lifecycle import record_step
from mailbot.storage.models import InboundMessage, Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})


@dataclass(frozen=True, slots=True)
class PricingSettings:
    """The configured pricing, with suppliers still named by their addresses.

    `markup` pairs each rule with the supplier address it names ("" for none), in order of
    precedence among rules of equal rank; the rules themselves carry no supplier id yet.
    """

    markup: tuple[tuple[str, MarkupRule], ...] = ()
    ending: Decimal | None = None
    vat_percent: Decimal = Decimal(0)
    supplier_priority: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderRules:
    """What the configuration says about orders and prices."""

    pricing: PricingSettings
    max_quantity: int
    max_attachments: int
    files: FileLimits
    max_lines: int = 2000  # order lines of one message, body and files together


@dataclass(frozen=True, slots=True)
class ReadOrder:
    """Everything read from one message: lines, and problems with whole attachments (row 0).
    `too_many_lines` is the limit the message went past (reading stopped there), else 0."""

    lines: OrderLines
    problems: tuple[RejectedLine, ...]
    too_many_lines: int = 0

    @property
    def codes(self) -> tuple[str, ...]:
        """The voucher codes written in the voucher columns of its tables, in order."""
        return self.lines.codes


def read_order(
    message: ParsedMessage, rules: OrderRules, catalogue: Catalogue = NO_CATALOGUE
) -> ReadOrder:
    """The order lines of a message: from its files (spreadsheets, PDFs), its body, then the
    text of messages forwarded as attachments; the `catalogue` of SKUs on offer tells SKUs in
    any notation, and their columns, apart. Past `rules.max_lines` lines (taken, asked about
    or refused) reading stops and the order comes back empty with `too_many_lines` set."""
    try:
        return _read_order(message, rules, catalogue, LineBudget(rules.max_lines))
    except TooManyLinesError as error:
        return ReadOrder(OrderLines(), (), too_many_lines=error.limit)


def _read_order(
    message: ParsedMessage, rules: OrderRules, catalogue: Catalogue, budget: LineBudget
) -> ReadOrder:
    parts: list[OrderLines] = []
    problems = list(winmail_problems(message))
    files = [a for a in message.attachments if is_order_file(a.filename, a.content_type, a.payload)]
    skipped = [a.filename or "attachment" for a in files[rules.max_attachments :]]
    if skipped:
        # One line for all of them: a message with 2,000 files gets a reply of readable length.
        names = ", ".join(skipped) if len(skipped) <= 3 else f"{skipped[0]} … {skipped[-1]}"
        origin = Origin(f"{names} ({len(skipped)})"[:255], 0)
        problems.append(
            RejectedLine(origin, Rejection.TOO_MANY_FILES, detail=str(rules.max_attachments))
        )
    for attachment in files[: rules.max_attachments]:
        name = attachment.filename or "attachment"
        try:
            parts.append(
                read_order_file(
                    name,
                    attachment.content_type,
                    attachment.payload,
                    rules.files,
                    catalogue,
                    budget,
                )
            )
        except UnreadableTable as error:
            problems.append(file_problem(name, error, rules.files.tables))
    parts.append(order_lines_from_text(message.text, catalogue, budget=budget))
    for forwarded in message.forwarded:  # forwards sent as attachments: their text too
        name = forwarded.name[:200]
        parts.append(order_lines_from_text(forwarded.text, catalogue, name, budget))
    return ReadOrder(OrderLines.combine(*parts), tuple(problems))


def winmail_problems(message: ParsedMessage) -> tuple[RejectedLine, ...]:
    """A problem for each `winmail.dat` (TNEF): Outlook's Rich Text wrapper, which hides the
    real attachments inside it and which mailbot does not unpack."""
    return tuple(
        RejectedLine(Origin(a.filename or "winmail.dat", 0), Rejection.WINMAIL_DAT)
        for a in message.attachments
        if a.content_type.lower() in _TNEF_TYPES or a.filename.lower() == "winmail.dat"
    )


def file_problem(name: str, error: UnreadableTable, limits: TableLimits) -> RejectedLine:
    """A spreadsheet that could not be read, as a line the reply can explain in any language."""
    if isinstance(error, TooManyRows):
        return RejectedLine(Origin(name, 0), Rejection.TOO_MANY_ROWS, detail=str(limits.max_rows))
    return RejectedLine(Origin(name, 0), Rejection.UNREADABLE_FILE, detail=error.reason)


def price_order(uow: UnitOfWork, client: Partner, order: ReadOrder, rules: OrderRules) -> Quote:
    """Price the order's lines from the active price lists, in the client's currency."""
    requested = order.lines.lines
    offers = uow.prices.offers(normalise_sku(line.sku) for line in requested)
    return quote_order(
        requested,
        offers,
        currency=client.currency,
        prices=price_rules(uow, rules.pricing),
        max_quantity=rules.max_quantity,
        group=client.group,
        gross=client.price_display == "gross",
        # Whole files that could not be read are reported in the quote too, not only when
        # nothing at all could be read.
        rejected=(*order.problems, *order.lines.rejected),
    )


def price_rules(uow: UnitOfWork, settings: PricingSettings) -> PriceRules:
    """The price rules, with configured supplier addresses resolved to partner ids.

    A rule or priority naming an address no partner has is left out: it could match nothing.
    """
    ids: dict[str, int | None] = {}

    def supplier_id(address: str) -> int | None:
        if address not in ids:
            supplier = uow.partners.by_address(address)
            ids[address] = None if supplier is None else supplier.id
        return ids[address]

    markup = []
    for address, rule in settings.markup:
        if not address:
            markup.append(rule)
        elif (found := supplier_id(address)) is not None:
            markup.append(replace(rule, supplier_id=found))
    priority = {}
    for address, rank in settings.supplier_priority.items():
        if (found := supplier_id(address)) is not None:
            priority[found] = rank
    return PriceRules(tuple(markup), settings.ending, settings.vat_percent, priority)


def store_order(
    uow: UnitOfWork, client: Partner, inbound: InboundMessage, quote: Quote, now: datetime
) -> Order:
    """Persist a quoted order with every line, priced or rejected, and give it its number.

    The order is received and quoted in one step: its row is written quoted, numbered by its
    INSERT (ORD-<year>-<id>), and the step from received is recorded with it."""
    order = Order(
        number=f"ORD-{now.year}-",
        client_id=client.id,
        status=OrderStatus.QUOTED,
        currency=quote.currency,
        total=quote.total.amount,
        inbound_message_id=inbound.id,
        created_at=now,
        quoted_at=now,
        secret=secrets.token_hex(16),  # the key of its references (services/orders/proof.py)
    )
    uow.orders.add_numbered(order)
    details = {
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price.amount, line.unit_price.currency),
                "line_total": money(line.line_total.amount, line.line_total.currency),
                "supplier": line.supplier_id,
            }
            for line in quote.lines
        ],
        "rejected": [{"sku": line.sku, "reason": line.reason.value} for line in quote.rejected],
    }
    quoted = move(
        order.number, OrderStatus.RECEIVED, OrderStatus.QUOTED, at=now, actor_id=client.id
    )
    record_step(uow, order, quoted, inbound_id=inbound.id, details=details)
    priced = [_priced_row(line) for line in quote.lines]
    rejected = [_rejected_row(line) for line in quote.rejected]
    uow.orders.add_lines(order.id, [*priced, *rejected])
    return order


def _priced_row(line: QuotedLine) -> dict[str, object]:
    return {
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": line.unit_price.amount,
        "line_total": line.line_total.amount,
        "supplier_id": line.supplier_id,
        "source": line.origin.source[:255],
        "row": line.origin.row,
        "rejection": None,
        "detail": "",
        "text": line.written[:255],
    }


def _rejected_row(line: RejectedLine) -> dict[str, object]:
    return {
        "sku": line.sku[:100],
        "name": "",
        "quantity": None,
        "unit_price": None,
        "line_total": None,
        "supplier_id": None,
        "source": line.origin.source[:255],
        "row": line.origin.row,
        "rejection": line.reason.value,
        "detail": line.detail[:255],
        "text": line.text[:255],
    }
