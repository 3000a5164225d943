"""A client's order mail answered with its quote: read, priced, vouchers judged, stored, and
agreed at once for a client set to auto-agree. A mail whose subject asks for a check is quoted
and nothing is stored or reserved."""

from __future__ import annotations

from dataclasses import replace
from gettext import ngettext as english_plural  # logs are English: not in the catalogues

from mailbot.domain.deadlines import Stage, stage_time
from mailbot.domain.quotes import Quote
from mailbot.parsers.commands import is_check
from mailbot.services.inbox.handling import Handling, Outcome, processed
from mailbot.services.orders.agreement import agree
from mailbot.services.orders.proof import order_reference
from mailbot.services.orders.taking import price_order, read_order, store_order
from mailbot.services.schedule.deadlines import open_agreement
from mailbot.services.vouchers.order_codes import judge_codes, look_up_codes, reserve_codes

# Why a message's body could not be read, in its outcome (`ParsedMessage.unread`).
UNREAD = {"nested": "its parts are nested too deeply", "broken": "it is broken"}


def take_order(handling: Handling) -> Outcome:
    """Quote the client's order mail (or say that no order line was found)."""
    work, inbound, message, client = (
        handling.work,
        handling.record,
        handling.message,
        handling.partner,
    )
    uow, rules = work.uow, handling.intake.rules
    catalogue = handling.intake.catalogue.current(uow)
    order = read_order(message, rules, catalogue)
    if order.too_many_lines:
        # A short answer, whatever the size of the order: no quote of the lines read so far.
        handling.reply("too_many_lines", {"max_lines": order.too_many_lines})
        return processed(f"answered: order refused, more than {order.too_many_lines} lines")
    if not order.lines.lines:
        # Codes written without an order ("Promo code: SPRING10, does it apply?") are answered.
        vouchers = look_up_codes(uow, client, order, message, catalogue)
        context: dict[str, object] = {
            "rejected": order.lines.rejected,
            "problems": order.problems,
            "vouchers": vouchers.rows(client.language),
            "unread": message.unread,
        }
        handling.reply("no_order", context)
        count = len(vouchers.found)
        codes = english_plural("%d voucher code answered", "%d voucher codes answered", count)
        said = "answered: no order lines found"
        if message.unread:
            why = UNREAD.get(message.unread, message.unread)
            said += f"; the message could not be read ({why})"
        return processed(said + (f"; {codes % count}" if count else ""))
    quote = price_order(uow, client, order, rules)
    zone = work.zone_of(client.timezone)
    vouchers = judge_codes(
        uow,
        client,
        order,
        message,
        quote,
        received_at=inbound.received_at,
        zone=zone,
        catalogue=catalogue,
    )
    quote = replace(quote, discount=vouchers.discount)
    rows = vouchers.rows(client.language)
    if is_check(message.subject):
        checked = {"order_number": "", "quote": quote, "check": True, "vouchers": rows}
        handling.reply("quote", checked)
        return processed(f"checked: {summary(quote)}, nothing reserved")
    stored = store_order(uow, client, inbound, quote, inbound.received_at)
    now = work.now
    agree_by = open_agreement(work, stored, quote)
    quoted: dict[str, object] = {
        "order_number": stored.number,
        "quote": quote,
        "reference": order_reference(stored, client.id),
    }
    if client.auto_agree:
        quoted["auto_agree"] = True  # agreed at once: no AGREE asked for, no date to answer by
    elif agree_by is not None:
        quoted["agree_by"] = agree_by
    if agree_by is not None:
        # Held until the quote expires, when the scheduler releases them.
        hold_until = stage_time(
            Stage.EXPIRE, due_at=agree_by, opened_at=now, policy=work.deadlines.policy
        )
        vouchers = reserve_codes(
            uow,
            vouchers,
            order_id=stored.id,
            client_id=client.id,
            inbound_id=inbound.id,
            now=now,
            hold_until=hold_until,
        )
        if vouchers.kept:
            quoted["vouchers_held_until"] = hold_until
        if vouchers.discount != quote.discount:
            quoted["quote"] = quote = replace(quote, discount=vouchers.discount)
            stored.total = quote.total.amount
            rows = vouchers.rows(client.language)
    quoted["vouchers"] = rows
    handling.reply("quote", quoted, order_id=stored.id)
    said = f"quoted {stored.number}: {summary(quote)}"
    if client.auto_agree and quote.lines:
        said += "; " + agree(work, stored, client, None)
    return processed(said)


def summary(quote: Quote) -> str:
    """A quote in a log line: lines priced and rejected, the discount, the total."""
    discount = "" if quote.discount is None else f", discount {quote.discount.rounded()}"
    priced = english_plural("%d line priced", "%d lines priced", len(quote.lines))
    return (
        f"{priced % len(quote.lines)}, "
        f"{len(quote.rejected)} rejected{discount}, "
        f"total {quote.total.rounded()}"
    )
