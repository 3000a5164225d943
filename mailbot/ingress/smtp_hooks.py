"""The listener's aiosmtpd hooks: which senders and recipients are taken, and DATA stored
before 250, or 451 when the store fails or takes longer than its bound."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailbot.ingress.memory import give_back_memory
from mailbot.ingress.smtp_data import Hold
from mailbot.ingress.smtp_server import LimitedSMTP

log = logging.getLogger("mailbot.ingress.smtp")

StoreMessage = Callable[[bytes], object]
"""Commits the raw bytes of one message durably (a database transaction); raises on failure."""

STORED = "250 2.0.0 OK: stored"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"
STORE_TIMED_OUT = "451 4.3.0 Storing the message took too long, try again later"
BAD_SENDER = "501 5.1.7 Bad sender address syntax"
BAD_RECIPIENT = "501 5.1.3 Bad recipient address syntax"
RECIPIENT_OK = "250 2.1.5 OK"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"


class Hooks:
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
