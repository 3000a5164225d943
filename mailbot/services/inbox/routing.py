"""Which handler answers a message from a known, active partner: a table of routes, tried in
order, the first that applies wins; a message none applies to is told it was not understood.

The order is data, as in `parsers/autoreply.py`: a client's PRICES before its other commands,
its commands before an order; a supplier's answer about an order before a price list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mailbot.domain.events import EventType
from mailbot.parsers.commands import Command
from mailbot.parsers.tables import is_table
from mailbot.services.inbox.handling import Handling, Outcome, processed
from mailbot.services.inbox.quoting import take_order
from mailbot.services.orders.client_commands import answer_command
from mailbot.services.orders.proof import proof_of_sender
from mailbot.services.orders.supplier_orders import answer_supplier
from mailbot.services.orders.taking import winmail_problems
from mailbot.services.pricelists.by_mail import report_context, take_price_list
from mailbot.services.pricelists.export import price_list_files


@dataclass(frozen=True, slots=True)
class Route:
    """What a message is, the test that tells, and the handler that answers it."""

    name: str
    applies: Callable[[Handling], bool]
    handle: Callable[[Handling], Outcome]


def route(handling: Handling) -> Outcome:
    """Answer the message with the first route that applies to it."""
    for candidate in ROUTES:
        if candidate.applies(handling):
            return candidate.handle(handling)
    handling.reply("not_understood", {})
    return processed("answered: nothing to act on")


def _client(handling: Handling) -> bool:
    return handling.partner.role == "client"


def _supplier(handling: Handling) -> bool:
    return handling.partner.role == "supplier"


def _asks_for_prices(handling: Handling) -> bool:
    request = handling.request
    return _client(handling) and request is not None and request.command is Command.PRICES


def _client_command(handling: Handling) -> bool:
    return _client(handling) and handling.request is not None


def _supplier_answer(handling: Handling) -> bool:
    return _supplier(handling) and handling.order_answered is not None


def _supplier_table(handling: Handling) -> bool:
    attachments = handling.message.attachments
    return _supplier(handling) and any(is_table(a.filename, a.content_type) for a in attachments)


def _supplier_winmail(handling: Handling) -> bool:
    return _supplier(handling) and bool(winmail_problems(handling.message))


def send_price_list(handling: Handling) -> Outcome:
    """Mail the client its own price list as files."""
    work, client = handling.work, handling.partner
    export = price_list_files(work.uow, client, handling.intake.rules.pricing, now=work.now)
    names = [file.filename for file in export.files]
    context = {
        "items": export.items,
        "generated_at": work.now,
        "currency": client.currency,
        "files": names,
    }
    attachments = [(f.filename, f.content_type, f.payload) for f in export.files]
    handling.reply("price_list", context, attachments=attachments)
    payload = {"client": client.id, "items": export.items, "files": names}
    work.uow.events.record(EventType.PARTNER_PRICE_LIST_SENT, client.id, payload, work.now)
    return processed(f"price list sent: {export.items} items, {', '.join(names)}")


def answer_client_command(handling: Handling) -> Outcome:
    """Act on the client's AGREE, CANCEL, STATUS or BALANCE and answer it."""
    assert handling.request is not None  # the route's test
    inbound = handling.inbound()
    return processed(answer_command(handling.work, handling.request, handling.partner, inbound))


def answer_supplier_mail(handling: Handling) -> Outcome:
    """Act on the supplier's answer about one of the orders it was sent."""
    order = handling.order_answered
    assert order is not None  # the route's test
    limits = handling.intake.price_lists.limits
    inbound = handling.inbound()
    return processed(
        answer_supplier(handling.work, order, handling.partner, inbound, limits=limits)
    )


def take_supplier_price_list(handling: Handling) -> Outcome:
    """Import the supplier's first spreadsheet as its new price list and report on it; held
    for a manager when the mail shows no more than its From header (see orders/proof.py)."""

    def report(context: Mapping[str, object]) -> None:
        handling.reply("pricelist_report", context)

    work, supplier, message = handling.work, handling.partner, handling.message
    proof = proof_of_sender(work.uow, message, supplier, None, lambda: handling.authenticated)
    summary = take_price_list(
        work,
        supplier,
        message,
        report=report,
        settings=handling.intake.price_lists,
        received_at=handling.record.received_at,
        unverified=not proof,
    )
    return processed(summary)


def refuse_winmail(handling: Handling) -> Outcome:
    """Tell the supplier a price list inside winmail.dat cannot be read."""
    context = report_context("", problems=winmail_problems(handling.message))
    handling.reply("pricelist_report", context)
    return processed("price list refused: sent inside winmail.dat (TNEF)")


ROUTES: tuple[Route, ...] = (
    Route("a client asks for its price list", _asks_for_prices, send_price_list),
    Route("a client's command", _client_command, answer_client_command),
    Route("a client's order", _client, take_order),
    Route("a supplier's answer about an order", _supplier_answer, answer_supplier_mail),
    Route("a supplier's price list", _supplier_table, take_supplier_price_list),
    Route("a supplier's price list inside winmail.dat", _supplier_winmail, refuse_winmail),
)
