"""aiosmtpd's SMTP and LMTP servers as mailbot's listener runs them.

What aiosmtpd leaves to its users: a limit on the connections one client address holds at
once, LMTP's reply per recipient after DATA, checking AUTH logins, and loading the certificate
for STARTTLS.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import ssl
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any, AnyStr

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, syntax

from mailbot.config import ConfigError

log = logging.getLogger("mailbot.ingress.smtp")

TOO_MANY_CONNECTIONS = b"421 4.7.0 Too many connections from your address, try again later\r\n"


class ConnectionSlots:
    """How many connections each client address holds, against a limit per address.

    Shared by every connection of one listener; they run on its event loop, while `start()`
    waits on another thread, hence the lock.
    """

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._held: Counter[str] = Counter()
        self._changed = threading.Condition()

    def take(self, address: str) -> bool:
        """Take a slot for a new connection from `address`; False when it holds all its slots."""
        with self._changed:
            if self._held[address] >= self.per_client:
                return False
            self._held[address] += 1
            return True

    def give_back(self, address: str) -> None:
        """Free the slot of a closed connection from `address`."""
        with self._changed:
            self._held[address] -= 1
            if self._held[address] <= 0:
                del self._held[address]
            self._changed.notify_all()

    def wait_until_free(self, timeout: float) -> bool:
        """Wait until no connection holds a slot; False if some still do after `timeout` s."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._held, timeout)


class LimitedSMTP(SMTP):
    """aiosmtpd's SMTP server, refusing a client's connections over its limit with 421."""

    def __init__(self, handler: Any, *, slots: ConnectionSlots, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._slots = slots
        self._client: str | None = None
        self._refused = False
        self._quit = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # aiosmtpd calls this a second time for the TLS layer STARTTLS adds; that one is no
        # new connection.
        if self.transport is None:
            peer = transport.get_extra_info("peername")
            address = str(peer[0]) if isinstance(peer, tuple) else str(peer)
            if not self._slots.take(address):
                log.warning(
                    "refused a connection from %s: it already has %d open",
                    address,
                    self._slots.per_client,
                )
                self._refused = True
                if isinstance(transport, asyncio.WriteTransport):
                    transport.write(TOO_MANY_CONNECTIONS)
                transport.close()
                return
            self._client = address
            log.debug("connection from %s", address)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._refused:
            return  # aiosmtpd never saw this connection
        # aiosmtpd may call this twice (a failed TLS handshake), so the slot is freed once.
        client, self._client = self._client, None
        if client is not None:
            self._slots.give_back(client)
            # aiosmtpd's own line calls every close "connection lost"; this one says which.
            if self._quit:
                log.debug("connection from %s closed after QUIT", client)
            else:
                log.debug("connection from %s lost%s", client, f": {error}" if error else "")
        super().connection_lost(error)

    @syntax("QUIT")
    async def smtp_QUIT(self, arg: str) -> None:  # noqa: N802 (aiosmtpd's command name)
        self._quit = True
        await super().smtp_QUIT(arg)


class LimitedLMTP(LimitedSMTP, LMTP):
    """LMTP (RFC 2033): after DATA, one reply for each accepted recipient.

    aiosmtpd's LMTP answers DATA once; the message is stored once for all its recipients, so
    the same reply is sent for each of them.
    """

    _owed = 0

    async def push(self, status: AnyStr) -> None:
        owed, self._owed = self._owed, 0
        for _ in range(owed or 1):
            await super().push(status)
        if isinstance(status, str) and status.startswith("354") and self.envelope is not None:
            # Whatever ends this DATA (stored, 451, 552, 500) is owed to every recipient.
            self._owed = len(self.envelope.rcpt_tos)


class Logins:
    """Checks AUTH PLAIN and LOGIN against configured user names and passwords."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = {name: password.encode() for name, password in users.items()}

    def __call__(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: object,
    ) -> AuthResult:
        """aiosmtpd's authenticator: success only for a known user with its password."""
        login = ""
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode(errors="replace")
            expected = self._users.get(login)
            # Compared even for an unknown user, so that timing does not tell users apart.
            matches = hmac.compare_digest(expected or b"\0", auth_data.password)
            if expected is not None and matches:
                log.info("AUTH %s as %r from %s", mechanism, login, _address(session))
                return AuthResult(success=True)
        log.warning("failed AUTH %s as %r from %s", mechanism, login, _address(session))
        return AuthResult(success=False, handled=False)


def server_tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context with the configured certificate; ConfigError naming the key if unusable."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    for key, path in (("tls_cert_file", cert_file), ("tls_key_file", key_file)):
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            raise ConfigError(f"smtp_ingress.{key}: cannot read {path}: {error.strerror}") from None
    try:
        context.load_cert_chain(cert_file, key_file)
    except ssl.SSLError as error:
        raise ConfigError(
            f"smtp_ingress.tls_cert_file, tls_key_file: not a usable certificate and key "
            f"({cert_file}, {key_file}): {error.reason or error}"
        ) from None
    return context


def _address(session: Session) -> str:
    peer: object = session.peer
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)
