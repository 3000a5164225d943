"""The mail sections: the SMTP (or LMTP) listener and the IMAP mailbox mail comes in by, the relay
(or folder) replies leave through, and how mailbot logs in to a mail server (a password, or
OAuth2)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from mailbot.config.section import Section


class SmtpIngressConfig(Section):
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


class _MailLogin(Section):
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


class _ImapKeys(Section):
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


class _SmtpOutgoingKeys(Section):
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
