"""`mailbot run`: the SMTP listener, the IMAP poller, the processor, the sender and the
scheduler, until SIGTERM or SIGINT.

Stopping finishes the message in hand and closes the listener and the mailbox; whatever was
acknowledged (SMTP 250, or moved to the processed folder) is already committed, so nothing is
lost.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from mailbot.bootstrap import App
from mailbot.ingress.group_commit import GroupCommit
from mailbot.ingress.imap import ImapPoller
from mailbot.ingress.smtp import SmtpIngress
from mailbot.scheduling.ticker import Ticker
from mailbot.services.inbox.storing import Stored

log = logging.getLogger("mailbot.run")


class Runner:
    def __init__(self, app: App) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._mail_stored = threading.Event()
        self._mail_queued = threading.Event()
        self.ingress: SmtpIngress | None = None
        self.poller: ImapPoller | None = None
        self.ticker: Ticker | None = None
        self._threads: list[threading.Thread] = []
        # SMTP connections storing at the same time share one commit (see group_commit.py).
        self._smtp_store = GroupCommit(lambda raws: app.store_many(raws, "smtp"))

    def start(self) -> None:
        config = self.app.config
        # Both are built before either starts: a certificate or CA file that cannot be read
        # stops mailbot before it accepts any mail.
        if config.smtp_ingress.enabled:
            self.ingress = self.app.smtp_ingress(self._store_from_smtp)
        if config.imap.enabled:
            self.poller = self.app.imap_poller(self._store_from_imap)
        if self.ingress is not None:
            self.ingress.start()
        if self.poller is not None:
            self.poller.start()
        self._spawn("processor", self._process_loop)
        self._spawn("sender", self._send_loop)
        if config.scheduler.enabled:
            self.ticker = Ticker(self.app)
            self.ticker.start()

    def stop(self) -> None:
        self.stopping.set()
        self._mail_stored.set()
        self._mail_queued.set()
        if self.ingress is not None:
            self.ingress.stop()
        if self.poller is not None:
            self.poller.stop()
        if self.ticker is not None:
            self.ticker.stop()
        for thread in self._threads:
            thread.join()
        log.info("stopped")

    def run_until_signal(self) -> None:
        """Start, then block until SIGTERM or SIGINT, then stop cleanly."""

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            self.stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        self.stopping.wait()
        self.stop()

    def _store_from_smtp(self, raw: bytes) -> None:
        stored = self._smtp_store(raw)
        log.info(
            "message %s stored from SMTP%s", stored.id, " (duplicate)" if stored.duplicate else ""
        )
        self._mail_stored.set()

    def _store_from_imap(self, raw: bytes) -> Stored:
        # The poller logs each message itself; the processor is woken to handle it at once.
        stored = self.app.store(raw, "imap")
        self._mail_stored.set()
        return stored

    def _spawn(self, name: str, loop: Callable[[], None]) -> None:
        thread = threading.Thread(target=loop, name=f"mailbot-{name}", daemon=False)
        thread.start()
        self._threads.append(thread)

    def _process_loop(self) -> None:
        poll = self.app.config.processing.poll_seconds
        while not self.stopping.is_set():
            self._mail_stored.clear()
            try:
                handled = self.app.processor.run_once()
            except Exception:
                log.exception("processor pass failed; retrying")
                handled = 0
            if handled:
                self._mail_queued.set()
            else:
                self._mail_stored.wait(poll)

    def _send_loop(self) -> None:
        poll = self.app.config.processing.poll_seconds
        while not self.stopping.is_set():
            self._mail_queued.clear()
            try:
                self.app.sender.run_once()
            except Exception:
                log.exception("sender pass failed; retrying")
            self._mail_queued.wait(poll)
