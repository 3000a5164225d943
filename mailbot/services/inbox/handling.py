"""One message from a known, active partner, as every handler of it sees it.

A `Handling` holds the work it happens in (unit of work, moment, desk), the stored record, the
parsed message and its sender, and what the processor was wired with (`Intake`). Handlers take
it alone, run inside the processor's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.parsers.commands import CommandRequest, read_command
from mailbot.parsers.message import ParsedMessage
from mailbot.services.orders.lifecycle import order_replied_to
from mailbot.services.orders.mail import Inbound
from mailbot.services.orders.taking import OrderRules
from mailbot.services.outbox.replies import Thread, reply_address
from mailbot.services.outbox.reply_limits import ReplyLimit, hold_reason
from mailbot.services.pricelists.catalogue import CatalogueCache
from mailbot.services.pricelists.importing import PriceListSettings
from mailbot.services.work import Work
from mailbot.storage.models import InboundMessage, Order, Partner


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message: its final status and a line for people."""

    status: InboundStatus
    summary: str


def processed(summary: str) -> Outcome:
    """A message acted on and answered, with a line for people."""
    return Outcome(InboundStatus.PROCESSED, summary)


@dataclass(frozen=True, slots=True)
class Intake:
    """What the processor was wired with for its handlers: the order rules, the price list
    settings, the reply limit, and the catalogue cache shared by every message."""

    rules: OrderRules
    price_lists: PriceListSettings
    reply_limit: ReplyLimit
    catalogue: CatalogueCache


@dataclass(frozen=True)
class Handling:
    """A message being handled: its work, record, parsed form and sender."""

    work: Work
    record: InboundMessage
    message: ParsedMessage
    partner: Partner
    intake: Intake

    @cached_property
    def request(self) -> CommandRequest | None:
        """The command the message gives, if it gives one."""
        return read_command(self.message.subject, self.message.text)

    @cached_property
    def order_answered(self) -> Order | None:
        """The order whose mail this message answers, if any."""
        return order_replied_to(self.work.uow, self.message)

    def hold(self) -> str:
        """Why a reply to the sender written now must wait for the reply digest, or ""."""
        to = reply_address(self.message, self.partner)
        work = self.work
        return hold_reason(work.uow, to, limit=self.intake.reply_limit, now=work.now)

    def inbound(self) -> Inbound:
        """The message as the order services answer it, held under the reply limit as
        `reply` holds replies."""
        return Inbound(self.record, self.message, self.hold())

    def reply(
        self,
        kind: str,
        context: Mapping[str, object],
        *,
        order_id: int | None = None,
        attachments: Sequence[tuple[str, str, bytes]] = (),
    ) -> None:
        """Queue template `kind` as the answer to this message, held under the reply limit."""
        held = self.hold()
        partner, message, work = self.partner, self.message, self.work
        context = {"partner_name": partner.name, "received_at": self.record.received_at, **context}
        reply = work.replies.queue(
            work.uow,
            kind=kind,
            language=partner.language,
            to=reply_address(message, partner),
            context=context,
            now=work.now,
            thread=Thread(message.message_id, message.references, answers=True),
            inbound_id=self.record.id,
            order_id=order_id,
            attachments=attachments,
            timezone=partner.timezone,
        )
        if held:
            reply.status, reply.last_error = OutboundStatus.HELD, held
