"""Writing mail into the outbox: rendered, composed and given its Message-ID once, at write time."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.outbound.compose import ComposedMail, compose
from mailbot.outbound.render import RenderedMail, Renderer
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


log = logging.getLogger("mailbot.outbox")

# Postfix's default message_size_limit: a relay with the defaults takes nothing bigger.
MAX_MESSAGE_BYTES = 10_240_000


@dataclass(frozen=True)
class Replies:
    """Writes mail into the outbox. A mail bigger than `max_bytes` is replaced by a short one
    (`too_large`) to the same reader, in the same thread, saying why and naming its files."""

    renderer: Renderer
    sender: str
    max_bytes: int = MAX_MESSAGE_BYTES

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
        verdict: tuple[OutboundStatus, str] = (OutboundStatus.PENDING, ""),
        fingerprint: str | None = None,
    ) -> OutboundMessage:
        """Render template `kind` for `to` and add it to the outbox in the caller's transaction.

        `attachments` are (file name, content type, bytes); `timezone` is the reader's own zone
        for the times shown ("": the configured one); `verdict` the status it is written with
        and why (the reply limits), and `fingerprint` what an answer saying nothing was done
        is known by (services/outbox/reply_limits.py)."""
        rendered = self.renderer.render(kind, language, context, timezone)
        mail = self._compose(rendered, to, thread, attachments, now)
        if len(mail.raw) > self.max_bytes:
            too_large = {
                "partner_name": context.get("partner_name", to),
                "subject": rendered.subject,
                "size": _megabytes(len(mail.raw)),
                "limit": _megabytes(self.max_bytes),
                "attached": [
                    {"name": name, "size": _megabytes(len(payload))}
                    for name, _, payload in attachments
                ],
            }
            log.warning(
                "%s to %s is %d bytes, over smtp_outgoing.max_message_bytes (%d): "
                "a short mail saying so is written instead",
                kind,
                to,
                len(mail.raw),
                self.max_bytes,
            )
            payload = {"kind": kind, "to": to, "bytes": len(mail.raw), "limit": self.max_bytes}
            uow.events.record(EventType.MAIL_TOO_LARGE, to, payload, now)
            kind = "too_large"
            rendered = self.renderer.render(kind, language, too_large, timezone)
            mail = self._compose(rendered, to, thread, (), now)
        message = OutboundMessage(
            message_id=mail.message_id,
            kind=kind,
            sender=self.sender,
            recipient=to,
            subject=rendered.subject[:998],
            raw=mail.raw,
            status=verdict[0],
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            last_error=verdict[1],
            fingerprint=fingerprint,
            created_at=now,
            inbound_message_id=inbound_id,
            order_id=order_id,
        )
        uow.outbox.add(message)
        return message

    def _compose(
        self,
        rendered: RenderedMail,
        to: str,
        thread: Thread | None,
        attachments: Sequence[tuple[str, str, bytes]],
        now: datetime,
    ) -> ComposedMail:
        return compose(
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


def _megabytes(size: int) -> Decimal:
    """A size in megabytes (10^6 bytes, as mail servers count), to a tenth, at least 0.1."""
    return max(Decimal(size) / 1_000_000, Decimal("0.1")).quantize(Decimal("0.1"))


def reply_address(message: ParsedMessage, partner: Partner) -> str:
    """Where a reply to `message` from `partner` goes: its Reply-To only when that is a
    registered address of the same partner (else anyone could have replies sent anywhere),
    otherwise its From address."""
    if not message.reply_to:  # most mail: the partner's addresses need not be read
        return message.from_address
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
