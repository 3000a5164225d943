"""mailbot's SMTP or LMTP listener: store each message's raw bytes durably, then answer 250.

The listener never parses or processes mail. aiosmtpd speaks the protocol (EHLO with SIZE and
8BITMIME, STARTTLS, AUTH, the 552 size refusals at MAIL); `smtp_hooks.py` decides which
senders and recipients are acceptable, and answers DATA once the store has committed, or with
a temporary failure (the store failed or took longer than its bound) so that the sending
server keeps the message and tries again. `smtp_server.py` holds the limits on connections per
client and errors per connection, and LMTP's replies; `smtp_data.py` reads DATA within the
bound on the bytes of all messages in flight. This module starts and stops it all.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from mailbot.ingress.memory import return_large_blocks
from mailbot.ingress.smtp_data import BytesInFlight
from mailbot.ingress.smtp_hooks import Hooks, StoreMessage
from mailbot.ingress.smtp_server import ConnectionSlots, LimitedLMTP, LimitedSMTP, Logins

__all__ = ["SmtpIngress", "StoreMessage"]

log = logging.getLogger(__name__)


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
        handler = Hooks(
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


class _Controller(Controller):
    """aiosmtpd's threaded controller, made to accept port 0 and to report bind errors at once,
    serving `server_class` (SMTP or LMTP with the per-client connection limit)."""

    def __init__(
        self,
        handler: Hooks,
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
