"""Bounces matched to the mail they report on, and addresses that keep bouncing.

A bounce marks the outbound mail it reports on `bounced` (with the failing recipient and the
status code). Managers are mailed once per failing address, not once per bounce. After
`bounces.suppress_after` hard bounces the sender stops mailing the address (each mail to it
is marked `suppressed` with the reason) until a manager clears it.

Only bounces that match mail mailbot sent count: a forged bounce about mail it never sent
changes nothing, so nobody can get a partner cut off by mailing fake bounces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.domain.actors import Actor, signed
from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.errors import MailbotError
from mailbot.parsers.bounces import Bounce, Failure, read_bounce
from mailbot.services.outbox.replies import Replies, mail_managers
from mailbot.storage.models import BouncingAddress, OutboundMessage
from mailbot.storage.unit_of_work import UnitOfWork

# Reasons not to answer under which a message may be a bounce worth reading.
MAYBE_BOUNCE = frozenset(
    {"bounce", "mailer-daemon", "empty return-path", "no sender", "auto-submitted"}
)


class AddressError(MailbotError):
    """An address is not on the list of bouncing addresses."""


@dataclass(frozen=True, slots=True)
class BouncePolicy:
    suppress_after: int
    match_window: timedelta


def record_bounce(
    uow: UnitOfWork, replies: Replies, raw: bytes, *, policy: BouncePolicy, now: datetime
) -> str:
    """Read `raw` as a bounce and record what it reports, in the caller's transaction;
    returns a line for the message's outcome ("" when `raw` reports no failure)."""
    bounce = read_bounce(raw)
    if bounce is None:
        return ""
    notes = [
        _record_failure(uow, replies, bounce, failure, policy, now) for failure in bounce.failures
    ]
    return "; ".join(notes)


def _record_failure(
    uow: UnitOfWork,
    replies: Replies,
    bounce: Bounce,
    failure: Failure,
    policy: BouncePolicy,
    now: datetime,
) -> str:
    outbound = _reported_on(uow, bounce, failure, now - policy.match_window)
    code = f" ({failure.status})" if failure.status else ""
    if outbound is None:
        return f"bounce for {failure.recipient}{code} matches no mail mailbot sent"
    named = f"outbound {outbound.id} {outbound.message_id} to {outbound.recipient}"
    if not failure.permanent:
        return f"delivery of {named} delayed{code}"
    if outbound.status == OutboundStatus.BOUNCED:
        return f"{named} already marked bounced"
    outbound.status = OutboundStatus.BOUNCED
    outbound.bounced_at = now
    outbound.bounce_recipient = failure.recipient
    outbound.bounce_status = failure.status
    outbound.lease_until = None
    payload = {"outbound": outbound.id, "recipient": failure.recipient, "status": failure.status}
    uow.events.record(EventType.MAIL_BOUNCED, outbound.id, payload, now)
    address = _count(uow, outbound, failure, now)
    note = f"{named} bounced{code}"
    if address.alerted_at is None:
        told = _alert_managers(uow, replies, outbound, failure, address, policy, now)
        address.alerted_at = now
        note += f", {told} manager(s) told"
    if address.suppressed_at is None and address.hard_bounces >= policy.suppress_after:
        address.suppressed_at = now
        payload = {"address": address.address, "hard_bounces": address.hard_bounces}
        uow.events.record(EventType.ADDRESS_SUPPRESSED, address.address, payload, now)
        note += f"; {address.address} is no longer mailed after {address.hard_bounces} hard bounces"
    return note


def _reported_on(
    uow: UnitOfWork, bounce: Bounce, failure: Failure, since: datetime
) -> OutboundMessage | None:
    """The mail the bounce reports on: the one with the returned Message-ID (when the failing
    address is its recipient, or the bounce names one failure only, as after a forward),
    else the newest mail to the failing address since `since`."""
    if bounce.original_message_id:
        original = uow.sent.by_message_id(bounce.original_message_id)
        if original is not None and (
            original.recipient == failure.recipient or len(bounce.failures) == 1
        ):
            return original
    return uow.sent.latest_to(failure.recipient, since)


def _count(
    uow: UnitOfWork, outbound: OutboundMessage, failure: Failure, now: datetime
) -> BouncingAddress:
    """Add the bounce to the record of the address mailbot mailed."""
    address = uow.bouncing.get(outbound.recipient)
    if address is None:
        address = BouncingAddress(
            address=outbound.recipient.lower(),
            bounces=0,
            hard_bounces=0,
            first_bounce_at=now,
            last_bounce_at=now,
        )
        uow.bouncing.add(address)
    address.bounces += 1
    address.hard_bounces += failure.hard
    address.last_status = failure.status
    address.last_bounce_at = now
    address.last_outbound_id = outbound.id
    return address


def _alert_managers(
    uow: UnitOfWork,
    replies: Replies,
    outbound: OutboundMessage,
    failure: Failure,
    address: BouncingAddress,
    policy: BouncePolicy,
    now: datetime,
) -> int:
    partner = uow.partners.by_address(outbound.recipient)
    context = {
        "address": outbound.recipient,
        "failed_recipient": failure.recipient,
        "status": failure.status,
        "holder": partner.name if partner else "",
        "subject": outbound.subject,
        "sent_at": outbound.sent_at or outbound.created_at,
        "suppress_after": policy.suppress_after,
    }
    return mail_managers(uow, replies, "address_bouncing", context, now=now)


def clear_address(
    uow: Callable[[], UnitOfWork], address: str, *, now: datetime, by: Actor | None = None
) -> BouncingAddress:
    """Let mail to `address` go again: its hard-bounce count restarts, and managers are
    alerted again if it bounces again. Mail already marked suppressed stays unsent. `by`
    names who, in the event recorded."""
    with uow() as unit:
        record = unit.bouncing.get(address.strip())
        if record is None:
            raise AddressError(f"{address} has not bounced")
        record.hard_bounces = 0
        record.suppressed_at = None
        record.alerted_at = None
        record.cleared_at = now
        payload = signed({"address": record.address}, by)
        unit.events.record(EventType.ADDRESS_CLEARED, record.address, payload, now)
        unit.commit()
        return record
