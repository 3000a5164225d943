"""The tables. Every time is aware UTC; every amount is an exact Decimal beside its currency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mailbot.domain.deadlines import DeadlineStatus
from mailbot.domain.mail import InboundStatus, OutboundStatus
from mailbot.domain.price_changes import PriceListStatus
from mailbot.storage.api_keys import ApiKey as ApiKey
from mailbot.storage.base import Base as Base
from mailbot.storage.erp_inbox import ErpDeadLetter as ErpDeadLetter
from mailbot.storage.erp_inbox import ErpMessage as ErpMessage
from mailbot.storage.idempotency import IdempotentRequest as IdempotentRequest
from mailbot.storage.service_parts import ServicePart as ServicePart
from mailbot.storage.sign_ins import SignInLink as SignInLink
from mailbot.storage.sign_ins import WebSession as WebSession
from mailbot.storage.voucher_models import VoucherCampaign as VoucherCampaign
from mailbot.storage.voucher_models import VoucherCode as VoucherCode
from mailbot.storage.voucher_models import VoucherRedemption as VoucherRedemption


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    group: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    # "net" or "gross": whether the client's quotes add VAT to the total.
    price_display: Mapped[str] = mapped_column(String(8), default="net", server_default="net")
    # The files a client's price list on request is sent as, comma-separated: "xlsx,csv".
    price_list_formats: Mapped[str] = mapped_column(
        String(32), default="xlsx", server_default="xlsx"
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]
    # When the contract ends: the scheduler cuts the partner off at that moment.
    contract_ends_at: Mapped[datetime | None]
    # When a cut-off partner was sent its one polite notice; later mail is ignored.
    cutoff_notice_at: Mapped[datetime | None]
    # A client set to auto-agree has its quotes agreed at once, without an AGREE reply.
    auto_agree: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The most a client may owe (ledger debits minus credits), in its currency; NULL: no limit.
    credit_limit: Mapped[Decimal | None]
    # IANA zone the partner reads times in; "" means the scheduler's zone.
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    addresses: Mapped[list[PartnerAddress]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerAddress.id"
    )


class PartnerAddress(Base):
    __tablename__ = "partner_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    partner: Mapped[Partner] = relationship(back_populates="addresses")


class InboundMessage(Base):
    """A received message, stored raw before it is acknowledged; processors claim it by lease."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    source: Mapped[str] = mapped_column(String(16))
    # Loaded only when asked for (a listing must not load every message); the processor
    # reads it in slices through `Inbox.raw`.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.STORED)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    processed_at: Mapped[datetime | None]
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    # What the sender wrote (address, subject, text, files), hashed: the same message again
    # from the same address the same day gets no second answer saying nothing was done.
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Who let the message through after it was quarantined as forged ("": nobody): its
    # sender is then taken as it is (services/inbox/quarantine.py `let_through`).
    vouched_by: Mapped[str] = mapped_column(String(100), default="", server_default="")

    __table_args__ = (Index("ix_inbound_messages_status_lease", "status", "lease_until"),)


class PriceList(Base):
    """One imported version of a supplier's list; at most one per supplier is active.

    `status`: active (orders are priced from it), replaced (a newer one was applied), held
    (waiting for a manager, with `held_reason`), rejected (a manager refused it).
    """

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=PriceListStatus.ACTIVE)
    held_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    rows: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_price_lists_status_supplier", "status", "supplier_id"),)


class PriceItem(Base):
    __tablename__ = "price_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(100))
    sku_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(500), default="")
    brand: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int | None]
    # Without a count (stock NULL), True when the supplier said "available"; NULL: not said.
    in_stock: Mapped[bool | None]
    delivery_days: Mapped[int | None]

    # By list for imports and comparisons; by SKU for pricing, since old versions are kept.
    __table_args__ = (
        Index("ix_price_items_list_sku", "price_list_id", "sku_key"),
        Index("ix_price_items_sku_key", "sku_key"),
    )


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal]
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    created_at: Mapped[datetime]
    quoted_at: Mapped[datetime | None]
    # The key of the order's references (one per partner, see services/orders/proof.py),
    # which prove that an answer comes from someone who saw mailbot's mail about the order.
    secret: Mapped[str | None] = mapped_column(String(64))
    lines: Mapped[list[OrderLine]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLine.position"
    )
    client: Mapped[Partner] = relationship()


class OrderLine(Base):
    """A line of an order: priced (unit price set) or rejected (rejection set), never dropped."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[int | None]
    unit_price: Mapped[Decimal | None]
    line_total: Mapped[Decimal | None]
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    source: Mapped[str] = mapped_column(String(255))
    row: Mapped[int]
    rejection: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(String(255), default="")
    # What the supplier confirmed it will deliver; NULL until it answers the order file.
    confirmed_quantity: Mapped[int | None]


class OrderTransition(Base):
    """One step of an order's life: the order matrix. `actor_id` is the partner who acted;
    NULL means mailbot itself, or the person `actor_name` names ("alice (command line)")."""

    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    actor_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class SupplierOrder(Base):
    """The part of an order one supplier delivers: its order file and the supplier's answers.

    `status`: sent, partial (fewer confirmed than ordered), confirmed, shipped.
    """

    __tablename__ = "supplier_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    ship_date: Mapped[date | None]
    ship_method: Mapped[str] = mapped_column(String(100), default="")
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
    supplier: Mapped[Partner] = relationship()

    __table_args__ = (UniqueConstraint("order_id", "supplier_id"),)


class LedgerEntry(Base):
    """A debit (an agreed order) or a credit (a payment) on a client's account."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(8))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class OutboundMessage(Base):
    """A mail mailbot owes someone. Its bytes and Message-ID are fixed when written.

    `status`: pending (waiting for the sender), sent, failed (the relay refused it for good,
    or it was still not taken `smtp_outgoing.max_queue_days` after `queued_at`), bounced
    (a bounce reported it undeliverable: `bounce_recipient`, `bounce_status`), held (a reply
    past the sender's hourly limit, waiting for the digest; the reason in `last_error`),
    digested (sent inside the digest `digest_id`), suppressed (not sent: the address bounced
    too often, or an answer saying nothing was done past the daily limits; the reason in
    `last_error`), cancelled (not sent: a manager cancelled it while
    it was pending or held; who and why in `last_error`).

    `queued_at`: when the mail entered the queue (written, or put back by `outbox retry`);
    temporary failures keep it pending until `max_queue_days` after it. `sending_since`: when
    the attempt under way began, set before the mail is handed to the relay and cleared once
    its outcome is recorded; found set by the next claim, it says that attempt was
    interrupted and the relay may have taken the mail.
    """

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    queued_at: Mapped[datetime]
    sending_since: Mapped[datetime | None]
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    bounced_at: Mapped[datetime | None]
    bounce_recipient: Mapped[str] = mapped_column(String(320), default="", server_default="")
    bounce_status: Mapped[str] = mapped_column(String(16), default="", server_default="")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
    # Set on answers that say nothing was done (see services/outbox/reply_limits.py): the
    # hash of their kind and text, so the same answer goes to an address once a day.
    fingerprint: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_outbound_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbound_messages_recipient_created", "recipient", "created_at"),
    )


class BouncingAddress(Base):
    """An address mail from mailbot bounced at. Managers are alerted once (`alerted_at`);
    after enough hard bounces mailbot stops mailing it (`suppressed_at`) until a manager
    clears it, which starts the count again."""

    __tablename__ = "bouncing_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    bounces: Mapped[int] = mapped_column(default=0)
    hard_bounces: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[str] = mapped_column(String(16), default="")
    last_outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
    first_bounce_at: Mapped[datetime]
    last_bounce_at: Mapped[datetime]
    alerted_at: Mapped[datetime | None]
    suppressed_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]


class Event(Base):
    """An event in the transactional outbox: written in the transaction of the change it
    tells of, published to RabbitMQ later (see mailbot/events/). `sequence` counts the events
    of one aggregate; the publisher gives it when it first sends the event, so that writing an
    event never waits on another transaction. `published_at`: when the broker confirmed it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int | None]
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_events_aggregate", "aggregate_type", "aggregate_id", "sequence"),
        # An aggregate's last sequence, without stepping over its events not yet numbered.
        Index(
            "ix_events_numbered",
            "aggregate_type",
            "aggregate_id",
            "sequence",
            postgresql_where=text("sequence IS NOT NULL"),
            sqlite_where=text("sequence IS NOT NULL"),
        ),
        # What the publisher claims, oldest first: only the events still waiting.
        Index(
            "ix_events_pending",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )


class ImapFolder(Base):
    """How far the IMAP poller has stored a mailbox folder, so that a restart resumes there.

    UIDs and UIDVALIDITY are unsigned 32-bit numbers in IMAP, too big for a signed INTEGER.
    """

    __tablename__ = "imap_folders"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(255))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("host", "username", "folder"),)


class Deadline(Base):
    """Something someone must do by `due_at`; the scheduler claims it by lease at `stage_at`.

    `stage` is what happens next (remind, escalate, expire; NULL when nothing is left),
    `status` open, done or cancelled.
    """

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    stage: Mapped[str | None] = mapped_column(String(16))
    stage_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=DeadlineStatus.OPEN)
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_deadlines_status_stage_at", "status", "stage_at"),)


class DailyRun(Base):
    """A daily job done for one local day; the unique pair makes it happen once per day."""

    __tablename__ = "daily_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    ran_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("job", "day"),)
