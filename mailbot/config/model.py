"""The whole configuration, `Config`: its sections in the file's order, and the keys that name
files or folders. The mail's sections are in `mail`, the orders' in `orders`; the smaller ones
(the database, the processor, replies, bounces, sender authentication, the scheduler, HTTP,
RabbitMQ, templates, logs) are here."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import Field, ValidationInfo, field_validator

from mailbot.config.mail import ImapConfig, SmtpIngressConfig, SmtpOutgoingConfig
from mailbot.config.orders import (
    DeadlinesConfig,
    OrdersConfig,
    PriceListsConfig,
    PricingConfig,
)
from mailbot.config.section import Section


class StorageConfig(Section):
    """The database, and how long mailbot waits for it before it gives up (an error, which the
    caller retries or answers: the SMTP listener with 451)."""

    url: str = "sqlite:///var/mailbot.db"
    # PostgreSQL: libpq's connect_timeout, for the connection and its login (at least 2).
    connect_timeout_seconds: int = Field(10, ge=2)
    # PostgreSQL: statement_timeout of every statement (0: none).
    statement_timeout_seconds: float = Field(60, ge=0)
    # PostgreSQL: lock_timeout (0: none); SQLite: the busy timeout (waiting for the write lock).
    lock_timeout_seconds: float = Field(30, ge=0)

    @field_validator("url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return url


class ProcessingConfig(Section):
    max_attempts: int = Field(3, ge=1)
    retry_seconds: int = Field(30, ge=0)
    lease_seconds: int = Field(300, gt=0)
    poll_seconds: float = Field(1.0, gt=0)


class RepliesConfig(Section):
    """How many replies one sender gets one by one in an hour (the rest wait for a digest),
    and how many answers saying nothing was done one address gets in a day (the rest are not
    sent): what stops a loop with an auto-responder that does not mark its mail."""

    max_per_hour: int = Field(20, ge=0)  # 0: no limit
    max_auto_responses_per_day: int = Field(5, ge=0)  # 0: no limit


class BouncesConfig(Section):
    suppress_after: int = Field(3, ge=1)  # hard bounces, then the address is not mailed
    match_days: int = Field(7, ge=1)  # how far back a bounce without a Message-ID may match


class SecurityConfig(Section):
    """Sender authentication: which receiving servers' verdicts count, and own DKIM checks."""

    trusted_authserv_ids: tuple[str, ...] = ()
    verify_dkim: bool = False
    # Declared last so that its check sees the two keys above.
    require_sender_auth: bool = False

    @field_validator("trusted_authserv_ids")
    @classmethod
    def _server_ids(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        if any(not authserv_id.strip() for authserv_id in ids):
            raise ValueError("an authserv-id cannot be empty")
        return tuple(authserv_id.strip().lower() for authserv_id in ids)

    @field_validator("require_sender_auth")
    @classmethod
    def _some_way_to_authenticate(cls, required: bool, info: ValidationInfo) -> bool:
        if (
            required
            and not info.data.get("trusted_authserv_ids")
            and not info.data.get("verify_dkim")
        ):
            raise ValueError(
                "true needs security.trusted_authserv_ids or security.verify_dkim = true"
            )
        return required


class SchedulerConfig(Section):
    timezone: str = "Europe/Bucharest"
    enabled: bool = True
    tick_seconds: int = Field(60, ge=1, le=3600)
    digest_time: time = time(7)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        if zone not in available_timezones():
            raise ValueError(f"{zone!r} is not an IANA time zone")
        return zone


class HttpConfig(Section):
    """The HTTP API and the web cabinet, served by `mailbot run` when enabled (on loopback
    unless told otherwise; put a TLS-terminating proxy in front of it to serve other hosts)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8025, ge=0, le=65535)
    # Requests a minute each API key may make (a burst of as many, then evenly); 429 beyond.
    rate_limit_per_minute: int = Field(600, gt=0)
    # The most a call centre's compensation code may be worth, with its currency.
    max_compensation: str = Field("50.00 EUR", pattern=r"^\d{1,9}(\.\d{1,2})? [A-Z]{3}$")
    # How people reach the cabinet, for the links in mail ("": http://host:port). Behind an
    # https:// address the session cookie is sent over HTTPS only.
    public_url: str = Field("", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$")
    sign_in_minutes: int = Field(15, ge=1, le=120)  # how long a mailed sign-in link works
    session_hours: int = Field(12, ge=1, le=24 * 30)  # how long a cabinet session lasts
    # The longest a shop's or a till's reservation of voucher codes may hold them, in seconds.
    max_hold_seconds: int = Field(86400, gt=0, le=30 * 86400)


class RabbitmqConfig(Section):
    """Events to the ERP (see mailbot/events/ and docs/events.md)."""

    enabled: bool = False
    url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "mailbot.events"
    batch_size: int = Field(200, ge=1, le=10_000)  # events claimed and published at once
    poll_seconds: float = Field(1.0, gt=0)  # how often the outbox is looked at when idle
    confirm_timeout_seconds: float = Field(30.0, gt=0)  # the broker's confirm of a batch
    reconnect_max_seconds: float = Field(60.0, ge=1)  # the longest wait between attempts
    # What the ERP sends: its exchange, the queue mailbot consumes ("" : none) and its
    # bindings, and the queue where messages that cannot be applied go, with the reason.
    erp_exchange: str = "erp.events"
    queue: str = "mailbot.erp"
    bindings: tuple[str, ...] = ("erp.#",)
    dead_letter_queue: str = "mailbot.erp.dead"
    prefetch: int = Field(10, ge=1, le=1000)

    @field_validator("url")
    @classmethod
    def _amqp_url(cls, url: str) -> str:
        if not url.startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URL")
        return url

    @field_validator("exchange")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name.strip() or name.startswith("amq."):
            raise ValueError("must name an exchange of mailbot's own (not empty, not amq.*)")
        return name.strip()

    @field_validator("erp_exchange")
    @classmethod
    def _erp_named(cls, name: str) -> str:
        if not name.strip() or name.startswith("amq."):
            raise ValueError("must name the ERP's exchange (not empty, not amq.*)")
        return name.strip()

    @field_validator("dead_letter_queue")
    @classmethod
    def _dead_letters_named(cls, name: str, info: ValidationInfo) -> str:
        if info.data.get("queue") and (not name.strip() or name == info.data.get("queue")):
            raise ValueError("must name a queue of its own beside rabbitmq.queue")
        return name.strip()

    @field_validator("bindings")
    @classmethod
    def _some_binding(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        if not keys or any(not key.strip() for key in keys):
            raise ValueError("must list routing keys (patterns such as erp.#), none empty")
        return keys

    def where(self) -> str:
        """The broker and exchange, for logs and `mailbot status`, without the password."""
        parts = urlsplit(self.url)
        host = parts.netloc.rpartition("@")[2]
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{host}{parts.path} exchange {self.exchange}"


class TemplatesConfig(Section):
    folder: Path | None = None


class LoggingConfig(Section):
    """How log lines are written: text for people, or JSON objects one a line for collectors."""

    format: Literal["text", "json"] = "text"


class Config(Section):
    storage: StorageConfig = StorageConfig()
    smtp_ingress: SmtpIngressConfig = SmtpIngressConfig()
    imap: ImapConfig = ImapConfig()
    smtp_outgoing: SmtpOutgoingConfig = SmtpOutgoingConfig()
    pricing: PricingConfig = PricingConfig()
    price_lists: PriceListsConfig = PriceListsConfig()
    orders: OrdersConfig = OrdersConfig()
    processing: ProcessingConfig = ProcessingConfig()
    replies: RepliesConfig = RepliesConfig()
    bounces: BouncesConfig = BouncesConfig()
    security: SecurityConfig = SecurityConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    deadlines: DeadlinesConfig = DeadlinesConfig()
    http: HttpConfig = HttpConfig()
    templates: TemplatesConfig = TemplatesConfig()
    rabbitmq: RabbitmqConfig = RabbitmqConfig()
    logging: LoggingConfig = LoggingConfig()


# Every key that names a file or folder, as (section, key): a relative path in them is taken
# from the configuration file's folder (or the data home, for the embedded default).
PATH_KEYS = (
    ("storage", "url"),
    ("smtp_ingress", "tls_cert_file"),
    ("smtp_ingress", "tls_key_file"),
    ("imap", "ca_file"),
    ("imap", "client_certificate_file"),
    ("smtp_outgoing", "client_certificate_file"),
    ("smtp_outgoing", "folder"),
    ("templates", "folder"),
)
