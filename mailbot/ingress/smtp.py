"""mailbot's SMTP or LMTP listener: store each message's raw bytes durably, then answer 250.

The listener never parses or processes mail. aiosmtpd speaks the protocol (EHLO with SIZE and
8BITMIME, STARTTLS, AUTH, the 552 size refusals at MAIL); this module decides which senders and
recipients are acceptable, and answers DATA once the store has committed, or with a temporary
failure (the store failed or took longer than its bound) so that the sending server keeps the
message and tries again. `smtp_server.py` holds the limits on connections per client and errors
per connection, and LMTP's replies; `smtp_data.py` reads DATA within the bound on the bytes of
all messages in flight.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mailbot.ingress.memory import give_back_memory, return_large_blocks
from mailbot.ingress.smtp_data import BytesInFlight, Hold
from mailbot.ingress.smtp_server import ConnectionSlots, LimitedLMTP, LimitedSMTP, Logins

log = logging.getLogger(__name__)

StoreMessage = Callable[[bytes], object]
"""Commits the raw bytes of one message durably (a database transaction); raises on failure."""

STORED = "250 2.0.0 OK: stored"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"
STORE_TIMED_OUT = "451 4.3.0 Storing the message took too long, try again later"
BAD_SENDER = "501 5.1.7 Bad sender address syntax"
BAD_RECIPIENT = "501 5.1.3 Bad recipient address syntax"
RECIPIENT_OK = "250 2.1.5 OK"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
# How long start() waits for aiosmtpd's own probe connection to close (see start()).
PROBE_WAIT = 5.0


class SmtpIngress:
    """An SMTP listener on `host:port` that stores mail for `recipients` and refuses the rest."""

    def __init__(
        self,
        store: StoreMessage,
        *,
        host: str,
        port: int,
        recipients: Collection[str],
        max_message_bytes: int,
        hostname: str | None = None,
        mode: Literal["smtp", "lmtp"] = "smtp",
        max_recipients: int = 100,
        max_connections_per_client: int = 20,
        max_bytes_in_flight: int | None = None,
        store_timeout: float = 30.0,
        max_errors: int = 20,
        tls_context: ssl.SSLContext | None = None,
        require_tls: bool = False,
        auth_users: Mapping[str, str] | None = None,
        auth_required: bool = False,
        auth_allow_plaintext: bool = False,
    ) -> None:
        """Configure the listener; nothing listens until `start()`.

        `hostname` is the name the listener gives in its greeting (default: this machine's FQDN).
        `port` 0 lets the system choose a free port, which `port` reports once started; use it
        with a host that names one address, such as 127.0.0.1.
        `max_bytes_in_flight` bounds the bytes of all messages being received or stored at
        once (default: ten messages of the largest size); a message past it gets 451.
        A store that has not returned within `store_timeout` seconds gets the client a 451
        (the store goes on; the client's retry is kept once). After `max_errors` errors
        without a message stored, a connection gets 421 and is closed.
        `tls_context` (a server context with a certificate) offers STARTTLS; `require_tls`
        then refuses mail before it. `auth_users` (name to password) offers AUTH PLAIN and
        LOGIN, over TLS only unless `auth_allow_plaintext`; `auth_required` refuses mail
        before it with 530.
        """
        if not recipients:
            raise ValueError("an SMTP listener needs at least one recipient address")
        # aiosmtpd treats a size limit of 0 as "no limit", so never pass it one.
        if max_message_bytes <= 0:
            raise ValueError(f"max_message_bytes must be positive, not {max_message_bytes}")
        if max_recipients <= 0 or max_connections_per_client <= 0 or max_errors <= 0:
            raise ValueError(
                "max_recipients, max_connections_per_client and max_errors must be positive"
            )
        if max_bytes_in_flight is None:
            max_bytes_in_flight = 10 * max_message_bytes
        if max_bytes_in_flight < max_message_bytes:
            raise ValueError(
                f"max_bytes_in_flight ({max_bytes_in_flight}) must hold a message of "
                f"max_message_bytes ({max_message_bytes})"
            )
        if store_timeout <= 0:
            raise ValueError(f"store_timeout must be positive, not {store_timeout}")
        if require_tls and tls_context is None:
            raise ValueError("require_tls needs a TLS context")
        if auth_required and not auth_users:
            raise ValueError("auth_required needs auth_users")
        self._store = store
        self._host = host
        self._port = port
        self._recipients = frozenset(address.casefold() for address in recipients)
        self._max_message_bytes = max_message_bytes
        self._hostname = hostname
        self._server_class = LimitedLMTP if mode == "lmtp" else LimitedSMTP
        self._mode = mode
        self._max_recipients = max_recipients
        self._max_connections_per_client = max_connections_per_client
        self._in_flight = BytesInFlight(max_bytes_in_flight)
        self._store_timeout = store_timeout
        self._max_errors = max_errors
        self._tls_context = tls_context
        self._require_tls = require_tls
        self._auth_users = dict(auth_users or {})
        self._auth_required = auth_required
        self._auth_allow_plaintext = auth_allow_plaintext
        self._controller: _Controller | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def port(self) -> int:
        """The port listened on while running (the chosen one for 0), else the configured one."""
        if self._controller is not None:
            return self._controller.port
        return self._port

    @property
    def bytes_in_flight(self) -> int:
        """The bytes of the messages being received or stored now."""
        return self._in_flight.held

    @property
    def running(self) -> bool:
        """Whether the listener is accepting connections."""
        return self._controller is not None

    def start(self) -> None:
        """Listen, serving connections in a thread of its own; returns once the port is open."""
        if self._controller is not None:
            raise RuntimeError("the SMTP listener is already running")
        # Each message's bytes are one block; once stored, its memory goes back to the system.
        return_large_blocks()
        # Stores run in a pool of their own, so that stop() can wait for the ones under way.
        executor = ThreadPoolExecutor(thread_name_prefix="mailbot-smtp-store")
        handler = _Handler(
            self._store,
            self._recipients,
            executor,
            max_recipients=self._max_recipients,
            offers_auth=bool(self._auth_users),
            store_timeout=self._store_timeout,
        )
        slots = ConnectionSlots(self._max_connections_per_client)
        controller = _Controller(
            handler,
            server_class=self._server_class,
            slots=slots,
            in_flight=self._in_flight,
            max_errors=self._max_errors,
            hostname=self._host,
            port=self._port,
            # aiosmtpd would otherwise call the blocking socket.getfqdn() for every connection,
            # on the event loop; look the name up once here instead.
            server_hostname=self._hostname or socket.getfqdn(),
            data_size_limit=self._max_message_bytes,
            # The store gets the bytes exactly as received; nothing is decoded (and aiosmtpd
            # keeps no decoded copy beside them).
            decode_data=False,
            enable_SMTPUTF8=True,
            tls_context=self._tls_context,
            require_starttls=self._require_tls,
            auth_required=self._auth_required,
            auth_require_tls=not self._auth_allow_plaintext,
            authenticator=Logins(self._auth_users) if self._auth_users else None,
            # Without users no mechanism is offered, so aiosmtpd must not announce its own.
            auth_exclude_mechanism=None if self._auth_users else ["LOGIN", "PLAIN"],
        )
        try:
            controller.start()
        except BaseException:
            _abandon(controller)
            executor.shutdown(wait=False)
            raise
        # aiosmtpd's start() connects once to its own port; once that probe has closed, no
        # client shares a slot with it.
        if not slots.wait_until_free(PROBE_WAIT):
            log.warning("the listener's start-up probe connection is still open")
        self._controller = controller
        self._executor = executor
        offers = [
            name for name, on in (("STARTTLS", self._tls_context), ("AUTH", self._auth_users)) if on
        ]
        log.info(
            "%s listener on %s:%d%s",
            self._mode.upper(),
            self._host,
            controller.port,
            f" with {' and '.join(offers)}" if offers else "",
        )

    def responsive(self, timeout: float = 2.0) -> bool:
        """Whether the listener's event loop still runs what it is given within `timeout` s."""
        controller = self._controller
        if controller is None or controller.loop.is_closed():
            return False
        try:
            done = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), controller.loop)
            done.result(timeout)
        except Exception:
            return False
        return True

    def stop(self) -> None:
        """Close the port and all connections, then wait for stores under way; a no-op if stopped.

        A client cut off while its message was being stored gets no answer and will send it again;
        the inbox stores the same message only once.
        """
        controller, executor = self._controller, self._executor
        if controller is None or executor is None:
            return
        self._controller = self._executor = None
        controller.stop()
        executor.shutdown(wait=True)
        log.info("SMTP listener on %s:%d stopped", self._host, controller.port)


class _Handler:
    """The aiosmtpd hooks: aiosmtpd calls every `handle_*` method it finds, so keep no others."""

    def __init__(
        self,
        store: StoreMessage,
        recipients: frozenset[str],
        executor: ThreadPoolExecutor,
        *,
        max_recipients: int,
        offers_auth: bool,
        store_timeout: float,
    ) -> None:
        self._store = store
        self._recipients = recipients
        self._executor = executor
        self._max_recipients = max_recipients
        self._offers_auth = offers_auth
        self._store_timeout = store_timeout

    async def handle_EHLO(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """aiosmtpd's EHLO (and LHLO) lines, without AUTH when no user could log in."""
        session.host_name = hostname  # the hook's job once it exists
        if self._offers_auth:
            return responses
        return [line for line in responses if not line[4:].startswith("AUTH")]

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """aiosmtpd's MAIL, refusing a sender address with a control character (a NUL)."""
        if _controls(address):
            log.info("refused MAIL FROM %r from %s: a control character", address, _peer(session))
            return BAD_SENDER
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept the configured recipient addresses, compared case-insensitively."""
        if _controls(address):
            log.info("refused RCPT TO %r from %s: a control character", address, _peer(session))
            return BAD_RECIPIENT
        if address.casefold() not in self._recipients:
            log.info(
                "refused recipient <%s> from %s (MAIL FROM %s): not a configured recipient",
                address,
                _peer(session),
                _path(envelope.mail_from),
            )
            return f"550 5.1.1 <{address}>: recipient not accepted here"
        if len(envelope.rcpt_tos) >= self._max_recipients:
            log.info(
                "refused recipient <%s> from %s: over %d recipients",
                address,
                _peer(session),
                self._max_recipients,
            )
            return TOO_MANY_RECIPIENTS
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return RECIPIENT_OK

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Store the message as received and answer 250 only once the store has returned; 451
        if it failed or has not returned within the store timeout."""
        # original_content is the DATA as it came over the wire, less dot-stuffing: CRLF line
        # ends and 8-bit bytes untouched.
        handed = [envelope.original_content or b""]
        size = len(handed[0])
        # From here the store's worker holds the only reference to the bytes, so that they
        # are freed as soon as it has stored them.
        envelope.content = envelope.original_content = None
        hold = server.take_hold() if isinstance(server, LimitedSMTP) else None
        # A worker thread, so that a slow commit does not stall the other connections.
        store = self._executor.submit(self._store_handed, handed, hold)
        if hold is not None:
            store.add_done_callback(lambda _: hold.release())  # cancelled before it started
        waiting = asyncio.wrap_future(store)
        # Its end is read here, or by _late() once the client was answered.
        waiting.add_done_callback(lambda done: done.cancelled() or done.exception())
        # asyncio.wait, not wait_for: stopping the listener cancels this at once, which cuts
        # the client off (wait_for would need more turns of a loop that is stopping).
        finished, _ = await asyncio.wait({waiting}, timeout=self._store_timeout)
        if not finished:
            # A store not started yet never starts; one under way goes on, holding its bytes
            # in flight until it ends. Either way the sender keeps the message and retries,
            # and the inbox keeps the same bytes once.
            if store.cancel():
                handed.clear()
            else:
                store.add_done_callback(lambda done: _late(done, _peer(session), size))
            log.error(
                "refused message from %s (%d bytes, MAIL FROM %s, RCPT TO %s): storing took "
                "over %g s",
                _peer(session),
                size,
                _path(envelope.mail_from),
                ", ".join(map(_path, envelope.rcpt_tos)),
                self._store_timeout,
            )
            return STORE_TIMED_OUT
        try:
            waiting.result()
        except Exception:
            # 451, not 5xx: the sender keeps the message and retries, so nothing is lost.
            log.exception(
                "refused message from %s (%d bytes, MAIL FROM %s, RCPT TO %s): store failed",
                _peer(session),
                size,
                _path(envelope.mail_from),
                ", ".join(map(_path, envelope.rcpt_tos)),
            )
            return TEMPORARY_FAILURE
        # What becomes of it is the processor's line; this one is for tracing a delivery.
        log.debug(
            "stored message from %s (%d bytes, MAIL FROM %s, RCPT TO %s)",
            _peer(session),
            size,
            _path(envelope.mail_from),
            ", ".join(map(_path, envelope.rcpt_tos)),
        )
        return STORED

    def _store_handed(self, handed: list[bytes], hold: Hold | None) -> None:
        """Store the bytes in `handed` (taking them out), then let them go and give back their
        share of the bytes in flight and, for a large message, the memory."""
        raw = handed.pop()
        size = len(raw)
        try:
            self._store(raw)
        finally:
            del raw
            if hold is not None:
                hold.release()
            give_back_memory(size)


def _late(store: Future[None], peer: str, size: int) -> None:
    """Say how a store that outlasted the timeout ended (its client was answered 451)."""
    error = store.exception()
    if error is None:
        log.warning(
            "a store from %s (%d bytes) that took too long has ended: stored; the client's "
            "retry will be kept once",
            peer,
            size,
        )
    else:
        log.warning(
            "a store from %s (%d bytes) that took too long has failed: %s", peer, size, error
        )


class _Controller(Controller):
    """aiosmtpd's threaded controller, made to accept port 0 and to report bind errors at once,
    serving `server_class` (SMTP or LMTP with the per-client connection limit)."""

    def __init__(
        self,
        handler: _Handler,
        *,
        server_class: type[LimitedSMTP],
        slots: ConnectionSlots,
        in_flight: BytesInFlight,
        max_errors: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, **kwargs)
        self._server_class = server_class
        self._slots = slots
        self._in_flight = in_flight
        self._max_errors = max_errors

    def factory(self) -> SMTP:
        return self._server_class(
            self.handler,
            slots=self._slots,
            in_flight=self._in_flight,
            max_errors=self._max_errors,
            **self.SMTP_kwargs,
        )

    def _run(self, ready_event: threading.Event) -> None:
        try:
            super()._run(ready_event)
        finally:
            # When binding fails, _run() returns at once, yet start() would wait out its whole
            # ready_timeout before looking at the error; wake it to raise the error now.
            ready_event.set()

    def _trigger_server(self) -> None:
        if self._thread_exception is not None:
            raise self._thread_exception
        # start() connects once to its own port to make aiosmtpd build its SMTP instance; with
        # port 0 that must be the port actually bound, not 0.
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]  # unannotated in aiosmtpd


def _abandon(controller: _Controller) -> None:
    """Tidy up after a failed `Controller.start()`: its thread, then its event loop."""
    controller.stop(no_assert=True)
    # When binding fails the thread ends without closing its loop.
    if not controller.loop.is_closed():
        controller.loop.close()


def _peer(session: Session) -> str:
    """The client's address as host:port for the log."""
    peer: object = session.peer
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def _controls(address: str) -> bool:
    """Whether an envelope address holds a control character (NUL, CR, ...). aiosmtpd refuses
    parameters it does not know, and checks the values of those it knows."""
    return any(ord(char) < 32 or ord(char) == 127 for char in address)


def _path(address: str | None) -> str:
    """An envelope address in angle brackets for the log; aiosmtpd keeps the null sender as "<>"."""
    if not address or address == "<>":
        return "<>"
    return f"<{address}>"
