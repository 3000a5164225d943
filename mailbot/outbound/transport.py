"""Delivering composed mail: to an SMTP relay, or into a folder when no relay is configured."""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from email.parser import BytesHeaderParser
from email.policy import SMTP
from pathlib import Path
from typing import Any, Literal, Protocol

from mailbot.errors import MailbotError
from mailbot.oauth import AccessTokens, TokenError

Security = Literal["none", "starttls", "tls"]


class DeliveryError(MailbotError):
    """A mail was not delivered. `permanent` means sending it again cannot succeed."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        refused: Mapping[str, tuple[int, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.refused = dict(refused or {})


# Told the moment a mail is taken, before the transport does anything else.
Accepted = Callable[[], None]


class Transport(Protocol):
    # True when delivering the same mail twice leaves one copy (a file named by its
    # Message-ID): the sender may then record a batch of deliveries in one commit.
    repeatable: bool

    def deliver(
        self, sender: str, recipients: Sequence[str], raw: bytes, accepted: Accepted | None = None
    ) -> None:
        """Hand `raw` over for delivery to `recipients`, or raise `DeliveryError`.

        `accepted` is called as soon as the mail is taken (the relay's 250 to DATA, the file
        in place), before anything else (such as closing the connection), so the caller can
        record it at once; an exception from it propagates."""


class SmtpTransport:
    """Delivers through an SMTP relay, one connection per mail.

    A connection per mail keeps the sender simple and stateless: outgoing volume is replies
    to incoming mail, far below the point where reusing a connection would matter.

    Errors are `permanent` when the relay refuses this mail (5xx to MAIL, RCPT or DATA). A
    relay that cannot be reached, answers 4xx, or refuses our login or TLS is a temporary
    error: those are about the relay or its configuration, and the mail will go once fixed.

    `timeout` bounds the whole transaction up to the relay's answer to the mail (connecting,
    TLS, login, MAIL, RCPT, DATA): each read and write waits only for what is left of it. The
    sender's lease is longer, so no second sender takes a mail this one may still hand over.

    With `tokens` it logs in with OAuth2 (XOAUTH2, or OAUTHBEARER when the relay offers only
    that) as `username`; a token that cannot be had is a temporary error like a refused login.
    """

    repeatable = False

    def __init__(
        self,
        host: str,
        port: int,
        security: Security,
        username: str,
        password: str,
        timeout: float = 30,
        *,
        ssl_context: ssl.SSLContext | None = None,
        tokens: AccessTokens | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        # The system's trusted CAs unless a deployment (or a test) brings its own.
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.tokens = tokens

    def deliver(
        self, sender: str, recipients: Sequence[str], raw: bytes, accepted: Accepted | None = None
    ) -> None:
        """Send `raw` from `sender` to `recipients` in one SMTP transaction; `accepted` runs
        right after the relay's 250 to the mail, before QUIT."""
        if not recipients:
            raise DeliveryError("no recipients", permanent=True)
        deadline = time.monotonic() + self.timeout
        try:
            smtp = self._connect(deadline)
            try:
                self._deliver(smtp, sender, recipients, raw)
            except BaseException:
                smtp.close()
                raise
        except DeliveryError:
            raise
        except TokenError as exc:
            raise DeliveryError(f"relay {self.host}: {exc}", permanent=False) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refused = {str(k): (int(c), _text(m)) for k, (c, m) in exc.recipients.items()}
            permanent = all(code >= 500 for code, _ in refused.values())
            raise DeliveryError(
                f"relay {self.host} refused {_answers(refused)}",
                permanent=permanent,
                refused=refused,
            ) from exc
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
            raise DeliveryError(f"relay {self.host}: {exc}", permanent=False) from exc
        except smtplib.SMTPResponseException as exc:
            # Greeting and HELO errors (SMTPConnectError, SMTPHeloError) are about the relay.
            permanent = exc.smtp_code >= 500 and not isinstance(
                exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError
            )
            raise DeliveryError(
                f"relay {self.host} answered {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=permanent,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused connections, TLS failures, dropped connections, time up.
            if time.monotonic() >= deadline:
                raise DeliveryError(
                    f"relay {self.host}:{self.port}: the SMTP transaction did not end within "
                    f"{self.timeout:g} s",
                    permanent=False,
                ) from exc
            raise DeliveryError(f"relay {self.host}:{self.port}: {exc!r}", permanent=False) from exc
        try:
            if accepted is not None:
                accepted()
        finally:
            _close(smtp)

    def check(self) -> None:
        """Connect, secure and log in as for a mail, then quit, sending nothing (for `mailbot
        mailbox check`); raises DeliveryError saying what failed."""
        deadline = time.monotonic() + self.timeout
        try:
            smtp = self._connect(deadline)
            try:
                self._log_in(smtp)
                smtp.ehlo_or_helo_if_needed()
            finally:
                _close(smtp)
        except smtplib.SMTPResponseException as exc:
            answer = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            where = f"relay {self.host}:{self.port}"
            raise DeliveryError(f"{where} answered {answer}", permanent=False) from exc
        except (smtplib.SMTPException, OSError, TokenError) as exc:
            raise DeliveryError(f"relay {self.host}:{self.port}: {exc}", permanent=False) from exc

    def _connect(self, deadline: float) -> smtplib.SMTP:
        """A connection to the relay, greeted, whose every wait ends by `deadline`."""
        if self.security == "tls":
            return _BoundedSMTPS(
                deadline, self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        return _BoundedSMTP(deadline, self.host, self.port, timeout=self.timeout)

    def _deliver(
        self, smtp: smtplib.SMTP, sender: str, recipients: Sequence[str], raw: bytes
    ) -> None:
        self._log_in(smtp)
        options: list[str] = []
        if not all(address.isascii() for address in (sender, *recipients)):
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("smtputf8"):
                raise DeliveryError(
                    "a non-ASCII address needs SMTPUTF8, which the relay lacks", permanent=True
                )
            options.append("SMTPUTF8")
        refused = smtp.sendmail(sender, list(recipients), raw, mail_options=options)
        if refused:
            # The relay took the mail for the others: sending again would duplicate it for
            # them, so this is final whatever the codes say.
            details = {k: (int(c), _text(m)) for k, (c, m) in refused.items()}
            raise DeliveryError(
                f"relay {self.host} refused some recipients: {_answers(details)}",
                permanent=True,
                refused=details,
            )

    def _log_in(self, smtp: smtplib.SMTP) -> None:
        """STARTTLS if configured, then the login: a token, a password, or none."""
        if self.security == "starttls":
            smtp.starttls(context=self.ssl_context)
        if self.tokens is not None:
            self._token_login(smtp, self.tokens)
        elif self.username:
            smtp.login(self.username, self.password)

    def _token_login(self, smtp: smtplib.SMTP, tokens: AccessTokens) -> None:
        """Log in with a token; a refused one is renewed once and tried again (it may have
        been revoked, or expired earlier than it said)."""
        token = tokens.get()
        try:
            _authenticate(smtp, self.username, token)
        except smtplib.SMTPAuthenticationError:
            _authenticate(smtp, self.username, tokens.renew(token))


def _authenticate(smtp: smtplib.SMTP, username: str, token: str) -> None:
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "OAUTHBEARER" in offered and "XOAUTH2" not in offered:
        identity = username.replace("=", "=3D").replace(",", "=2C")  # RFC 5801
        mechanism, first = "OAUTHBEARER", f"n,a={identity},\x01auth=Bearer {token}\x01\x01"
    else:
        mechanism, first = "XOAUTH2", f"user={username}\x01auth=Bearer {token}\x01\x01"

    def answer(challenge: bytes | None = None) -> str:
        # A challenge after the first answer is the server's error (JSON, RFC 7628): an empty
        # answer ends the exchange, and the server then says 535.
        return first if challenge is None else ""

    smtp.auth(mechanism, answer)


class FolderTransport:
    """Writes each mail to `<folder>/<message-id>.eml`, for deployments without a relay.

    The file is named after the Message-ID, so delivering the same mail again replaces the
    file instead of adding a second one. The envelope is not recorded: the headers say
    who the mail is from and to.
    """

    repeatable = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(
        self, sender: str, recipients: Sequence[str], raw: bytes, accepted: Accepted | None = None
    ) -> None:
        """Write `raw` atomically: readers of the folder never see a partial file."""
        target = self.folder / file_name(raw)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, raw)
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc}", permanent=False) from exc
        if accepted is not None:
            accepted()


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def file_name(raw: bytes) -> str:
    """The .eml file name for a mail: its Message-ID made safe for any file system."""
    headers = BytesHeaderParser(policy=SMTP).parsebytes(raw)
    msg_id = str(headers.get("Message-ID", "")).strip().removeprefix("<").removesuffix(">")
    if not msg_id:
        # Same bytes, same name: a retry still lands on the same file.
        return hashlib.sha256(raw).hexdigest() + ".eml"
    safe = _UNSAFE.sub("_", msg_id).lstrip(".")[:120]
    if safe != msg_id:
        # Two ids that differ only in replaced characters must not share a file.
        safe += "-" + hashlib.sha256(msg_id.encode()).hexdigest()[:12]
    return safe + ".eml"


def _write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # The rename itself is durable only once the directory is synced.
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _left(deadline: float) -> float:
    """The seconds left until `deadline`; TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the SMTP transaction took too long")
    return left


class _BoundedSMTP(smtplib.SMTP):
    """smtplib's client whose connecting, reads and writes each wait only for what is left
    until `deadline` (time.monotonic()), so the whole transaction ends by then."""

    def __init__(self, deadline: float, *args: Any, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)  # connects when given a host

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        connection: socket.socket = super()._get_socket(  # type: ignore[misc]
            host, port, min(timeout, _left(self.deadline))
        )
        return connection

    def send(self, s: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(_left(self.deadline))
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is not None:
            self.sock.settimeout(_left(self.deadline))
        return super().getreply()


class _BoundedSMTPS(_BoundedSMTP, smtplib.SMTP_SSL):
    """The same over implicit TLS (the handshake too waits only for what is left)."""


def _close(smtp: smtplib.SMTP) -> None:
    # Once DATA is accepted the mail is sent: a failing QUIT must not make it look undelivered
    # (the context manager of smtplib raises for a QUIT answer other than 221).
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _answers(refused: Mapping[str, tuple[int, str]]) -> str:
    """Refused recipients with the relay's answers: "a@x.example: 550 5.1.1 no such user"."""
    return "; ".join(f"{address}: {code} {text}" for address, (code, text) in refused.items())


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message
