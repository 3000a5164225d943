"""The limits on replies to one address: one mechanism against floods and mail loops.

- Per hour, for every reply: past `replies.max_per_hour` replies to one address in an hour,
  mail from it is still processed but its replies are held, and an hour after the first held
  one they all go out in one digest mail (`send_due_digests`).
- Per day, for answers that say nothing was done (`NOTHING_DONE`: no order found, not
  understood, an unknown order, an act not proven to come from the partner, a quote of which
  no line could be priced: what an auto-responder's mail gets), as GNU Mailman caps its
  auto-responses: at most `replies.max_auto_responses_per_day` to one address in a day, the
  same answer (kind and text, whatever the time it names) only once a day, and none to a
  message the same as one already answered from that address today. Past these the answer is
  written but `suppressed` with the reason, so an auto-responder that does not say so (RFC
  3834) gets a handful of mails a day, not one for each of its own. Days are the desk's
  (`scheduler.timezone`). Quotes and answers to commands carried out count for the hour only.

`send_due_digests` is what writes the digests. The processor calls it on every pass.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from email.message import EmailMessage

from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.parsers.message import ParsedMessage
from mailbot.services.outbox.replies import Replies, Thread
from mailbot.storage.models import InboundMessage, OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

WINDOW = timedelta(hours=1)

log = logging.getLogger("mailbot.digests")

Context = Mapping[str, object]


def _always(context: Context) -> bool:
    return True


def _outcome_in(*outcomes: str) -> Callable[[Context], bool]:
    def test(context: Context) -> bool:
        return context.get("outcome") in outcomes

    return test


def _nothing_priced(context: Context) -> bool:
    # A quote of lines none of which could be priced asks nothing of anyone: an auto-responder
    # whose text looks like an order line ("HD-1001 x 1") gets such quotes.
    quote = context.get("quote")
    return quote is not None and not getattr(quote, "lines", True)


# The answers that say nothing was done, by template: the test each answer is judged by.
NOTHING_DONE: Mapping[str, Callable[[Context], bool]] = {
    "no_order": _always,
    "not_understood": _always,
    "too_many_lines": _always,
    "quote": _nothing_priced,
    "order_answer": _outcome_in("which", "unknown", "unverified"),
    "supplier_answer": _outcome_in("unknown", "closed", "not_understood", "unverified"),
}

# Where an answer names the time of the message it answers, the fingerprint pins it here:
# two answers that differ only by that time are the same answer.
_PINNED = datetime(2000, 1, 1, tzinfo=UTC)
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|tr|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.I)


@dataclass(frozen=True, slots=True)
class ReplyLimit:
    """`max_per_hour` replies to an address one by one (0: no limit), `max_per_day` answers
    saying nothing was done to an address a day (0: no limit), days counted in `zone`."""

    max_per_hour: int
    max_per_day: int = 5
    zone: tzinfo = UTC


def says_nothing_done(kind: str, context: Context) -> bool:
    """Whether the reply `kind` with `context` tells its reader that nothing was done."""
    test = NOTHING_DONE.get(kind)
    return test is not None and test(context)


def content_hash(message: ParsedMessage) -> str:
    """What the sender wrote, hashed: its address, the subject without "Re:"/"Fwd:", the text
    and forwarded text (case and white space aside) and each file's bytes."""
    digest = hashlib.sha256()
    subject = _PREFIX.sub("", message.subject)
    texts = [message.from_address, subject, message.text, *(f.text for f in message.forwarded)]
    for text in texts:
        digest.update(" ".join(text.casefold().split()).encode("utf-8", "replace") + b"\0")
    for attachment in message.attachments:
        digest.update(hashlib.sha256(attachment.payload).digest())
    return digest.hexdigest()


def start_of_day(now: datetime, zone: tzinfo) -> datetime:
    """Midnight of `now`'s day in `zone`, as UTC."""
    day = now.astimezone(zone).date()
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def queue_reply(
    uow: UnitOfWork,
    replies: Replies,
    *,
    limit: ReplyLimit,
    inbound: InboundMessage,
    kind: str,
    language: str,
    to: str,
    context: Mapping[str, object],
    now: datetime,
    thread: Thread,
    order_id: int | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    timezone: str = "",
) -> OutboundMessage:
    """Write the reply to the received message `inbound` (see `Replies.queue`) and judge it
    by the limits: it is pending, held for the digest, or suppressed, with the reason in
    `last_error`."""
    fingerprint = None
    if says_nothing_done(kind, context):
        pinned = {**context, "received_at": _PINNED} if "received_at" in context else context
        text = replies.renderer.render(kind, language, pinned, timezone).text
        fingerprint = hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()
    status, reason = _verdict(uow, to, fingerprint, inbound, limit=limit, now=now)
    return replies.queue(
        uow,
        kind=kind,
        language=language,
        to=to,
        context=context,
        now=now,
        thread=thread,
        inbound_id=inbound.id,
        order_id=order_id,
        attachments=attachments,
        timezone=timezone,
        verdict=(status, reason),
        fingerprint=fingerprint,
    )


def _verdict(
    uow: UnitOfWork,
    to: str,
    fingerprint: str | None,
    inbound: InboundMessage,
    *,
    limit: ReplyLimit,
    now: datetime,
) -> tuple[OutboundStatus, str]:
    if fingerprint is not None:
        since = start_of_day(now, limit.zone)
        sent = uow.sent
        same = None
        if inbound.content_hash:
            same = sent.answered_same(inbound.content_hash, since, excluding=inbound.id)
        if same is not None:
            return OutboundStatus.SUPPRESSED, (
                f"not sent: the same message from {to} was answered today (message {same})"
            )
        earlier = sent.same_answer_to(to, fingerprint, since)
        if earlier is not None:
            return OutboundStatus.SUPPRESSED, (
                f"not sent: {to} was given the same answer today (outbox {earlier})"
            )
        if limit.max_per_day and sent.auto_responses_to(to, since) >= limit.max_per_day:
            return OutboundStatus.SUPPRESSED, (
                f"not sent: {to} had {limit.max_per_day} answers saying nothing was done "
                f"today (replies.max_auto_responses_per_day)"
            )
    held = hold_reason(uow, to, limit=limit, now=now)
    return (OutboundStatus.HELD, held) if held else (OutboundStatus.PENDING, "")


def read_reply_loads(
    uow: UnitOfWork, recipients: Collection[str], *, limit: ReplyLimit, now: datetime
) -> None:
    """Read how loaded each of a batch's `recipients` is in one statement, for `hold_reason`
    to answer from for the rest of the transaction (storage/mail_safety.py)."""
    if limit.max_per_hour:
        uow.sent.read_reply_loads(recipients, now - WINDOW)


def hold_reason(uow: UnitOfWork, recipient: str, *, limit: ReplyLimit, now: datetime) -> str:
    """Why a reply to `recipient` written now must wait for the digest, or "" to send it."""
    if not limit.max_per_hour:
        return ""
    waiting, recent = uow.sent.reply_load(recipient, now - WINDOW)
    if waiting:
        return f"held for the digest: earlier replies to {recipient} wait for it"
    if recent >= limit.max_per_hour:
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
        reading.commit_each_statement()  # one SELECT, run before every batch
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
    payload = {"recipient": recipient, "digest": digest.id, "replies": [r.id for r in held]}
    uow.events.record(EventType.MAIL_DIGESTED, digest.id, payload, now)


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
