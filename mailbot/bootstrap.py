"""Wiring: one place builds every part from the configuration. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from mailbot.clock import Clock, SystemClock
from mailbot.config import (
    Config,
    PriceListsConfig,
    PricingConfig,
    SecurityConfig,
    StorageConfig,
)
from mailbot.domain.deadlines import Calendar, DeadlineSettings, StagePolicy
from mailbot.domain.markup import MarkupRule
from mailbot.domain.price_changes import HoldPolicy
from mailbot.heartbeats import Pulse
from mailbot.ingress.imap import ImapPoller, StoreMessage
from mailbot.ingress.imap_folders import FolderPositions
from mailbot.ingress.smtp import SmtpIngress
from mailbot.ingress.smtp import StoreMessage as StoreSmtpMessage
from mailbot.ingress.smtp_server import server_tls_context
from mailbot.oauth import access_tokens
from mailbot.outbound.render import Renderer
from mailbot.outbound.transport import FolderTransport, SmtpTransport, Transport
from mailbot.parsers.order_files import FileLimits
from mailbot.parsers.pdf_order import PdfLimits
from mailbot.parsers.tables import TableLimits
from mailbot.security.resolver import DnsTxtResolver, TxtResolver
from mailbot.services.inbox.processing import ProcessingPolicy, Processor
from mailbot.services.inbox.sender_auth import SenderAuthentication
from mailbot.services.inbox.storing import Stored, store_message, store_messages
from mailbot.services.orders.taking import OrderRules, PricingSettings
from mailbot.services.outbox.bounces import BouncePolicy
from mailbot.services.outbox.replies import Replies
from mailbot.services.outbox.reply_limits import ReplyLimit
from mailbot.services.outbox.sending import Sender, SendingPolicy
from mailbot.services.pricelists.importing import PriceListSettings, SupplierFormat
from mailbot.services.schedule.jobs import DailyJobs, Jobs
from mailbot.services.work import Desk
from mailbot.storage.database import Timeouts, make_engine
from mailbot.storage.unit_of_work import UnitOfWork, rehearsal


@dataclass
class App:
    config: Config
    engine: Engine
    clock: Clock
    rules: OrderRules
    processor: Processor
    sender: Sender
    replies: Replies
    price_lists: PriceListSettings
    deadlines: DeadlineSettings
    jobs: Jobs
    desk: Desk

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def reading(self) -> UnitOfWork:
        """A unit of work for a use case that only reads (see `UnitOfWork`'s `reading`)."""
        return UnitOfWork(self.engine, reading=True)

    def rehearsal(self) -> AbstractContextManager[Callable[[], UnitOfWork]]:
        """Units of work whose changes are all rolled back at the end (see `Jobs.rehearse`)."""
        return rehearsal(self.engine)

    def store(self, raw: bytes, source: str) -> Stored:
        """Commit a received message to the inbox (deduplicated)."""
        return store_message(self.uow, raw, source=source, now=self.clock.now())

    def store_many(self, raws: Sequence[bytes], source: str) -> list[Stored]:
        """Commit several received messages in one transaction (deduplicated), all or none."""
        return store_messages(self.uow, raws, source=source, now=self.clock.now())

    def imap_poller(self, store: StoreMessage, pulse: Pulse | None = None) -> ImapPoller:
        """The mailbox poller `config.imap` describes, storing each message through `store`
        (and telling `pulse` it is alive)."""
        return ImapPoller(
            store,
            FolderPositions(self.uow, self.clock),
            self.config.imap,
            # One size limit for all intake: what the SMTP listener refuses, IMAP does not take.
            max_message_bytes=self.config.smtp_ingress.max_message_bytes,
            pulse=pulse,
        )

    def smtp_ingress(self, store: StoreSmtpMessage) -> SmtpIngress:
        """The listener `config.smtp_ingress` describes, storing each message through `store`.

        Raises ConfigError naming the key when the TLS certificate or key cannot be read.
        """
        smtp = self.config.smtp_ingress
        tls = (
            server_tls_context(smtp.tls_cert_file, smtp.tls_key_file)
            if smtp.tls_cert_file
            else None
        )
        return SmtpIngress(
            store,
            host=smtp.host,
            port=smtp.port,
            recipients=smtp.recipients,
            max_message_bytes=smtp.max_message_bytes,
            mode=smtp.mode,
            max_recipients=smtp.max_recipients,
            max_connections_per_client=smtp.max_connections_per_client,
            max_bytes_in_flight=smtp.max_bytes_in_flight,
            store_timeout=smtp.store_timeout_seconds,
            max_errors=smtp.max_errors_per_connection,
            tls_context=tls,
            require_tls=smtp.require_tls,
            auth_users=smtp.auth_users,
            auth_required=smtp.auth_required,
            auth_allow_plaintext=smtp.auth_allow_plaintext,
        )

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    config: Config,
    *,
    engine: Engine | None = None,
    transport: Transport | None = None,
    clock: Clock | None = None,
    resolver: TxtResolver | None = None,
) -> App:
    """Build the application from `config`; tests pass their own engine, transport, clock or
    DNS resolver."""
    engine = engine or make_engine(config.storage.url, database_timeouts(config.storage))
    clock = clock or SystemClock()
    transport = transport or outgoing_transport(config)
    uow = lambda: UnitOfWork(engine)  # noqa: E731 - a factory, named for the reader
    orders = config.orders
    rules = OrderRules(
        pricing=pricing_settings(config.pricing),
        max_quantity=orders.max_quantity,
        max_attachments=orders.max_attachments,
        files=FileLimits(
            tables=TableLimits(
                max_rows=orders.max_rows, max_unpacked_bytes=orders.max_unpacked_bytes
            ),
            pdf=PdfLimits(
                max_pages=orders.max_pdf_pages,
                max_unpacked_bytes=orders.max_unpacked_bytes,
                max_seconds=orders.max_pdf_seconds,
            ),
        ),
        max_lines=orders.max_lines,
    )
    outgoing = config.smtp_outgoing
    replies = Replies(
        renderer=Renderer(config.templates.folder, config.scheduler.timezone),
        sender=outgoing.from_address,
        max_bytes=outgoing.max_message_bytes,
    )
    own = {outgoing.from_address.lower(), *(r.lower() for r in config.smtp_ingress.recipients)}
    processing = config.processing
    price_lists = price_list_settings(config.price_lists, config.pricing)
    deadlines = deadline_settings(config)
    desk = Desk(replies, deadlines, rules.pricing.vat_percent)
    processor = Processor(
        uow,
        desk=desk,
        rules=rules,
        policy=ProcessingPolicy(
            max_attempts=processing.max_attempts,
            retry_after=timedelta(seconds=processing.retry_seconds),
            lease=timedelta(seconds=processing.lease_seconds),
            own_addresses=frozenset(own),
            reply_limit=ReplyLimit(
                max_per_hour=config.replies.max_per_hour,
                max_per_day=config.replies.max_auto_responses_per_day,
                zone=ZoneInfo(config.scheduler.timezone),
            ),
            bounces=BouncePolicy(
                suppress_after=config.bounces.suppress_after,
                match_window=timedelta(days=config.bounces.match_days),
            ),
        ),
        clock=clock,
        price_lists=price_lists,
        sender_auth=sender_authentication(config.security, resolver),
    )
    sender = Sender(
        uow,
        transport,
        policy=SendingPolicy(
            retry_after=timedelta(seconds=outgoing.retry_seconds),
            max_backoff=timedelta(seconds=outgoing.max_retry_seconds),
            queue_lifetime=timedelta(days=outgoing.max_queue_days),
            lease=timedelta(seconds=outgoing.lease_seconds),
        ),
        clock=clock,
        replies=replies,
    )
    jobs = Jobs(
        uow,
        replies,
        deadlines,
        DailyJobs(
            at=config.scheduler.digest_time,
            zone=ZoneInfo(config.scheduler.timezone),
            stale_days=config.price_lists.stale_days,
        ),
    )
    return App(
        config, engine, clock, rules, processor, sender, replies, price_lists, deadlines, jobs, desk
    )


def database_timeouts(storage: StorageConfig) -> Timeouts:
    """How long the database may keep mailbot waiting, as `[storage]` configures."""
    return Timeouts(
        connect=storage.connect_timeout_seconds,
        statement=storage.statement_timeout_seconds,
        lock=storage.lock_timeout_seconds,
    )


def pricing_settings(pricing: PricingConfig) -> PricingSettings:
    """The configured markup rules in order of precedence among equals: the `rules` tables as
    listed, then `supplier_markup_percent`, then `default_markup_percent`."""
    markup = [
        (
            rule.supplier,
            MarkupRule(
                group=rule.group,
                brand=rule.brand,
                category=rule.category,
                currency=rule.currency,
                percent=rule.percent,
                fixed=rule.fixed,
                min_margin=rule.min_margin,
            ),
        )
        for rule in pricing.rules
    ]
    for address, percent in pricing.supplier_markup_percent.items():
        markup.append((address.lower(), MarkupRule(percent=percent)))
    markup.append(("", MarkupRule(percent=pricing.default_markup_percent)))
    return PricingSettings(
        markup=tuple(markup),
        ending=pricing.psychological_ending,
        vat_percent=pricing.vat_percent,
        supplier_priority={a.lower(): p for a, p in pricing.supplier_priority.items()},
    )


def price_list_settings(lists: PriceListsConfig, pricing: PricingConfig) -> PriceListSettings:
    """The configured hold rule, report sizes and per-supplier formats for imports."""
    return PriceListSettings(
        hold=HoldPolicy(
            max_removed_share=lists.max_removed_share, max_price_factor=lists.max_price_factor
        ),
        vat_percent=pricing.vat_percent,
        largest=lists.largest_changes,
        removed_shown=lists.removed_shown,
        suppliers={
            address: SupplierFormat(dict(s.columns), s.currency, s.vat_included)
            for address, s in lists.suppliers.items()
        },
        limits=TableLimits(max_rows=lists.max_rows, max_unpacked_bytes=lists.max_unpacked_bytes),
    )


def sender_authentication(
    security: SecurityConfig, resolver: TxtResolver | None
) -> SenderAuthentication | None:
    """The configured sender check, or None when there is none (no trusted servers and no
    own DKIM check). Without `require_sender_auth` it only vouches for acts by mail."""
    if not (security.trusted_authserv_ids or security.verify_dkim):
        return None
    return SenderAuthentication(
        security.trusted_authserv_ids,
        (resolver or DnsTxtResolver()) if security.verify_dkim else None,
        required=security.require_sender_auth,
    )


def deadline_settings(config: Config) -> DeadlineSettings:
    """The configured deadline windows, stages and business hours."""
    deadlines = config.deadlines
    calendar = Calendar(
        ZoneInfo(config.scheduler.timezone),
        business_hours=deadlines.business_hours,
        opens=deadlines.opens,
        closes=deadlines.closes,
        days=deadlines.weekdays,
    )
    return DeadlineSettings(
        policy=StagePolicy(
            calendar,
            reminder_before=deadlines.reminder_hours_before,
            escalation_after=deadlines.escalation_hours_after,
            expiry_after=deadlines.expiry_hours_after,
        ),
        agreement_hours=deadlines.agreement_hours,
        supplier_confirmation_hours=deadlines.supplier_confirmation_hours,
        shipping_days=deadlines.shipping_days,
        lease=timedelta(seconds=deadlines.lease_seconds),
    )


def outgoing_transport(config: Config) -> Transport:
    """The relay `smtp_outgoing` names, or the outbox folder when it names none."""
    outgoing = config.smtp_outgoing
    if not outgoing.host:
        return FolderTransport(outgoing.folder)
    return SmtpTransport(
        outgoing.host,
        outgoing.port,
        outgoing.security,
        outgoing.username,
        outgoing.password,
        timeout=outgoing.timeout_seconds,
        tokens=access_tokens(outgoing, f"SMTP {outgoing.username}@{outgoing.host}"),
    )
