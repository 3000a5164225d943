"""The processor: claims stored messages in batches and handles each in a savepoint.

A claim takes a lease and counts the attempt in its own short transaction first, so a worker
that dies mid-batch leaves its messages claimable again once the lease runs out, each then
claimed and tried alone; a message that kills workers still reaches quarantine after
`max_attempts`, and its neighbours are answered.
A batch is processed in one transaction, a savepoint per message, so a failing message is
recorded alone and its neighbours' work is kept; its messages are parsed first, their
senders looked up in one statement, their words screened for voucher codes in another
(`ReadAhead`), and the replies each sender had lately, which the reply limit asks about,
counted in a third. Mail that must not be answered, unknown senders, failed sender
authentication and cut-off partners are settled here; what a partner's message is and who
answers it is the route table's (`inbox/routing.py`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from mailbot.clock import Clock
from mailbot.domain.events import EventType
from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.outbound.compose import made_here
from mailbot.parsers.autoreply import reason_not_to_answer
from mailbot.parsers.message import ParsedMessage, parse_message
from mailbot.services.inbox.handling import Handling, Intake, Outcome, processed
from mailbot.services.inbox.log_line import Seen, log_processed
from mailbot.services.inbox.routing import route
from mailbot.services.inbox.sender_auth import SenderAuthentication
from mailbot.services.orders.taking import OrderRules
from mailbot.services.outbox.bounces import MAYBE_BOUNCE, BouncePolicy, record_bounce
from mailbot.services.outbox.reply_limits import (
    ReplyLimit,
    content_hash,
    read_reply_loads,
    send_due_digests,
)
from mailbot.services.partners.contracts import take_notice
from mailbot.services.pricelists.catalogue import CatalogueCache
from mailbot.services.pricelists.importing import PriceListSettings
from mailbot.services.vouchers.order_codes import code_candidates
from mailbot.services.work import Desk
from mailbot.storage.models import InboundMessage, Partner
from mailbot.storage.unit_of_work import UnitOfWork

log = logging.getLogger("mailbot.processor")

# How long a batch's transaction stays open before what it did is committed. On SQLite it holds
# the write lock that long, and a message arriving over SMTP waits for it before its 250.
BATCH_SECONDS = 0.2
# Replies written but not sent now, the reason in their last error (the reply limits).
NOT_SENT_NOW = frozenset((OutboundStatus.HELD, OutboundStatus.SUPPRESSED))


@dataclass(frozen=True, slots=True)
class ReadAhead:
    """What a batch reads before its messages are handled: the messages parsed, by id, and
    their senders' partners (None: no partner has the address), by address in lower case."""

    parsed: Mapping[int, ParsedMessage]
    partners: Mapping[str, Partner | None]


@dataclass(frozen=True, slots=True)
class ProcessingPolicy:
    max_attempts: int
    retry_after: timedelta
    lease: timedelta
    own_addresses: frozenset[str]
    reply_limit: ReplyLimit
    bounces: BouncePolicy


class Processor:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        desk: Desk,
        rules: OrderRules,
        policy: ProcessingPolicy,
        clock: Clock,
        price_lists: PriceListSettings | None = None,
        sender_auth: SenderAuthentication | None = None,
    ) -> None:
        self._uow = uow
        self._sender_auth = sender_auth
        self._desk = desk
        self._policy = policy
        self._clock = clock
        self._intake = Intake(
            rules,
            price_lists or PriceListSettings(),
            policy.reply_limit,
            CatalogueCache(),
            sender_auth,
        )

    def run_once(self, limit: int = 20) -> int:
        """Write the digests that are due, then claim up to `limit` stored messages and process
        them; returns how many were claimed.

        Messages never tried are claimed and processed together, a savepoint each, committed
        at most `BATCH_SECONDS` apart. A message tried before is claimed and processed alone:
        if it is the one that killed its worker, it goes to quarantine by itself.
        """
        self.send_due_digests()
        claimed = self._claim(limit, tried=False)
        self._process(claimed)
        handled = len(claimed)
        while handled < limit and (again := self._claim(1, tried=True)):
            self._process(again)
            handled += 1
        return handled

    def _claim(self, limit: int, *, tried: bool) -> list[int]:
        with self._uow() as uow:
            uow.commit_each_statement()  # the claim is one UPDATE
            claimed = uow.inbox.claim_batch(
                self._clock.now(), self._policy.lease, limit, tried=tried
            )
            uow.commit()
        return claimed

    def send_due_digests(self) -> int:
        """Write the digests of held replies that are due (see services/outbox/reply_limits.py)."""
        return send_due_digests(self._uow, self._desk.replies, now=self._clock.now())

    def claim(self, inbound_id: int) -> bool:
        with self._uow() as uow:
            claimed = uow.inbox.claim(inbound_id, self._clock.now(), self._policy.lease)
            uow.commit()
            return claimed

    def process_claimed(self, inbound_id: int) -> Outcome:
        """Handle one message this worker has claimed, in its own transaction; never raises
        for a bad message."""
        return self._process([inbound_id])[0]

    def _process(self, inbound_ids: Sequence[int]) -> list[Outcome]:
        """Handle claimed messages in one transaction, committed whenever it has been open
        `BATCH_SECONDS` or another writer of the process waits (on SQLite the batch holds the
        write lock, and the listener's store, with its 250, waits for it: storage/
        write_gate.py), and log one line per message once its work is committed.

        Each part between two commits is first tried as it is; when a message of it fails,
        the part is undone and handled again with a savepoint per message, so the failure is
        recorded alone and its neighbours' work is kept. Messages seldom fail, and a
        savepoint costs two statements per message (two round trips on PostgreSQL)."""
        outcomes: list[Outcome] = []
        if not inbound_ids:
            return outcomes
        with self._uow() as uow:
            records = uow.inbox.load(inbound_ids)
            ahead = self._read_ahead(uow, records)
            waiting = list(inbound_ids)
            while waiting:
                try:
                    done = self._part(uow, records, ahead, waiting, careful=False)
                except Exception:
                    uow.rollback()
                    done = self._part(uow, records, ahead, waiting, careful=True)
                uow.commit()
                log_processed(done)
                outcomes += [outcome for *_, outcome in done]
                del waiting[: len(done)]
        return outcomes

    def _read_ahead(
        self, uow: UnitOfWork, records: Mapping[int, tuple[InboundMessage, bytes | None]]
    ) -> ReadAhead:
        """Parse the batch's messages that came with their bytes and will be handled, look up
        their senders' partners in one statement (instead of one per message), and screen the
        codes their words may stand for in another: a message naming no stored code then needs
        no voucher look-up of its own. The replies its senders had lately are counted in a
        third, kept for the transaction, so the reply limit asks nothing per message. A
        message that fails to parse is left out: its attempt parses it again, and fails alone.
        So is every message after a store of this process begins to wait (on SQLite the batch
        holds the write lock: the 250 waits no longer than for one message)."""
        parsed: dict[int, ParsedMessage] = {}
        for inbound, raw in records.values():
            if uow.writers_waiting():
                break
            if raw is None or inbound.attempts > self._policy.max_attempts:
                continue
            try:
                parsed[inbound.id] = parse_message(raw, self._policy.own_addresses)
            except Exception:  # the attempt meets it again, in its savepoint
                continue
        senders = {message.from_address for message in parsed.values() if message.from_address}
        if len(parsed) > 1:  # for one message these reads would cost what they save
            uow.vouchers.screen(code for one in parsed.values() for code in code_candidates(one))
            answered = senders.union(*(message.reply_to for message in parsed.values()))
            read_reply_loads(uow, answered, limit=self._policy.reply_limit, now=self._clock.now())
        return ReadAhead(parsed, uow.partners.by_addresses(senders))

    def _part(
        self,
        uow: UnitOfWork,
        records: Mapping[int, tuple[InboundMessage, bytes | None]],
        ahead: ReadAhead,
        inbound_ids: Sequence[int],
        *,
        careful: bool,
    ) -> list[tuple[int, Seen, Outcome]]:
        """Handle messages from the start of `inbound_ids` until the part is due to commit;
        `careful`: each in a savepoint, its failure recorded (else a failure raises)."""
        done: list[tuple[int, Seen, Outcome]] = []
        opened = time.monotonic()
        for inbound_id in inbound_ids:
            if done and (time.monotonic() - opened > BATCH_SECONDS or uow.writers_waiting()):
                break
            seen = Seen()
            inbound, raw = records.get(inbound_id, (None, None))
            attempt = partial(self._attempt, uow, inbound, raw, ahead, inbound_id, seen)
            outcome = self._guarded(uow, inbound_id, seen, attempt) if careful else attempt()
            done.append((inbound_id, seen, outcome))
        return done

    def _guarded(
        self, uow: UnitOfWork, inbound_id: int, seen: Seen, attempt: Callable[[], Outcome]
    ) -> Outcome:
        """Run `attempt` (handling one claimed message) inside a savepoint: a failure undoes
        only its own work and is recorded, to be tried again or quarantined."""
        try:
            with uow.savepoint():
                return attempt()
        except Exception as error:
            log.exception("message %s: processing failed", inbound_id)
            seen.written = ()
            return self._record_failure(uow, inbound_id, error)

    def _attempt(
        self,
        uow: UnitOfWork,
        inbound: InboundMessage | None,
        raw: bytes | None,
        ahead: ReadAhead,
        inbound_id: int,
        seen: Seen,
    ) -> Outcome:
        """Handle one claimed message (`inbound`, loaded with its batch, and its bytes when
        they came with it, parsed when they did) and record its outcome; raises when it
        fails."""
        assert inbound is not None, f"claimed message {inbound_id} vanished"
        written_before = len(uow.outbox.added)
        seen.message_id, seen.source = inbound.message_id, inbound.source
        if inbound.attempts > self._policy.max_attempts:
            outcome = Outcome(
                InboundStatus.QUARANTINED,
                f"gave up after {inbound.attempts - 1} attempts: {inbound.last_error}",
            )
        else:
            if raw is None:  # a large message: read on its own
                raw = uow.inbox.raw(inbound.id)
            message = ahead.parsed.get(inbound.id)
            if message is None:
                message = parse_message(raw, self._policy.own_addresses)
            seen.sender = message.from_address
            outcome = self._handle(uow, inbound, raw, message, ahead.partners)
        written = [
            mail
            for mail in uow.outbox.added[written_before:]
            if mail.inbound_message_id == inbound.id
        ]
        held = [mail.last_error for mail in written if mail.status in NOT_SENT_NOW]
        if held:
            outcome = Outcome(outcome.status, "; ".join((outcome.summary, *held)))
        seen.written = [(mail.kind, mail.recipient, mail.status) for mail in written]
        self._finish(
            uow, inbound, outcome, partner_id=inbound.partner_id, content_hash=inbound.content_hash
        )
        uow.flush()
        return outcome

    def _finish(
        self, uow: UnitOfWork, inbound: InboundMessage, outcome: Outcome, **values: object
    ) -> None:
        """Record the outcome (and `values`, the sender noted while handling it) in the
        message's one UPDATE."""
        now = self._clock.now()
        if outcome.status == InboundStatus.QUARANTINED:
            values["last_error"] = outcome.summary
            payload = {"message": inbound.id, "reason": outcome.summary}
            uow.events.record(EventType.MESSAGE_QUARANTINED, inbound.id, payload, now=now)
        uow.inbox.settle(
            inbound,
            status=outcome.status,
            outcome=outcome.summary,
            lease_until=None,
            processed_at=now,
            **values,
        )

    def _record_failure(self, uow: UnitOfWork, inbound_id: int, error: Exception) -> Outcome:
        reason = f"{type(error).__name__}: {error}"[:2000]
        now = self._clock.now()
        inbound = uow.inbox.get(inbound_id)
        assert inbound is not None
        inbound.last_error = reason
        if inbound.attempts >= self._policy.max_attempts:
            outcome = Outcome(
                InboundStatus.QUARANTINED, f"failed {inbound.attempts} times: {reason}"
            )
            self._finish(uow, inbound, outcome)
        else:
            outcome = Outcome(
                InboundStatus.STORED, f"attempt {inbound.attempts} failed, will retry"
            )
            inbound.lease_until = now + self._policy.retry_after
        return outcome

    def _handle(
        self,
        uow: UnitOfWork,
        inbound: InboundMessage,
        raw: bytes,
        message: ParsedMessage,
        partners: Mapping[str, Partner | None],
    ) -> Outcome:
        now = self._clock.now()
        reason = reason_not_to_answer(
            message,
            own_addresses=self._policy.own_addresses,
            sent_by_us=lambda message_id: made_here(message_id) and uow.sent.wrote(message_id),
        )
        if reason:
            bounce = ""
            if reason in MAYBE_BOUNCE:
                replies, policy = self._desk.replies, self._policy.bounces
                bounce = record_bounce(uow, replies, raw, policy=policy, now=now)
            if reason == "no sender" and message.sender_problem and not bounce:
                # A From header is there but gives no address (a line break hidden in its
                # name, say): a person may want to look, and nobody can be answered.
                return Outcome(
                    InboundStatus.QUARANTINED,
                    f"the sender cannot be read: {message.sender_problem}",
                )
            return Outcome(
                InboundStatus.IGNORED, "; ".join(filter(None, (f"not answered: {reason}", bounce)))
            )
        address = message.from_address.lower()
        partner = partners[address] if address in partners else uow.partners.by_address(address)
        if partner is None:
            return Outcome(
                InboundStatus.IGNORED, f"not answered: unknown sender {message.from_address}"
            )
        if self._sender_auth is not None and self._sender_auth.required and not inbound.vouched_by:
            refusal = self._sender_auth.refusal(raw, message)
            if refusal:
                return Outcome(InboundStatus.QUARANTINED, refusal)
        uow.inbox.note(inbound, partner_id=partner.id, content_hash=content_hash(message))
        work = self._desk.at(uow, now)
        handling = Handling(work, inbound, message, partner, self._intake, raw)
        if not partner.active:
            if not take_notice(uow, partner, now):
                return Outcome(
                    InboundStatus.IGNORED, f"not answered: {partner.name} is cut off, told before"
                )
            handling.reply("contract_ended", {})
            return processed(f"answered: {partner.name} is cut off, notice sent")
        return route(handling)
