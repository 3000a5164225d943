"""OAuth2 access tokens for logging in to IMAP and SMTP servers (XOAUTH2, OAUTHBEARER).

Authlib's OAuth2 client (over requests) speaks to the token endpoint; this module decides when:
a token is kept until shortly before it expires, fetched anew after the server refused it, and
after a failed request the endpoint is not asked again until a pause has passed, doubling while
failures go on, so that a poller reconnecting and a sender trying each mail do not hammer it.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mailbot.config import ConfigError, ImapConfig, SmtpOutgoingConfig
from mailbot.errors import MailbotError

log = logging.getLogger("mailbot.oauth")

MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
MICROSOFT_SCOPES = ("https://outlook.office365.com/.default",)
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_SCOPES = ("https://mail.google.com/",)
# Without expires_in in the answer (RFC 6749 makes it optional), a token is used this long.
DEFAULT_LIFETIME = 3600.0


class TokenError(MailbotError):
    """No access token: the provider refused to give one, or could not be reached."""


@dataclass(frozen=True)
class Certificate:
    """The app's private key (PEM) and its certificate's SHA-1 thumbprint, which the signed
    client assertion names in its `x5t` header, as Microsoft's token endpoint looks it up."""

    key_pem: str
    thumbprint: str

    @classmethod
    def read(cls, path: str, key: str) -> Certificate:
        """The key and certificate in the PEM file `path`; ConfigError naming `key` when it
        cannot be read or does not hold both."""
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ConfigError(f"{key}: cannot read {path}: {error.strerror}") from None
        try:
            private = serialization.load_pem_private_key(data, password=None)
            certificate = x509.load_pem_x509_certificate(data)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{key}: {path} must hold the private key (without a passphrase) and its "
                "certificate, in PEM"
            ) from None
        sha1 = certificate.fingerprint(hashes.SHA1())
        key_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(key_pem.decode(), base64.urlsafe_b64encode(sha1).rstrip(b"=").decode())


@dataclass(frozen=True)
class OAuthSettings:
    """Where and how to ask for a token, the provider's preset applied."""

    token_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    refresh_token: str  # "": the client credentials grant
    certificate: Certificate | None = None  # set: a signed assertion instead of the secret

    @classmethod
    def of(cls, config: ImapConfig | SmtpOutgoingConfig, section: str) -> OAuthSettings:
        """The settings of a section whose `auth` is "oauth2" (validated at start); the
        certificate, if any, is read here, so that a bad one stops mailbot at start."""
        url, scopes = config.token_url, config.scopes
        if config.provider == "microsoft":
            url = url or MICROSOFT_TOKEN_URL.format(tenant=config.tenant)
            scopes = scopes or MICROSOFT_SCOPES
        elif config.provider == "google":
            url = url or GOOGLE_TOKEN_URL
            scopes = scopes or GOOGLE_SCOPES
        certificate = None
        if config.client_certificate_file:
            key = f"{section}.client_certificate_file"
            certificate = Certificate.read(config.client_certificate_file, key)
        return cls(
            url, config.client_id, config.client_secret, scopes, config.refresh_token, certificate
        )


def access_tokens(config: ImapConfig | SmtpOutgoingConfig, what: str) -> AccessTokens | None:
    """The token cache for a section, or None when it logs in with a password."""
    if config.auth != "oauth2":
        return None
    section = "imap" if isinstance(config, ImapConfig) else "smtp_outgoing"
    return AccessTokens(OAuthSettings.of(config, section), what=what)


class AccessTokens:
    """One account's access token, kept and renewed; safe to share between threads."""

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        what: str,
        leeway_seconds: float = 300.0,
        first_retry_seconds: float = 1.0,
        max_retry_seconds: float = 300.0,
        timeout_seconds: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`what` names the account in log lines; a token is renewed `leeway_seconds` before
        it expires (or halfway through its life when that is shorter)."""
        self.settings = settings
        self._what = what
        self._leeway = leeway_seconds
        self._first_retry = first_retry_seconds
        self._max_retry = max_retry_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._renew_at = 0.0
        self._refresh_token = settings.refresh_token
        self._retry = first_retry_seconds
        self._failure: TokenError | None = None
        self._next_try = 0.0

    def get(self) -> str:
        """A token that is not about to expire; raises TokenError when none can be had."""
        with self._lock:
            if self._token and self._clock() < self._renew_at:
                return self._token
            return self._fetch()

    def renew(self, refused: str) -> str:
        """A new token after a server refused `refused` (revoked, or expired early), unless
        another thread has renewed it meanwhile; raises TokenError when none can be had."""
        with self._lock:
            if self._token and self._token != refused:
                return self._token
            self._token = ""
            return self._fetch()

    def _fetch(self) -> str:
        now = self._clock()
        if self._failure is not None and now < self._next_try:
            raise TokenError(f"{self._failure} (next try in {self._next_try - now:.0f} s)")
        try:
            answer = self._request()
            token = str(answer["access_token"])
        except TokenError as error:
            self._failed(error, now)
            raise
        except (KeyError, TypeError) as error:
            failure = TokenError(f"{self._where}: the answer has no access_token ({error})")
            self._failed(failure, now)
            raise failure from None
        lifetime = float(answer.get("expires_in") or DEFAULT_LIFETIME)
        self._token = token
        self._renew_at = now + max(lifetime - self._leeway, lifetime / 2)
        if answer.get("refresh_token"):
            # Microsoft and Google may rotate it; the newest one is kept (in memory only).
            self._refresh_token = str(answer["refresh_token"])
        self._failure, self._retry = None, self._first_retry
        log.info("%s: new access token from %s, valid %g s", self._what, self._where, lifetime)
        return token

    def _request(self) -> Mapping[str, Any]:
        settings = self.settings
        secret, method = _client_auth(settings)
        session = OAuth2Session(
            settings.client_id,
            secret,
            scope=" ".join(settings.scopes) or None,
            token_endpoint_auth_method=method,
        )
        try:
            if self._refresh_token:
                answer = session.refresh_token(
                    settings.token_url, refresh_token=self._refresh_token, timeout=self._timeout
                )
            else:
                answer = session.fetch_token(
                    settings.token_url, grant_type="client_credentials", timeout=self._timeout
                )
        except OAuthError as error:
            reason = " ".join(str(part) for part in (error.error, error.description) if part)
            raise TokenError(f"{self._where} refused: {reason}") from None
        except (requests.RequestException, ValueError) as error:
            raise TokenError(f"{self._where}: {error}") from None
        finally:
            session.close()
        return dict(answer)

    def _failed(self, error: TokenError, now: float) -> None:
        self._failure, self._next_try = error, now + self._retry
        log.warning("%s: no access token: %s; asking again in %g s", self._what, error, self._retry)
        self._retry = min(self._retry * 2, self._max_retry)

    @property
    def _where(self) -> str:
        return f"token endpoint {self.settings.token_url}"


def _client_auth(settings: OAuthSettings) -> tuple[str | None, str | PrivateKeyJWT]:
    """What the client proves itself with, and how: an assertion signed with its certificate's
    key, else its secret in the form (Microsoft's and Google's documented way; generic
    endpoints accept it too), else nothing (a public client)."""
    if settings.certificate is not None:
        headers = {"x5t": settings.certificate.thumbprint}
        assertion = PrivateKeyJWT(settings.token_url, headers=headers, alg="RS256")
        return settings.certificate.key_pem, assertion
    if settings.client_secret:
        return settings.client_secret, "client_secret_post"
    return None, "none"
