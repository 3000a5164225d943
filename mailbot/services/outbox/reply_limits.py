"""The per-sender reply limit: past `replies.max_per_hour` replies to one address in an hour,
mail from it is still processed but its replies are held, and an hour after the first held
one they all go out in one digest mail.

`send_due_digests` is what writes the digests. The processor calls it on every pass; issue
6's scheduler should call it every few minutes too (it is cheap when nothing is due).
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from mailbot.domain.mail import OutboundStatus
from mailbot.services.outbox.replies import Replies
from mailbot.storage.models import OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

WINDOW = timedelta(hours=1)

log = logging.getLogger("mailbot.digests")


@dataclass(frozen=True, slots=True)
class ReplyLimit:
    max_per_hour: int  # 0: no limit


def hold_reason(uow: UnitOfWork, recipient: str, *, limit: ReplyLimit, now: datetime) -> str:
    """Why a reply to `recipient` written now must wait for the digest, or "" to send it."""
    if not limit.max_per_hour:
        return ""
    if uow.sent.has_held(recipient):
        return f"held for the digest: earlier replies to {recipient} wait for it"
    if uow.sent.replies_to(recipient, now - WINDOW) >= limit.max_per_hour:
        return (
            f"held for the digest: {recipient} had {limit.max_per_hour} replies "
            f"in the last hour (replies.max_per_hour)"
        )
    return ""


@dataclass(frozen=True, slots=True)
class HeldReply:
    """A held reply as the digest shows it: its subject, text and time written."""

    subject: str
    text: str
    written_at: datetime


def send_due_digests(uow: Callable[[], UnitOfWork], replies: Replies, *, now: datetime) -> int:
    """Write one digest per recipient whose first held reply is an hour old or older, each in
    its own transaction; the held replies become `digested`. Returns how many were written."""
    with uow() as reading:
        due = reading.sent.held_recipients(now - WINDOW)
    written = 0
    for recipient in due:
        try:
            with uow() as unit:
                held = unit.sent.held_for(recipient)
                if held:
                    _write_digest(unit, replies, recipient, held, now)
                    unit.commit()
                    written += 1
        except Exception:  # one recipient's digest must not stop the others or the processor
            log.exception("digest for %s failed; its replies stay held", recipient)
    return written


def _write_digest(
    uow: UnitOfWork,
    replies: Replies,
    recipient: str,
    held: Sequence[OutboundMessage],
    now: datetime,
) -> None:
    partner = uow.partners.by_address(recipient)
    items: list[HeldReply] = []
    attachments: list[tuple[str, str, bytes]] = []
    for reply in held:
        text, files = _contents(reply.raw)
        items.append(HeldReply(reply.subject, text, reply.created_at))
        attachments.extend(files)
    digest = replies.queue(
        uow,
        kind="reply_digest",
        language=partner.language if partner else "en",
        to=recipient,
        context={"partner_name": partner.name if partner else recipient, "replies": items},
        now=now,
        attachments=attachments,
    )
    for reply in held:
        reply.status = OutboundStatus.DIGESTED
        reply.digest_id = digest.id
    uow.events.record(
        "RepliesDigested",
        {"recipient": recipient, "digest": digest.id, "replies": [r.id for r in held]},
        now,
    )


def _contents(raw: bytes) -> tuple[str, list[tuple[str, str, bytes]]]:
    """The text part and the attachments of a mail mailbot composed."""
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    body = mail.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    files = []
    for part in mail.iter_attachments():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            files.append((part.get_filename() or "attachment", part.get_content_type(), payload))
    return text, files
