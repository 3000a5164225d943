"""aiosmtpd's SMTP and LMTP servers as mailbot's listener runs them.

What aiosmtpd leaves to its users: a limit on the connections one client address holds at
once, a limit on the errors one connection makes, DATA within a bound on the bytes of all
messages in flight (`smtp_data.py`), LMTP's reply per recipient after DATA, checking AUTH
logins, and loading the certificate for STARTTLS.
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
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session, syntax

from mailbot.config import ConfigError
from mailbot.ingress.smtp_data import (
    NO_ROOM,
    TOO_BIG,
    BytesInFlight,
    Ending,
    Hold,
    declared_size,
    read_data,
)

log = logging.getLogger("mailbot.ingress.smtp")

TOO_MANY_CONNECTIONS = b"421 4.7.0 Too many connections from your address, try again later\r\n"
TOO_MANY_ERRORS = "421 4.7.0 Too many errors, closing the connection"
# Temporary failures on mailbot's side (the store failed or took too long, no room for the
# message): not the client's errors.
OWN_FAILURES = ("451 4.3.",)


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
    """aiosmtpd's SMTP server, refusing a client's connections over its limit with 421, ending
    a connection after `max_errors` errors without a message stored (as Postfix's
    smtpd_hard_error_limit does), and reading DATA within the listener's `in_flight` bytes."""

    def __init__(
        self,
        handler: Any,
        *,
        slots: ConnectionSlots,
        in_flight: BytesInFlight,
        max_errors: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, **kwargs)
        self._slots = slots
        self._in_flight = in_flight
        self._max_errors = max_errors
        self._errors = 0
        self._hold: Hold | None = None
        self._client: str | None = None
        self._refused = False
        self._quit = False

    def take_hold(self) -> Hold | None:
        """The DATA hook takes the message's share of the bytes in flight, to give it back
        when its store ends (which may be after the hook answered)."""
        hold, self._hold = self._hold, None
        return hold

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

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 (aiosmtpd's command name)
        """aiosmtpd's DATA, reading through `read_data` (see smtp_data.py)."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        assert self.data_size_limit is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        hold = Hold(self._in_flight)
        # Room for the size the client announced, or for a first byte: when there is none,
        # 451 now rather than after the client has sent it all.
        if not hold.grow_to(max(1, declared_size(self.envelope.mail_options))):
            log.warning(
                "refused a message from %s before DATA: %d bytes of mail in progress, "
                "the limit is %d",
                self._client,
                self._in_flight.held,
                self._in_flight.limit,
            )
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            await self.push(NO_ROOM)
            return
        self._hold = hold
        try:
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            received = await read_data(self._reader, hold, self.data_size_limit)
            if received.ending is not Ending.STORE:
                if received.ending is Ending.NO_ROOM:
                    log.warning(
                        "refused a message from %s after DATA (%d bytes): no room among "
                        "the %d bytes of mail in progress",
                        self._client,
                        received.size,
                        self._in_flight.limit,
                    )
                self._set_post_data_state()  # type: ignore[no-untyped-call]
                await self.push(TOO_BIG if received.ending is Ending.TOO_BIG else NO_ROOM)
                return
            # One object for both: the store gets the bytes exactly as received.
            self.envelope.content = self.envelope.original_content = received.content
            del received
            status = await self._call_handler_hook("DATA")
        except asyncio.CancelledError:
            log.info("%r connection lost during DATA", self._client)
            self._writer.close()
            raise
        finally:
            # The envelope goes, and with it this connection's reference to the bytes; the
            # share is given back here unless the hook took it for a store still under way.
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            left, self._hold = self._hold, None
            if left is not None:
                left.release()
        if status is MISSING:
            status = "250 OK"
        if str(status).startswith("250"):
            self._errors = 0  # as Postfix: errors count until a message is delivered
        await self.push(status)

    async def push(self, status: AnyStr) -> None:
        """Send a reply; after `max_errors` client errors, 421 and close the connection."""
        await self._send(status)
        text = status if isinstance(status, str) else status.decode("ascii", "replace")
        if text[:1] not in ("4", "5") or text.startswith(("421", *OWN_FAILURES)):
            return
        self._errors += 1
        if self._errors >= self._max_errors and self.transport is not None:
            log.warning("closed the connection from %s after %d errors", self._client, self._errors)
            await SMTP.push(self, TOO_MANY_ERRORS)
            self.transport.close()

    async def _send(self, status: AnyStr) -> None:
        await super().push(status)


class LimitedLMTP(LimitedSMTP, LMTP):
    """LMTP (RFC 2033): after DATA, one reply for each accepted recipient.

    aiosmtpd's LMTP answers DATA once; the message is stored once for all its recipients, so
    the same reply is sent for each of them.
    """

    _owed = 0

    async def _send(self, status: AnyStr) -> None:
        owed, self._owed = self._owed, 0
        for _ in range(owed or 1):
            await super()._send(status)
        if isinstance(status, str) and status.startswith("354") and self.envelope is not None:
            # Whatever ends this DATA (stored, 451, 552) is owed to every recipient.
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
