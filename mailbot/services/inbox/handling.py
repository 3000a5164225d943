"""One message from a known, active partner, as every handler of it sees it.

A `Handling` holds the work it happens in (unit of work, moment, desk), the stored record, the
parsed message and its sender, and what the processor was wired with (`Intake`). Handlers take
it alone, run inside the processor's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from mailbot.domain.mail import InboundStatus
from mailbot.parsers.commands import CommandRequest, read_command
from mailbot.parsers.message import ParsedMessage
from mailbot.services.inbox.sender_auth import SenderAuthentication
from mailbot.services.orders.lifecycle import order_replied_to
from mailbot.services.orders.mail import Inbound
from mailbot.services.orders.taking import OrderRules
from mailbot.services.outbox.replies import Thread, reply_address
from mailbot.services.outbox.reply_limits import ReplyLimit, queue_reply
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
    settings, the reply limits, the catalogue cache shared by every message, and the sender
    check (None: none configured)."""

    rules: OrderRules
    price_lists: PriceListSettings
    reply_limit: ReplyLimit
    catalogue: CatalogueCache
    sender_auth: SenderAuthentication | None = None


@dataclass(frozen=True)
class Handling:
    """A message being handled: its work, record, parsed form, sender and bytes."""

    work: Work
    record: InboundMessage
    message: ParsedMessage
    partner: Partner
    intake: Intake
    raw: bytes = b""

    @cached_property
    def request(self) -> CommandRequest | None:
        """The command the message gives, if it gives one."""
        return read_command(self.message.subject, self.message.text)

    @cached_property
    def order_answered(self) -> Order | None:
        """The order whose mail this message answers, if any."""
        return order_replied_to(self.work.uow, self.message)

    @cached_property
    def authenticated(self) -> bool:
        """Whether the sender passed sender authentication (always, when it is required:
        the processor quarantines mail that fails it)."""
        check = self.intake.sender_auth
        if check is None:
            return False
        return check.required or check.passes(self.raw, self.message)

    def inbound(self) -> Inbound:
        """The message as the order services answer it, under the reply limits as `reply`
        answers it, with its sender's authentication for acts (checked only when an act asks:
        a DKIM check looks up DNS)."""
        return Inbound(
            self.record, self.message, self.intake.reply_limit, lambda: self.authenticated
        )

    def reply(
        self,
        kind: str,
        context: Mapping[str, object],
        *,
        order_id: int | None = None,
        attachments: Sequence[tuple[str, str, bytes]] = (),
    ) -> None:
        """Queue template `kind` as the answer to this message, under the reply limits."""
        partner, message, work = self.partner, self.message, self.work
        context = {"partner_name": partner.name, "received_at": self.record.received_at, **context}
        queue_reply(
            work.uow,
            work.replies,
            limit=self.intake.reply_limit,
            inbound=self.record,
            kind=kind,
            language=partner.language,
            to=reply_address(message, partner),
            context=context,
            now=work.now,
            thread=Thread(message.message_id, message.references, answers=True),
            order_id=order_id,
            attachments=attachments,
            timezone=partner.timezone,
        )
