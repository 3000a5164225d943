"""The sender: delivers the outbox with retry and backoff. The bytes never change between tries.

Delivery is at least once, with one Message-ID. Before a mail is handed to the relay its claim
(a lease of `SendingPolicy.lease`) and the moment the attempt began (`sending_since`) are
committed; the relay's 250 is recorded in its own small commit the moment it comes, before
the connection is closed. A sender killed between that 250 and that commit leaves the mail
claimed: after the lease another sender sends it again, with the same Message-ID (receivers
drop the copy by it), and says the earlier attempt was interrupted.

A temporary failure (no connection, 4xx, time up) keeps the mail pending, tried again after
`retry_after`, doubling up to `max_backoff`; it fails only when the relay refuses it for good
(5xx) or it is still not taken `queue_lifetime` after it entered the queue. Then every
manager is mailed once about it (a failed notice of that kind is only logged, so it never
loops), and `mailbot outbox retry` puts it back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.clock import Clock
from mailbot.domain.events import EventType
from mailbot.domain.mail import OutboundStatus
from mailbot.outbound.transport import DeliveryError, Transport
from mailbot.services.outbox.replies import Replies, mail_managers
from mailbot.storage.models import OutboundMessage
from mailbot.storage.outbox import DueMail
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.sender")

# Mails claimed at once for a repeatable transport (a folder), and their bytes at most (one
# mail at least): one commit claims them and one records them sent. A relay gets one at a
# time, so a claim's lease never runs out behind other mails' SMTP transactions.
BATCH = 50
BATCH_BYTES = 8 * 2**20

# The managers' notice about a mail that failed; one of these failing tells nobody.
NOTICE = "mail_undeliverable"


@dataclass(frozen=True, slots=True)
class SendingPolicy:
    retry_after: timedelta
    max_backoff: timedelta = timedelta(hours=1)
    queue_lifetime: timedelta = timedelta(days=5)
    # Longer than one SMTP transaction may last (`smtp_outgoing.timeout_seconds`).
    lease: timedelta = timedelta(seconds=60)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th try failed: retry_after, doubling, capped."""
        doublings = min(max(attempts - 1, 0), 32)
        wait: timedelta = self.retry_after * 2**doublings
        return min(wait, self.max_backoff)


class Sender:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        transport: Transport,
        *,
        policy: SendingPolicy,
        clock: Clock,
        replies: Replies,
    ) -> None:
        self._uow = uow
        self._transport = transport
        self._policy = policy
        self._clock = clock
        self._replies = replies

    def run_once(self, limit: int = 50) -> int:
        """Try the mail due when the pass began (up to `limit`); returns how many were
        delivered. Mail written meanwhile (a notice about a failed mail) waits for the next."""
        batch = BATCH if self._transport.repeatable else 1
        tried = delivered = 0
        newest: int | None = None
        while tried < limit:
            due, newest = self._claim(min(batch, limit - tried), newest)
            if not due:
                break
            tried += len(due)
            delivered += self._deliver(due)
        return delivered

    def _claim(self, limit: int, newest: int | None) -> tuple[list[DueMail], int]:
        """Claim up to `limit` due mails written up to id `newest` (None: the newest now) in
        one commit; those to suppressed addresses are settled there and then, not returned."""
        with self._uow() as uow:
            now = self._clock.now()
            if newest is None:
                newest = uow.outbox.last_id()
            due = uow.outbox.claim_due(now, self._policy.lease, limit, BATCH_BYTES, newest)
            suppressed = uow.bouncing.suppressed_among(mail.recipient for mail in due)
            for mail in due:
                if mail.recipient.lower() in suppressed:
                    self._suppress(uow, mail, now)
                elif mail.interrupted is not None:
                    self._interrupted(uow, mail, now)
            uow.commit()
        return [mail for mail in due if mail.recipient.lower() not in suppressed], newest

    def _deliver(self, due: Sequence[DueMail]) -> int:
        """Hand each mail to the transport. Each relay's 250 is committed as it comes; a
        repeatable transport's deliveries are committed together at the end (a crash before
        that delivers them again, which leaves one copy)."""
        taken: list[tuple[int, datetime]] = []

        def record() -> None:
            with self._uow() as unit:
                unit.outbox.mark_sent(taken)
                unit.commit()
            taken.clear()

        delivered = 0
        for mail in due:
            recorded = False

            def accepted(mail: DueMail = mail) -> None:
                # The relay said 250: record it before anything else, QUIT included.
                nonlocal recorded
                taken.append((mail.id, self._clock.now()))
                if not self._transport.repeatable:
                    record()
                recorded = True

            try:
                self._transport.deliver(mail.sender, [mail.recipient], mail.raw, accepted)
            except DeliveryError as error:
                self._failed(mail.id, error)
                continue
            if not recorded:  # a transport that returned without saying so: it took the mail
                accepted()
            delivered += 1
            log.info(
                "outbox %s %s: %s sent to %s",
                mail.id,
                mail.message_id,
                mail.kind,
                mail.recipient,
                extra={
                    "outbound": mail.id,
                    "message_id": mail.message_id.strip("<>"),
                    "kind": mail.kind,
                    "to": mail.recipient,
                },
            )
        if taken:
            record()
        return delivered

    def _suppress(self, uow: UnitOfWork, mail: DueMail, now: datetime) -> None:
        """Keep mail from an address that bounced too often, saying why (outbox/bounces.py)."""
        uow.outbox.suppress(
            mail.id,
            f"not sent: {mail.recipient} bounced too often; "
            f"`mailbot addresses clear {mail.recipient}` lets mail to it go again",
        )
        payload = {"outbound": mail.id, "recipient": mail.recipient}
        uow.events.record(EventType.MAIL_SUPPRESSED, mail.id, payload, now)
        log.warning("outbox %s: not sent, %s is suppressed", mail.id, mail.recipient)

    def _interrupted(self, uow: UnitOfWork, mail: DueMail, now: datetime) -> None:
        """The attempt begun at `mail.interrupted` never recorded its outcome: its sender
        stopped, perhaps after the relay took the mail. Say so; it is sent again."""
        since = mail.interrupted
        payload = {"outbound": mail.id, "message_id": mail.message_id, "since": str(since)}
        uow.events.record(EventType.MAIL_INTERRUPTED, mail.id, payload, now)
        log.warning(
            "outbox %s %s: the attempt begun at %s was interrupted (its sender stopped); the "
            "relay may have taken it, so %s may get it twice with this Message-ID",
            mail.id,
            mail.message_id,
            since,
            mail.recipient,
        )

    def _failed(self, outbound_id: int, error: DeliveryError) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            message = uow.outbox.get(outbound_id)
            assert message is not None
            message.last_error = str(error)[:2000]
            message.lease_until = None
            message.sending_since = None
            expires = message.queued_at + self._policy.queue_lifetime
            if error.permanent or now >= expires:
                if not error.permanent:
                    days = self._policy.queue_lifetime / timedelta(days=1)
                    message.last_error = (
                        f"not taken by the relay in {days:g} days (smtp_outgoing."
                        f"max_queue_days); the last error: {error}"
                    )[:2000]
                message.status = OutboundStatus.FAILED
                uow.events.record(
                    EventType.MAIL_UNDELIVERABLE,
                    outbound_id,
                    {
                        "outbound": outbound_id,
                        "recipient": message.recipient,
                        "error": message.last_error,
                        "permanent": error.permanent,
                    },
                    now,
                )
                told = self._tell_managers(uow, message, error.permanent, now)
                log.warning(
                    "outbox %s: gave up on %s: %s; %d manager(s) told",
                    outbound_id,
                    message.recipient,
                    message.last_error,
                    told,
                )
            else:
                wait = self._policy.backoff(message.attempts)
                message.next_attempt_at = min(now + wait, expires)
                log.info("outbox %s: will retry in %s: %s", outbound_id, wait, error)
            uow.commit()

    def _tell_managers(
        self, uow: UnitOfWork, message: OutboundMessage, permanent: bool, now: datetime
    ) -> int:
        """Mail every manager (but the one the failed mail was for) about it, in the same
        transaction; nobody about a failed notice of this kind."""
        if message.kind == NOTICE:
            return 0
        partner = uow.partners.by_address(message.recipient)
        context = {
            "outbound_id": message.id,
            "address": message.recipient,
            "holder": partner.name if partner else "",
            "subject": message.subject,
            "written_at": message.created_at,
            "error": message.last_error,
            "permanent": permanent,
            "days": self._policy.queue_lifetime / timedelta(days=1),
        }
        excluding = partner.id if partner is not None and partner.role == "manager" else None
        return mail_managers(uow, self._replies, NOTICE, context, now=now, excluding=excluding)
