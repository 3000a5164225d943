"""Configuration: one TOML file, any key overridable by `MAILBOT_<SECTION>__<KEY>`, validated once.

The result is a frozen, typed `Config` passed to whatever needs it; nothing reads the
environment or the file after start-up. `mailbot.config_loading` reads the file and the
environment and makes relative paths absolute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mailbot.domain.money import iso_currency
from mailbot.errors import MailbotError

CONFIG_ENV = "MAILBOT_CONFIG"


class ConfigError(MailbotError):
    """The configuration is invalid; each problem names the key and where it came from."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems) or (message,)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Section):
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


class SmtpIngressConfig(_Section):
    """The SMTP (or LMTP) listener's settings."""

    enabled: bool = True
    mode: Literal["smtp", "lmtp"] = "smtp"
    host: str = "127.0.0.1"
    port: int = Field(2525, ge=0, le=65535)
    recipients: tuple[str, ...] = ("orders@distributor.example",)
    max_message_bytes: int = Field(26_214_400, gt=0)
    max_recipients: int = Field(100, gt=0)
    max_connections_per_client: int = Field(20, gt=0)
    max_bytes_in_flight: int = Field(268_435_456, gt=0)
    store_timeout_seconds: float = Field(30.0, gt=0)
    max_errors_per_connection: int = Field(20, gt=0)
    tls_cert_file: str = ""
    tls_key_file: str = ""
    require_tls: bool = False
    auth_users: dict[str, str] = Field(default_factory=dict)
    auth_required: bool = False
    auth_allow_plaintext: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> SmtpIngressConfig:
        if self.max_bytes_in_flight < self.max_message_bytes:
            raise ValueError(
                f"max_bytes_in_flight ({self.max_bytes_in_flight}) must be at least "
                f"max_message_bytes ({self.max_message_bytes}), or no message of the largest "
                "size could ever be taken"
            )
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            missing = "tls_key_file" if self.tls_cert_file else "tls_cert_file"
            raise ValueError(f"tls_cert_file and tls_key_file go together: {missing} is empty")
        if self.require_tls and not self.tls_cert_file:
            raise ValueError("require_tls needs tls_cert_file and tls_key_file")
        if self.auth_required and not self.auth_users:
            raise ValueError("auth_required needs at least one of auth_users")
        if self.auth_users and not (self.tls_cert_file or self.auth_allow_plaintext):
            raise ValueError(
                "auth_users are offered AUTH only over TLS: set tls_cert_file and "
                "tls_key_file, or auth_allow_plaintext = true on a trusted network"
            )
        return self


class _MailLogin(_Section):
    """How mailbot logs in to a mail server: a password, or OAuth2 (XOAUTH2 or OAUTHBEARER)
    with an access token from the provider's token endpoint (see mailbot/oauth.py).

    Each key is checked against `auth` and `provider`, declared first, so that a problem names
    the key that is missing.
    """

    auth: Literal["password", "oauth2"] = "password"
    # microsoft: Microsoft 365, client credentials (app-only) unless refresh_token is set;
    # google: refresh token grant; generic: token_url, with refresh_token if set.
    provider: Literal["microsoft", "google", "generic"] = "generic"
    token_url: str = Field("", validate_default=True)
    client_id: str = Field("", validate_default=True)
    # A PEM file with the app's private key and its certificate: the client then proves itself
    # with an assertion signed by the key (RFC 7523; Microsoft's certificate credentials)
    # instead of sending client_secret.
    client_certificate_file: str = ""
    client_secret: str = Field("", validate_default=True)
    tenant: str = Field("", validate_default=True)
    scopes: tuple[str, ...] = ()
    refresh_token: str = Field("", validate_default=True)

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, url: str, info: ValidationInfo) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError("must be an https:// URL")
        if _oauth(info) and info.data.get("provider") == "generic" and not url:
            raise ValueError('is required for auth = "oauth2" with provider = "generic"')
        return url

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str, info: ValidationInfo) -> str:
        if _oauth(info) and not value.strip():
            raise ValueError('is required for auth = "oauth2"')
        return value.strip()

    @field_validator("client_secret")
    @classmethod
    def _client_secret(cls, value: str, info: ValidationInfo) -> str:
        provider = info.data.get("provider")
        signed = bool(info.data.get("client_certificate_file"))
        if _oauth(info) and provider != "generic" and not value and not signed:
            raise ValueError(
                f'is required for auth = "oauth2" with provider = "{provider}" '
                "(or client_certificate_file)"
            )
        return value

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str, info: ValidationInfo) -> str:
        if _oauth(info) and info.data.get("provider") == "microsoft" and not value.strip():
            raise ValueError('is required for provider = "microsoft" (the directory id or domain)')
        return value.strip()

    @field_validator("refresh_token")
    @classmethod
    def _refresh_token(cls, value: str, info: ValidationInfo) -> str:
        if _oauth(info) and info.data.get("provider") == "google" and not value:
            raise ValueError('is required for provider = "google"')
        return value

    @model_validator(mode="after")
    def _mailbox(self) -> _MailLogin:
        if self.auth == "oauth2" and not getattr(self, "username", ""):
            raise ValueError('username: auth = "oauth2" needs the mailbox\'s address')
        return self


def _oauth(info: ValidationInfo) -> bool:
    return info.data.get("auth") == "oauth2"


class _ImapKeys(_Section):
    """The mailbox poller's own keys (ImapConfig adds how it logs in after them)."""

    enabled: bool = False
    host: str = "imap.example.com"
    port: int = Field(993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    ca_file: str = ""
    username: str = "orders"
    password: str = ""
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    failed_folder: str = "Failed"
    idle: bool = True
    poll_seconds: int = Field(60, gt=0)
    idle_renew_seconds: int = Field(300, gt=0, le=1740)


class _SmtpOutgoingKeys(_Section):
    """How replies leave (SmtpOutgoingConfig adds how to log in to the relay after these)."""

    host: str = ""
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str = ""
    password: str = ""
    from_address: str = "orders@distributor.example"
    folder: Path = Path("var/outbox")
    # One SMTP transaction with the relay (connecting, TLS, login, the mail) ends by then.
    timeout_seconds: float = Field(30, gt=0)
    # A mail claimed by a sender that stopped (killed, crashed) is tried again after this.
    # Declared after timeout_seconds, which it must exceed (a second sender must not send a
    # mail the first may still be handing over).
    lease_seconds: float = Field(60, gt=0, validate_default=True)
    # A temporary failure (no connection, 4xx) waits retry_seconds, doubling each time up to
    # max_retry_seconds; the mail fails only when refused for good (5xx) or still not taken
    # max_queue_days after it was written (or put back with `mailbot outbox retry`).
    retry_seconds: int = Field(60, gt=0)
    max_retry_seconds: int = Field(3600, gt=0, validate_default=True)
    max_queue_days: float = Field(5, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _retired_keys(cls, data: object) -> object:
        # max_attempts (once: a temporary failure failed the mail after that many tries) is
        # no longer read; a file that still sets it keeps working.
        if isinstance(data, dict) and "max_attempts" in data:
            return {key: value for key, value in data.items() if key != "max_attempts"}
        return data

    @field_validator("lease_seconds")
    @classmethod
    def _longer_than_a_transaction(cls, lease: float, info: ValidationInfo) -> float:
        timeout = info.data.get("timeout_seconds")
        if timeout is not None and lease <= timeout:
            raise ValueError(f"must be more than timeout_seconds ({timeout:g})")
        return lease

    @field_validator("max_retry_seconds")
    @classmethod
    def _cap_after_first(cls, cap: int, info: ValidationInfo) -> int:
        first = info.data.get("retry_seconds")
        if first is not None and cap < first:
            raise ValueError(f"must be at least retry_seconds ({first})")
        return cap

    # The largest mail mailbot writes (Postfix's default message_size_limit): a bigger one is
    # replaced by a short mail saying why and naming its files.
    max_message_bytes: int = Field(10_240_000, ge=100_000)

    @property
    def domain(self) -> str:
        return self.from_address.rpartition("@")[2]


# The login's keys come last in each section (pydantic takes the last base's fields first).
class ImapConfig(_MailLogin, _ImapKeys):
    """The mailbox poller's settings."""


class SmtpOutgoingConfig(_MailLogin, _SmtpOutgoingKeys):
    """How replies leave: through a relay, or into a folder."""


class MarkupRuleConfig(_Section):
    """One `[[pricing.rules]]` table: what it matches (empty: anything) and what it adds."""

    group: str = ""
    brand: str = ""
    category: str = ""
    supplier: str = ""
    currency: str = ""
    percent: Decimal = Field(Decimal(0), ge=-100)
    fixed: Decimal = Field(Decimal(0), ge=0)
    min_margin: Decimal | None = Field(None, ge=0)

    @field_validator("currency")
    @classmethod
    def _rule_currency(cls, currency: str) -> str:
        return iso_currency(currency) if currency else currency

    @field_validator("supplier")
    @classmethod
    def _supplier_address(cls, supplier: str) -> str:
        if supplier and "@" not in supplier:
            raise ValueError(f"{supplier!r} is not a supplier's e-mail address")
        return supplier.strip().lower()


class PricingConfig(_Section):
    default_markup_percent: Decimal = Field(Decimal(20), ge=-100)
    supplier_markup_percent: dict[str, Decimal] = Field(default_factory=dict)
    currency: str = "EUR"
    vat_percent: Decimal = Field(Decimal(21), ge=0, le=100)
    psychological_ending: Decimal | None = None
    supplier_priority: dict[str, int] = Field(default_factory=dict)
    rules: tuple[MarkupRuleConfig, ...] = ()

    @field_validator("currency")
    @classmethod
    def _currency(cls, currency: str) -> str:
        return iso_currency(currency)

    @field_validator("psychological_ending", mode="before")
    @classmethod
    def _no_ending(cls, ending: object) -> object:
        return None if isinstance(ending, str) and not ending.strip() else ending

    @field_validator("psychological_ending")
    @classmethod
    def _fraction(cls, ending: Decimal | None) -> Decimal | None:
        if ending is not None and not 0 <= ending < 1:
            raise ValueError('must be empty or a fraction at least 0 and under 1, e.g. "0.90"')
        return ending


PRICE_FIELDS = ("sku", "name", "price", "currency", "stock", "brand", "category", "delivery_days")


class SupplierPriceListConfig(_Section):
    """One `[price_lists.suppliers."ADDRESS"]` table: how that supplier writes its lists."""

    columns: dict[str, str] = Field(default_factory=dict)
    currency: str = ""
    vat_included: bool = False

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(PRICE_FIELDS))
        if unknown:
            known = ", ".join(PRICE_FIELDS)
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {known}")
        return columns

    @field_validator("currency")
    @classmethod
    def _list_currency(cls, currency: str) -> str:
        return iso_currency(currency) if currency else currency


class PriceListsConfig(_Section):
    max_rows: int = Field(200_000, gt=0)
    max_unpacked_bytes: int = Field(200 * 2**20, gt=0)
    max_removed_share: Decimal = Field(Decimal("0.5"), gt=0, le=1)
    max_price_factor: Decimal = Field(Decimal(3), gt=1)
    largest_changes: int = Field(10, ge=0)
    removed_shown: int = Field(20, ge=0)
    stale_days: int = Field(14, gt=0)
    suppliers: dict[str, SupplierPriceListConfig] = Field(default_factory=dict)

    @field_validator("suppliers")
    @classmethod
    def _addresses(
        cls, suppliers: dict[str, SupplierPriceListConfig]
    ) -> dict[str, SupplierPriceListConfig]:
        for address in suppliers:
            if "@" not in address:
                raise ValueError(f"{address!r} is not a supplier's e-mail address")
        return {address.strip().lower(): settings for address, settings in suppliers.items()}


class OrdersConfig(_Section):
    max_quantity: int = Field(100_000, gt=0)
    max_rows: int = Field(10_000, gt=0)
    max_attachments: int = Field(20, gt=0)
    max_unpacked_bytes: int = Field(50 * 2**20, gt=0)
    max_pdf_pages: int = Field(50, gt=0)
    max_pdf_seconds: float = Field(20.0, gt=0)
    # Order lines of one message, body and every file together; past it the order is refused
    # with a short reply, and reading stops there.
    max_lines: int = Field(2000, gt=0)


class ProcessingConfig(_Section):
    max_attempts: int = Field(3, ge=1)
    retry_seconds: int = Field(30, ge=0)
    lease_seconds: int = Field(300, gt=0)
    poll_seconds: float = Field(1.0, gt=0)


class RepliesConfig(_Section):
    """How many replies one sender gets one by one in an hour (the rest wait for a digest),
    and how many answers saying nothing was done one address gets in a day (the rest are not
    sent): what stops a loop with an auto-responder that does not mark its mail."""

    max_per_hour: int = Field(20, ge=0)  # 0: no limit
    max_auto_responses_per_day: int = Field(5, ge=0)  # 0: no limit


class BouncesConfig(_Section):
    suppress_after: int = Field(3, ge=1)  # hard bounces, then the address is not mailed
    match_days: int = Field(7, ge=1)  # how far back a bounce without a Message-ID may match


class SecurityConfig(_Section):
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


class SchedulerConfig(_Section):
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


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DeadlinesConfig(_Section):
    """Deadline windows and stages, in hours that count (business hours when on)."""

    agreement_hours: float = Field(48, gt=0)
    supplier_confirmation_hours: float = Field(24, gt=0)
    reminder_hours_before: float = Field(8, ge=0)
    escalation_hours_after: float = Field(2, ge=0)
    # Checked against the keys before them even when left at their defaults.
    expiry_hours_after: float = Field(8, ge=0, validate_default=True)
    # The shipping promise when a supplier's price list gives no delivery days for the lines.
    shipping_days: int = Field(5, gt=0)
    business_hours: bool = True
    opens: time = time(9)
    closes: time = Field(time(18), validate_default=True)
    days: tuple[str, ...] = WEEKDAYS[:5]
    lease_seconds: int = Field(300, gt=0)

    @field_validator("expiry_hours_after")
    @classmethod
    def _after_escalation(cls, hours: float, info: ValidationInfo) -> float:
        escalation = info.data.get("escalation_hours_after")
        if escalation is not None and hours < escalation:
            raise ValueError("must be at least escalation_hours_after (expiry comes last)")
        return hours

    @field_validator("closes")
    @classmethod
    def _after_opening(cls, closes: time, info: ValidationInfo) -> time:
        opens = info.data.get("opens")
        if opens is not None and closes <= opens:
            raise ValueError("must be later than opens")
        return closes

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        named = tuple(day.strip().lower()[:3] for day in days)
        unknown = [day for day, short in zip(days, named, strict=True) if short not in WEEKDAYS]
        if unknown or not named:
            raise ValueError(f"must be some of {', '.join(WEEKDAYS)}, not {list(days)!r}")
        return named

    @property
    def weekdays(self) -> frozenset[int]:
        """The open days as numbers, Monday 0."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class HttpConfig(_Section):
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


class RabbitmqConfig(_Section):
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


class TemplatesConfig(_Section):
    folder: Path | None = None


class LoggingConfig(_Section):
    """How log lines are written: text for people, or JSON objects one a line for collectors."""

    format: Literal["text", "json"] = "text"


class Config(_Section):
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


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read `path` (else `$MAILBOT_CONFIG`, else the embedded default) and apply the environment;
    relative paths are taken from the file's folder (the data home without a file).

    Raises ConfigError naming the offending key for an unreadable file, an unknown key or a
    wrong value.
    """
    from mailbot.config_loading import read_config  # it builds on the models above

    return read_config(path, environ).config
