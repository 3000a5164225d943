"""The processor: claims stored messages and handles each in one transaction.

A claim takes a lease and counts the attempt in its own short transaction first, so a worker
that dies mid-message leaves it claimable again once the lease runs out, and a message that
kills workers still reaches quarantine after `max_attempts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mailbot.clock import Clock
from mailbot.domain.deadlines import Stage, stage_time
from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.domain.quotes import Quote
from mailbot.parsers.autoreply import reason_not_to_answer
from mailbot.parsers.commands import Command, is_check, read_command
from mailbot.parsers.message import ParsedMessage, parse_message
from mailbot.parsers.tables import is_table
from mailbot.services.inbox.sender_auth import SenderAuthentication
from mailbot.services.orders.agreement import agree
from mailbot.services.orders.client_commands import answer_command
from mailbot.services.orders.lifecycle import order_replied_to
from mailbot.services.orders.mail import Inbound
from mailbot.services.orders.supplier_orders import answer_supplier
from mailbot.services.orders.taking import (
    OrderRules,
    price_order,
    read_order,
    store_order,
    winmail_problems,
)
from mailbot.services.outbox.bounces import MAYBE_BOUNCE, BouncePolicy, record_bounce
from mailbot.services.outbox.replies import Replies, Thread, reply_address
from mailbot.services.outbox.reply_limits import ReplyLimit, hold_reason, send_due_digests
from mailbot.services.partners.contracts import take_notice
from mailbot.services.pricelists.by_mail import report_context, take_price_list
from mailbot.services.pricelists.catalogue import CatalogueCache
from mailbot.services.pricelists.export import price_list_files
from mailbot.services.pricelists.importing import PriceListSettings
from mailbot.services.schedule.deadlines import DeadlineSettings, open_agreement
from mailbot.services.vouchers.order_codes import judge_codes, reserve_codes
from mailbot.storage.models import InboundMessage, Order, Partner
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.processor")


@dataclass(frozen=True, slots=True)
class ProcessingPolicy:
    max_attempts: int
    retry_after: timedelta
    lease: timedelta
    own_addresses: frozenset[str]
    reply_limit: ReplyLimit
    bounces: BouncePolicy


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message: its final status and a line for people."""

    status: InboundStatus
    summary: str


class Processor:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        replies: Replies,
        rules: OrderRules,
        policy: ProcessingPolicy,
        clock: Clock,
        deadlines: DeadlineSettings,
        price_lists: PriceListSettings | None = None,
        sender_auth: SenderAuthentication | None = None,
    ) -> None:
        self._uow = uow
        self._sender_auth = sender_auth
        self._deadlines = deadlines
        self._price_lists = price_lists or PriceListSettings()
        self._replies = replies
        self._rules = rules
        self._policy = policy
        self._clock = clock
        self._catalogue = CatalogueCache()

    def run_once(self, limit: int = 20) -> int:
        """Write the digests that are due, then process up to `limit` claimable messages;
        returns how many were claimed."""
        self.send_due_digests()
        with self._uow() as uow:
            candidates = uow.inbox.claimable_ids(self._clock.now(), limit)
        handled = 0
        for inbound_id in candidates:
            if self.claim(inbound_id):
                self.process_claimed(inbound_id)
                handled += 1
        return handled

    def send_due_digests(self) -> int:
        """Write the digests of held replies that are due (see services/outbox/reply_limits.py)."""
        return send_due_digests(self._uow, self._replies, now=self._clock.now())

    def claim(self, inbound_id: int) -> bool:
        with self._uow() as uow:
            claimed = uow.inbox.claim(inbound_id, self._clock.now(), self._policy.lease)
            uow.commit()
            return claimed

    def process_claimed(self, inbound_id: int) -> Outcome:
        """Handle a message this worker has claimed; never raises for a bad message."""
        try:
            with self._uow() as uow:
                inbound = uow.inbox.get(inbound_id)
                assert inbound is not None, f"claimed message {inbound_id} vanished"
                if inbound.attempts > self._policy.max_attempts:
                    outcome = Outcome(
                        InboundStatus.QUARANTINED,
                        f"gave up after {inbound.attempts - 1} attempts: {inbound.last_error}",
                    )
                else:
                    outcome = self._handle(uow, inbound)
                    if held := uow.sent.held_reasons(inbound.id):
                        outcome = Outcome(outcome.status, "; ".join((outcome.summary, *held)))
                self._finish(inbound, outcome)
                uow.commit()
        except Exception as error:
            log.exception("message %s: processing failed", inbound_id)
            outcome = self._record_failure(inbound_id, error)
        log.info("message %s: %s (%s)", inbound_id, outcome.status, outcome.summary)
        return outcome

    def _finish(self, inbound: InboundMessage, outcome: Outcome) -> None:
        inbound.status = outcome.status
        inbound.outcome = outcome.summary
        inbound.lease_until = None
        inbound.processed_at = self._clock.now()
        if outcome.status == InboundStatus.QUARANTINED:
            inbound.last_error = outcome.summary

    def _record_failure(self, inbound_id: int, error: Exception) -> Outcome:
        reason = f"{type(error).__name__}: {error}"[:2000]
        now = self._clock.now()
        with self._uow() as uow:
            inbound = uow.inbox.get(inbound_id)
            assert inbound is not None
            inbound.last_error = reason
            if inbound.attempts >= self._policy.max_attempts:
                outcome = Outcome(
                    InboundStatus.QUARANTINED, f"failed {inbound.attempts} times: {reason}"
                )
                self._finish(inbound, outcome)
                uow.events.record("MessageQuarantined", {"message": inbound_id}, now)
            else:
                outcome = Outcome(
                    InboundStatus.STORED, f"attempt {inbound.attempts} failed, will retry"
                )
                inbound.lease_until = now + self._policy.retry_after
            uow.commit()
        return outcome

    def _handle(self, uow: UnitOfWork, inbound: InboundMessage) -> Outcome:
        raw = uow.inbox.raw(inbound.id)  # once: `inbound.raw` is loaded only when asked for
        message = parse_message(raw, self._policy.own_addresses)
        reason = reason_not_to_answer(
            message,
            own_addresses=self._policy.own_addresses,
            sent_by_us=lambda message_id: uow.sent.by_message_id(message_id) is not None,
        )
        if reason:
            bounce = ""
            if reason in MAYBE_BOUNCE:
                policy, now = self._policy.bounces, self._clock.now()
                bounce = record_bounce(uow, self._replies, raw, policy=policy, now=now)
            return Outcome(
                InboundStatus.IGNORED, "; ".join(filter(None, (f"not answered: {reason}", bounce)))
            )
        partner = uow.partners.by_address(message.from_address)
        if partner is None:
            return Outcome(
                InboundStatus.IGNORED, f"not answered: unknown sender {message.from_address}"
            )
        if self._sender_auth is not None:
            refusal = self._sender_auth.refusal(raw, message)
            if refusal:
                return Outcome(InboundStatus.QUARANTINED, refusal)
        inbound.partner_id = partner.id
        if not partner.active:
            if not take_notice(uow, partner, self._clock.now()):
                return Outcome(
                    InboundStatus.IGNORED, f"not answered: {partner.name} is cut off, told before"
                )
            self._reply(uow, "contract_ended", inbound, message, partner, {})
            return Outcome(
                InboundStatus.PROCESSED, f"answered: {partner.name} is cut off, notice sent"
            )
        if partner.role == "client":
            request = read_command(message.subject, message.text)
            if request is not None and request.command is Command.PRICES:
                return self._send_price_list(uow, inbound, message, partner)
            if request is not None:
                answered = self._inbound(uow, inbound, message, partner)
                now = self._clock.now()
                summary = answer_command(uow, self._replies, request, partner, answered,
                                         now=now, deadlines=self._deadlines,
                                         vat_percent=self._rules.pricing.vat_percent)  # fmt: skip
                return Outcome(InboundStatus.PROCESSED, summary)
            return self._take_order(uow, inbound, message, partner)
        if partner.role == "supplier" and (order := order_replied_to(uow, message)) is not None:
            answered = self._inbound(uow, inbound, message, partner)
            return self._supplier_answer(uow, answered, partner, order)
        if partner.role == "supplier" and any(
            is_table(a.filename, a.content_type) for a in message.attachments
        ):
            return self._take_price_list(uow, inbound, message, partner)
        if partner.role == "supplier" and (wrapped := winmail_problems(message)):
            context = report_context("", problems=wrapped)
            self._reply(uow, "pricelist_report", inbound, message, partner, context)
            return Outcome(
                InboundStatus.PROCESSED, "price list refused: sent inside winmail.dat (TNEF)"
            )
        self._reply(uow, "not_understood", inbound, message, partner, {})
        return Outcome(InboundStatus.PROCESSED, "answered: nothing to act on")

    def _take_order(
        self, uow: UnitOfWork, inbound: InboundMessage, message: ParsedMessage, client: Partner
    ) -> Outcome:
        order = read_order(message, self._rules, self._catalogue.current(uow))
        if not order.lines.lines:
            context: dict[str, object] = {
                "rejected": order.lines.rejected,
                "problems": order.problems,
            }
            self._reply(uow, "no_order", inbound, message, client, context)
            return Outcome(InboundStatus.PROCESSED, "answered: no order lines found")
        quote = price_order(uow, client, order, self._rules)
        zone = self._deadlines.zone_of(client.timezone)
        vouchers = judge_codes(
            uow, client, order, message, quote, received_at=inbound.received_at, zone=zone
        )
        quote = replace(quote, discount=vouchers.discount)
        rows = vouchers.rows(client.language)
        if is_check(message.subject):
            checked = {"order_number": "", "quote": quote, "check": True, "vouchers": rows}
            self._reply(uow, "quote", inbound, message, client, checked)
            return Outcome(InboundStatus.PROCESSED, f"checked: {_summary(quote)}, nothing reserved")
        stored = store_order(uow, client, inbound, quote, inbound.received_at)
        now = self._clock.now()
        agree_by = open_agreement(uow, self._deadlines, stored, quote, now=now)
        quoted: dict[str, object] = {"order_number": stored.number, "quote": quote}
        if client.auto_agree:
            quoted["auto_agree"] = True  # agreed at once: no AGREE asked for, no date to answer by
        elif agree_by is not None:
            quoted["agree_by"] = agree_by
        if agree_by is not None:
            # Held until the quote expires, when the scheduler releases them.
            hold_until = stage_time(
                Stage.EXPIRE, due_at=agree_by, opened_at=now, policy=self._deadlines.policy
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
        self._reply(uow, "quote", inbound, message, client, quoted, order_id=stored.id)
        summary = f"quoted {stored.number}: {_summary(quote)}"
        if client.auto_agree and quote.lines:
            summary += "; " + agree(uow, self._replies, stored, client, None, now=now,
                                    deadlines=self._deadlines,
                                    vat_percent=quote.vat_percent)  # fmt: skip
        return Outcome(InboundStatus.PROCESSED, summary)

    def _inbound(
        self, uow: UnitOfWork, inbound: InboundMessage, message: ParsedMessage, partner: Partner
    ) -> Inbound:
        """The message as the order services answer it, held under the reply limit as
        `_reply` holds replies."""
        to = reply_address(message, partner)
        held = hold_reason(uow, to, limit=self._policy.reply_limit, now=self._clock.now())
        return Inbound(inbound, message, held)

    def _supplier_answer(
        self, uow: UnitOfWork, inbound: Inbound, supplier: Partner, order: Order
    ) -> Outcome:
        now = self._clock.now()
        today = now.astimezone(self._deadlines.zone_of(supplier.timezone)).date()
        limits = self._price_lists.limits
        summary = answer_supplier(
            uow,
            self._replies,
            order,
            supplier,
            inbound,
            now=now,
            today=today,
            limits=limits,
            deadlines=self._deadlines,
        )
        return Outcome(InboundStatus.PROCESSED, summary)

    def _send_price_list(
        self, uow: UnitOfWork, inbound: InboundMessage, message: ParsedMessage, client: Partner
    ) -> Outcome:
        now = self._clock.now()
        export = price_list_files(uow, client, self._rules.pricing, now=now)
        names = [file.filename for file in export.files]
        context = {
            "items": export.items,
            "generated_at": now,
            "currency": client.currency,
            "files": names,
        }
        attachments = [(f.filename, f.content_type, f.payload) for f in export.files]
        self._reply(uow, "price_list", inbound, message, client, context, attachments=attachments)
        uow.events.record(
            "PriceListSent", {"client": client.id, "items": export.items, "files": names}, now
        )
        return Outcome(
            InboundStatus.PROCESSED, f"price list sent: {export.items} items, {', '.join(names)}"
        )

    def _take_price_list(
        self, uow: UnitOfWork, inbound: InboundMessage, message: ParsedMessage, supplier: Partner
    ) -> Outcome:
        def report(context: Mapping[str, object]) -> None:
            self._reply(uow, "pricelist_report", inbound, message, supplier, context)

        summary = take_price_list(
            uow,
            self._replies,
            supplier,
            message,
            report=report,
            settings=self._price_lists,
            received_at=inbound.received_at,
            now=self._clock.now(),
        )
        return Outcome(InboundStatus.PROCESSED, summary)

    def _reply(
        self,
        uow: UnitOfWork,
        kind: str,
        inbound: InboundMessage,
        message: ParsedMessage,
        partner: Partner,
        context: Mapping[str, object],
        order_id: int | None = None,
        attachments: Sequence[tuple[str, str, bytes]] = (),
    ) -> None:
        received_at: datetime = inbound.received_at
        to = reply_address(message, partner)
        held = hold_reason(uow, to, limit=self._policy.reply_limit, now=self._clock.now())
        reply = self._replies.queue(
            uow,
            kind=kind,
            language=partner.language,
            to=to,
            context={"partner_name": partner.name, "received_at": received_at, **context},
            now=self._clock.now(),
            thread=Thread(message.message_id, message.references),
            inbound_id=inbound.id,
            order_id=order_id,
            attachments=attachments,
            timezone=partner.timezone,
        )
        if held:
            reply.status, reply.last_error = OutboundStatus.HELD, held


def _summary(quote: Quote) -> str:
    """A quote in a log line: lines priced and rejected, the discount, the total."""
    discount = "" if quote.discount is None else f", discount {quote.discount.rounded()}"
    return (
        f"{len(quote.lines)} lines priced, {len(quote.rejected)} rejected{discount}, "
        f"total {quote.total.rounded()}"
    )
