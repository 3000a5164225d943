"""Writing mail into the outbox: rendered, composed and given its Message-ID once, at write time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mailbot.domain.mail import OutboundStatus
from mailbot.outbound.compose import compose
from mailbot.outbound.render import Renderer
from mailbot.parsers.message import ParsedMessage
from mailbot.storage.models import OutboundMessage, Partner
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a mail goes in a conversation: the message's id and its References, for
    In-Reply-To/References; `answers` when that message is a received one being answered."""

    message_id: str = ""
    references: Sequence[str] = ()
    answers: bool = False


@dataclass(frozen=True)
class Replies:
    renderer: Renderer
    sender: str

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]

    def queue(
        self,
        uow: UnitOfWork,
        *,
        kind: str,
        language: str,
        to: str,
        context: Mapping[str, object],
        now: datetime,
        thread: Thread | None = None,
        inbound_id: int | None = None,
        order_id: int | None = None,
        attachments: Sequence[tuple[str, str, bytes]] = (),
        timezone: str = "",
    ) -> OutboundMessage:
        """Render template `kind` for `to` and add it to the outbox in the caller's transaction.

        `attachments` are (file name, content type, bytes); `timezone` is the reader's own zone
        for the times shown ("": the configured one)."""
        rendered = self.renderer.render(kind, language, context, timezone)
        mail = compose(
            rendered,
            sender=self.sender,
            to=to,
            domain=self.domain,
            in_reply_to=thread.message_id if thread else "",
            references=thread.references if thread else (),
            attachments=attachments,
            answering=thread is not None and thread.answers,
            now=now,
        )
        message = OutboundMessage(
            message_id=mail.message_id,
            kind=kind,
            sender=self.sender,
            recipient=to,
            subject=rendered.subject[:998],
            raw=mail.raw,
            status=OutboundStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            last_error="",
            created_at=now,
            inbound_message_id=inbound_id,
            order_id=order_id,
        )
        uow.outbox.add(message)
        return message


def reply_address(message: ParsedMessage, partner: Partner) -> str:
    """Where a reply to `message` from `partner` goes: its Reply-To only when that is a
    registered address of the same partner (else anyone could have replies sent anywhere),
    otherwise its From address."""
    registered = {a.address for a in partner.addresses}
    return next((a for a in message.reply_to if a in registered), message.from_address)


def mail_managers(
    uow: UnitOfWork,
    replies: Replies,
    kind: str,
    context: Mapping[str, object],
    *,
    now: datetime,
    excluding: int | None = None,
) -> int:
    """Queue template `kind` to every active manager but the partner `excluding`, each in its
    own language, in the caller's transaction; returns how many mails were queued."""
    queued = 0
    for manager in uow.partners.list("manager"):
        if manager.active and manager.addresses and manager.id != excluding:
            replies.queue(
                uow,
                kind=kind,
                language=manager.language,
                to=manager.addresses[0].address,
                context={"partner_name": manager.name, **context},
                now=now,
                timezone=manager.timezone,
            )
            queued += 1
    return queued
