"""Orders at the command line: the newest orders, filtered, and one order shown whole (the
acts on an order are in `lifecycle.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click

from mailbot import read_models as views
from mailbot.commands.common import (
    Context,
    emit,
    emit_one,
    fail,
    failures,
    json_option,
    pass_context,
)
from mailbot.commands.dates import parse_moment
from mailbot.domain.orders import OrderStatus
from mailbot.services.partners.registry import normalise_address
from mailbot.storage.unit_of_work import UnitOfWork


@click.group()
def orders() -> None:
    """Orders and their lines."""


ORDER_STATUSES = tuple(status.value for status in OrderStatus)


@orders.command("list")
@click.option("--client", help="Only this client's orders (any of its addresses).")
@click.option("--supplier", help="Only orders with a line from this supplier (any address).")
@click.option("--status", type=click.Choice(ORDER_STATUSES), help="Only orders in this status.")
@click.option("--since", metavar="DATE", help="Only orders received on DATE or later (or TIME).")
@click.option("--until", metavar="DATE", help="Only orders received on DATE or before (or TIME).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@pass_context
def orders_list(context: Context, client: str | None, supplier: str | None,
                status: str | None, since: str | None, until: str | None, limit: int,
                as_json: bool) -> None:  # fmt: skip
    """List the newest orders; the filters given all apply. DATE is a day in the scheduler's
    time zone (--until takes the whole day), or an ISO 8601 time."""
    app = context.app()
    zone = app.config.scheduler.timezone
    start = None if since is None else parse_moment(since, zone, "--since")
    end = None if until is None else _end_of(until, zone)
    with failures(), app.uow() as uow:
        client_id = None if client is None else _partner_id(uow, client)
        supplier_id = None if supplier is None else _partner_id(uow, supplier)
        found = uow.orders.find(client_id=client_id, supplier_id=supplier_id, status=status,
                                since=start, until=end, limit=limit)  # fmt: skip
        rows = [views.order_row(order) for order in found]
    emit(rows, as_json, ["number", "client", "status", "currency", "total", "created_at"])


def _partner_id(uow: UnitOfWork, address: str) -> int:
    partner = uow.partners.by_address(normalise_address(address))
    if partner is None:
        fail(f"no partner has the address {address}")
    return partner.id


def _end_of(text: str, zone: str) -> datetime:
    """Where --until stops: after the whole day for a date, just after the moment for a time."""
    moment = parse_moment(text, zone, "--until")
    if len(text.strip()) == 10:  # a date: the next day's midnight, local
        day = moment.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
        return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)
    return moment + timedelta(microseconds=1)


@orders.command("show")
@click.argument("number")
@json_option
@pass_context
def orders_show(context: Context, number: str, as_json: bool) -> None:
    """Show an order whole: its amounts (lines, discount, total), priced and rejected lines,
    voucher codes, deadlines, transitions (who, when, from which message), each supplier's
    part, and the mail received and sent about it."""
    with context.app().uow() as uow:
        order = uow.orders.by_number(number.upper())
        if order is None:
            fail(f"no order {number}")
        detail = views.order_matrix(uow, order)
    emit_one(detail, as_json)
    if as_json:
        return
    for title, key, columns in ORDER_TABLES:
        rows: list[dict[str, object]] = detail[key]  # type: ignore[assignment]
        if rows or key in ("lines", "transitions"):
            click.echo(f"\n{title}:")
            emit(rows, False, columns)


# The tables `orders show` prints after the order's fields: title, key, columns.
ORDER_TABLES = (
    ("Lines", "lines",
     ["sku", "name", "quantity", "confirmed_quantity", "unit_price", "line_total"]),
    ("Rejected lines", "rejected", ["source", "row", "sku", "text", "reason", "detail"]),
    ("Voucher codes", "vouchers", ["code", "campaign", "status", "discount", "release_reason"]),
    ("Deadlines", "deadlines",
     ["deadline", "party", "due_at", "status", "next_stage", "next_stage_at"]),
    ("History", "transitions", ["at", "status", "by", "role", "message", "note"]),
    ("Suppliers", "suppliers",
     ["supplier", "status", "sent_at", "confirmed_at", "ship_date", "ship_method"]),
    ("Mail received", "messages", ["id", "received_at", "sender", "subject", "status"]),
    ("Mail sent", "outbox", ["id", "created_at", "kind", "recipient", "status", "subject"]),
)  # fmt: skip
