"""Queries for mail mailbot must be careful with: addresses that bounce, mail a bounce may
report on, replies held back by the per-sender limits, and the mail a partner's answer threads
to.

The reply limit asks, for every reply, how loaded its recipient is (`SentMail.reply_load`).
The processor reads the load of all of a batch's senders in one statement instead
(`read_reply_loads`) and keeps it for the rest of the transaction: each reply the transaction
writes is counted in as `Outbox.add` writes it (`count_written`), and any rollback, whole or
to a savepoint, or any other change of outbound mail through the outbox drops what is kept,
so the next question reads again. On PostgreSQL that saves a round trip per message, the
one the order's waiting writes travelled with (storage/later_writes.py). What another
worker commits meanwhile is seen from the next transaction, at most a batch (a fraction of a
second) later, where a question per reply saw it at the next reply: two workers answering
one sender at the same moment could always each miss the other's uncommitted reply.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import and_, bindparam, event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.storage.models import BouncingAddress, InboundMessage, OutboundMessage

# What the sender has handed (or will hand) to the relay: the mail a bounce can be about.
DELIVERED = (OutboundStatus.SENT, OutboundStatus.PENDING, OutboundStatus.BOUNCED)
HELD = OutboundStatus.HELD
# What went or goes to its reader, one by one or in a digest.
WENT = (*DELIVERED, HELD, OutboundStatus.DIGESTED)


class BouncingAddresses:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, address: str) -> BouncingAddress | None:
        query = select(BouncingAddress).where(BouncingAddress.address == address.lower())
        return self.session.scalars(query).one_or_none()

    def add(self, record: BouncingAddress) -> None:
        self.session.add(record)
        self.session.flush()

    def suppressed_among(self, addresses: Iterable[str]) -> set[str]:
        """Those of `addresses` that bounced too often, in lower case."""
        wanted = {address.lower() for address in addresses}
        if not wanted:
            return set()
        query = select(BouncingAddress.address).where(
            BouncingAddress.address.in_(wanted), BouncingAddress.suppressed_at.is_not(None)
        )
        return set(self.session.scalars(query))

    def list(self, suppressed_only: bool = False) -> Sequence[BouncingAddress]:
        query = select(BouncingAddress).order_by(BouncingAddress.last_bounce_at.desc())
        if suppressed_only:
            query = query.where(BouncingAddress.suppressed_at.is_not(None))
        return self.session.scalars(query).all()


# Asked about every message processed: built once (building one costs more than running it).
_HELD = OutboundMessage.status == HELD
_COUNTED = and_(
    OutboundMessage.created_at >= bindparam("since"),
    OutboundMessage.inbound_message_id.is_not(None),
    OutboundMessage.status.in_(DELIVERED),
)
_LOAD = (
    func.count(OutboundMessage.id).filter(_HELD),
    func.count(OutboundMessage.id).filter(_COUNTED),
)
# Which rows the counts may need. Not `or_(_HELD, _COUNTED)`: with a list of recipients,
# SQLite would then read every held and every pending mail through the status index (an OR of
# two index searches) instead of the recipients' own mail through theirs.
_MAY_COUNT = or_(OutboundMessage.created_at >= bindparam("since"), _HELD)
_REPLY_LOAD = select(*_LOAD).where(OutboundMessage.recipient == bindparam("recipient"), _MAY_COUNT)
_REPLY_LOADS = (
    select(OutboundMessage.recipient, *_LOAD)
    .where(OutboundMessage.recipient.in_(bindparam("recipients", expanding=True)), _MAY_COUNT)
    .group_by(OutboundMessage.recipient)
)
_KEPT_LOADS = "mailbot_reply_loads"  # in a session's info: (its transaction, {recipient: load})
_Kept = tuple[SessionTransaction | None, dict[str, list[int]]]
_WROTE = (
    select(OutboundMessage.id).where(OutboundMessage.message_id == bindparam("message_id")).limit(1)
)


class SentMail:
    """Outbound mail by whom it went to and when, for bounces and the reply limit."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def wrote(self, message_id: str) -> bool:
        """Whether mailbot wrote a mail with this Message-ID (with or without the <>): asked
        of every message received, so only the index is read."""
        bare = message_id.strip().strip("<>")
        if not bare:
            return False
        return self.session.scalar(_WROTE, {"message_id": f"<{bare}>"}) is not None

    def by_message_id(self, message_id: str) -> OutboundMessage | None:
        """The mail mailbot wrote with this Message-ID (with or without the <>)."""
        bare = message_id.strip().strip("<>")
        if not bare:
            return None
        query = select(OutboundMessage).where(OutboundMessage.message_id == f"<{bare}>")
        return self.session.scalars(query).one_or_none()

    def latest_to(self, recipient: str, since: datetime) -> OutboundMessage | None:
        """The newest mail handed to the relay for `recipient` since `since`."""
        query = (
            select(OutboundMessage)
            .where(OutboundMessage.recipient == recipient, OutboundMessage.created_at >= since)
            .where(OutboundMessage.status.in_(DELIVERED))
            .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()

    def auto_responses_to(self, recipient: str, since: datetime) -> int:
        """How many answers saying nothing was done (those with a fingerprint) went or go to
        `recipient` since `since`; suppressed and cancelled ones are not counted."""
        query = select(func.count(OutboundMessage.id)).where(
            OutboundMessage.recipient == recipient,
            OutboundMessage.created_at >= since,
            OutboundMessage.fingerprint.is_not(None),
            OutboundMessage.status.in_(WENT),
        )
        return self.session.scalar(query) or 0

    def same_answer_to(self, recipient: str, fingerprint: str, since: datetime) -> int | None:
        """The id of an answer with `fingerprint` that went or goes to `recipient` since
        `since`, if there is one."""
        query = select(OutboundMessage.id).where(
            OutboundMessage.recipient == recipient,
            OutboundMessage.created_at >= since,
            OutboundMessage.fingerprint == fingerprint,
            OutboundMessage.status.in_(WENT),
        )
        return self.session.scalars(query.order_by(OutboundMessage.id).limit(1)).first()

    def answered_same(self, content_hash: str, since: datetime, excluding: int) -> int | None:
        """The id of a received message with `content_hash` (the same text from the same
        address) processed since `since`, other than `excluding`, if there is one."""
        query = select(InboundMessage.id).where(
            InboundMessage.content_hash == content_hash,
            InboundMessage.id != excluding,
            InboundMessage.status == InboundStatus.PROCESSED,
            InboundMessage.processed_at >= since,
        )
        return self.session.scalars(query.order_by(InboundMessage.id).limit(1)).first()

    def wrote_to(
        self,
        message_ids: Iterable[str],
        recipients: Collection[str],
        order_id: int | None = None,
    ) -> str:
        """The first of `message_ids` (bare, no brackets) that is a mail mailbot wrote to one
        of `recipients` (about order `order_id`, when given), or "" for none."""
        bracketed = list(dict.fromkeys(f"<{i.strip('<>')}>" for i in message_ids if i))
        if not bracketed or not recipients:
            return ""
        query = select(OutboundMessage.message_id).where(
            OutboundMessage.message_id.in_(bracketed[:100]),
            OutboundMessage.recipient.in_(list(recipients)),
        )
        if order_id is not None:
            query = query.where(OutboundMessage.order_id == order_id)
        found = set(self.session.scalars(query))
        return next((i for i in bracketed if i in found), "")

    def reply_load(self, recipient: str, since: datetime) -> tuple[bool, int]:
        """Whether replies to `recipient` wait for their digest, and how many replies to
        received mail went (or go) to it one by one since `since` (held and digested ones
        not counted; digests are not replies): one statement, or none when this
        transaction keeps the recipient's load (`read_reply_loads`)."""
        kept = _kept_loads(self.session)
        if kept is not None and (load := kept.get(recipient)) is not None:
            return load[0] > 0, load[1]
        row = self.session.execute(_REPLY_LOAD, {"recipient": recipient, "since": since})
        waiting, recent = row.one()
        return bool(waiting), recent or 0

    def read_reply_loads(self, recipients: Collection[str], since: datetime) -> None:
        """Read the reply load (see `reply_load`) of each of `recipients` since `since` in
        one statement, and keep it for the rest of this transaction. A later question,
        whose window starts a little later, is answered from the same start: it may count
        a reply that has left its window meanwhile, so it can hold a reply a moment early,
        never let one too many go."""
        if not recipients:
            return
        rows = self.session.execute(_REPLY_LOADS, {"recipients": list(recipients), "since": since})
        loads = {recipient: [0, 0] for recipient in recipients}
        for recipient, held, recent in rows:
            loads[recipient] = [held, recent]
        self.session.info[_KEPT_LOADS] = (self.session.get_transaction(), loads)

    def held_recipients(self, held_before: datetime) -> Sequence[str]:
        """Recipients whose oldest held reply was written at or before `held_before`."""
        query = (
            select(OutboundMessage.recipient)
            .where(OutboundMessage.status == HELD)
            .group_by(OutboundMessage.recipient)
            .having(func.min(OutboundMessage.created_at) <= held_before)
            .order_by(OutboundMessage.recipient)
        )
        return self.session.scalars(query).all()

    def held_for(self, recipient: str) -> Sequence[OutboundMessage]:
        """The replies held for `recipient`, oldest first, locked against a second digest."""
        query = (
            select(OutboundMessage)
            .where(OutboundMessage.recipient == recipient, OutboundMessage.status == HELD)
            .order_by(OutboundMessage.id)
            .with_for_update()
        )
        return self.session.scalars(query).all()

    def caused_by(self, inbound_id: int) -> Sequence[OutboundMessage]:
        """The mail written in answer to (or because of) the received message, oldest first."""
        query = select(OutboundMessage).where(OutboundMessage.inbound_message_id == inbound_id)
        return self.session.scalars(query.order_by(OutboundMessage.id)).all()

    def list(
        self, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[OutboundMessage]:
        """The newest mail with `status` (None: any), the first `offset` left out."""
        query = select(OutboundMessage).order_by(OutboundMessage.id.desc())
        query = query.limit(limit).offset(offset)
        if status:
            query = query.where(OutboundMessage.status == status)
        return self.session.scalars(query).all()


def count_written(session: Session, message: OutboundMessage) -> None:
    """Count the mail `session` has just written into the reply loads its transaction keeps
    (as `_REPLY_LOAD` would count it: held, or a reply to received mail on its way)."""
    kept = _kept_loads(session)
    if kept is None or (load := kept.get(message.recipient)) is None:
        return
    if message.status == HELD:
        load[0] += 1
    elif message.inbound_message_id is not None and message.status in DELIVERED:
        load[1] += 1


def forget_reply_loads(session: Session) -> None:
    """Drop the reply loads `session` keeps: outbound mail changed in a way not counted."""
    session.info.pop(_KEPT_LOADS, None)


def _kept_loads(session: Session) -> dict[str, list[int]] | None:
    kept = cast(_Kept | None, session.info.get(_KEPT_LOADS))
    if kept is None:
        return None
    if kept[0] is not session.get_transaction():  # read in a transaction that has ended
        forget_reply_loads(session)
        return None
    return kept[1]


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A rollback, to a savepoint too, may undo replies that were counted in."""
    forget_reply_loads(session)
