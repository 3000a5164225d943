"""`mailbot run`: the SMTP listener, the IMAP poller, the processor, the sender, the
scheduler, the events publisher and the ERP's consumer, until SIGTERM or SIGINT.

Starting checks each part as it goes (the outbox folder, the certificate, the listening
address, the IMAP settings) and stops at the first that cannot start, with a `StartupError`
or `ConfigError` naming the address or key, after stopping what it had started. Each part
keeps a heartbeat in the database (see heartbeats.py) for `mailbot status`.

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
from mailbot.events.consumer import BEAT_SECONDS, Consumer
from mailbot.events.outbox import Outbox
from mailbot.events.publisher import Publisher
from mailbot.heartbeats import Heartbeats, Part
from mailbot.http.server import HttpServer
from mailbot.ingress.group_commit import GroupCommit
from mailbot.ingress.imap import ImapPoller
from mailbot.ingress.smtp import SmtpIngress
from mailbot.outbound.render import BrokenTemplateError
from mailbot.scheduling.ticker import Ticker
from mailbot.services.erp.inbound import Handled, apply_message, record_dead_letter
from mailbot.services.inbox.storing import Stored
from mailbot.startup import StartupError, check_imap, check_outbox_folder, listen_error

log = logging.getLogger("mailbot.run")

# The poller waits up to this long between connection attempts and for a server's answer.
IMAP_LONGEST_WAIT = 60.0


class Runner:
    def __init__(self, app: App) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._mail_stored = threading.Event()
        self._mail_queued = threading.Event()
        self.ingress: SmtpIngress | None = None
        self.poller: ImapPoller | None = None
        self.ticker: Ticker | None = None
        self.http: HttpServer | None = None
        self.publisher: Publisher | None = None
        self.consumer: Consumer | None = None
        self.heartbeats = Heartbeats(app.uow, app.clock)
        self._listener: Part | None = None
        self._threads: list[threading.Thread] = []
        self._started = False
        # SMTP connections storing at the same time share one commit (see group_commit.py).
        self._smtp_store = GroupCommit(lambda raws: app.store_many(raws, "smtp"))

    def start(self) -> None:
        """Start every configured part; returns once the listener accepts connections.

        Raises StartupError or ConfigError naming the address or key of the first part that
        cannot start, once the parts started before it are stopped again.
        """
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        config = self.app.config
        try:
            self.app.replies.renderer.prepare()
        except BrokenTemplateError as error:
            raise StartupError(
                f"cannot compile the template {error.name} (templates.folder): {error.reason}"
            ) from error
        if not config.smtp_outgoing.host:
            check_outbox_folder(config.smtp_outgoing.folder)
        check_imap(config)
        poll = config.processing.poll_seconds
        # Both are built before either starts: a certificate or CA file that cannot be read
        # stops mailbot before it accepts any mail.
        if config.smtp_ingress.enabled:
            self.ingress = self.app.smtp_ingress(self._store_from_smtp)
        if config.imap.enabled:
            imap = config.imap
            waits = max(imap.poll_seconds if not imap.idle else 0.0, IMAP_LONGEST_WAIT)
            where = f"{imap.username}@{imap.host}:{imap.port}/{imap.folder}"
            pulse = self.heartbeats.part("poller", interval=waits, detail=where)
            self.poller = self.app.imap_poller(self._store_from_imap, pulse)
        if self.ingress is not None:
            smtp = config.smtp_ingress
            try:
                self.ingress.start()
            except OSError as error:
                raise listen_error(error, smtp.host, smtp.port) from None
            self._listener = self.heartbeats.part(
                "listener",
                interval=1,
                detail=f"{smtp.mode.upper()} on {smtp.host}:{self.ingress.port}",
                probe=self.ingress.responsive,
            )
        if self.poller is not None:
            self.poller.start()
        if config.http.enabled:
            self.http = HttpServer(self.app)
            self.http.start()
        processor = self.heartbeats.part("processor", interval=poll)
        self._spawn("processor", lambda: self._process_loop(processor))
        outgoing = config.smtp_outgoing
        sender = self.heartbeats.part(
            "sender",
            interval=poll,
            detail=f"SMTP relay {outgoing.host}:{outgoing.port}"
            if outgoing.host
            else f"folder {outgoing.folder}/",
        )
        self._spawn("sender", lambda: self._send_loop(sender))
        if config.scheduler.enabled:
            seconds = config.scheduler.tick_seconds
            ticker = self.heartbeats.part(
                "scheduler", interval=seconds, detail=f"ticking every {seconds} s"
            )
            self.ticker = Ticker(self.app, ticker)
            self.ticker.start()
        if config.rabbitmq.enabled:
            # Never waits for the broker: events queue in the database while it is away.
            rabbit = config.rabbitmq
            pulse = self.heartbeats.part(
                "publisher", interval=rabbit.poll_seconds, detail=rabbit.where()
            )
            self.publisher = Publisher(Outbox(self.app.uow, self.app.clock), rabbit, pulse)
            self.publisher.start()
            if rabbit.queue:
                self.consumer = self._consumer()
                self.consumer.start()
        self.heartbeats.start()
        self._started = True

    def stop(self) -> None:
        """Stop every part started, waiting for the work in hand; a no-op before `start`."""
        self.stopping.set()
        self._mail_stored.set()
        self._mail_queued.set()
        if self.ingress is not None:
            self.ingress.stop()
        if self.poller is not None:
            self.poller.stop()
        if self.ticker is not None:
            self.ticker.stop()
        if self.http is not None:
            self.http.stop()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        if self.consumer is not None:
            self.consumer.stop()
        if self.publisher is not None:
            self.publisher.stop()
        self.heartbeats.stop()
        if self._started:
            log.info("stopped")

    def run_until_signal(self, started: Callable[[], None] = lambda: None) -> None:
        """Start, call `started`, then block until SIGTERM or SIGINT, then stop cleanly."""

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            self.stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        if not self.stopping.is_set():
            started()
        self.stopping.wait()
        self.stop()

    def _consumer(self) -> Consumer:
        app, rabbit = self.app, self.app.config.rabbitmq
        pulse = self.heartbeats.part(
            "consumer", interval=BEAT_SECONDS, detail=f"queue {rabbit.queue}"
        )

        def apply(body: bytes) -> Handled:
            return apply_message(app.uow, app.desk, body, app.clock.now())

        def dead_lettered(handled: Handled) -> None:
            record_dead_letter(app.uow, handled, app.clock.now())

        return Consumer(apply, dead_lettered, rabbit, pulse)

    def _store_from_smtp(self, raw: bytes) -> None:
        stored = self._smtp_store(raw)
        if stored.duplicate:
            # The processor's line said what became of it the first time.
            log.info("message %s received again over SMTP: the same bytes are kept once", stored.id)
        else:
            log.debug("message %s stored from SMTP", stored.id)
        if self._listener is not None:
            self._listener.worked()
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

    def _process_loop(self, part: Part) -> None:
        poll = self.app.config.processing.poll_seconds
        while not self.stopping.is_set():
            self._mail_stored.clear()
            try:
                handled = self.app.processor.run_once()
            except Exception:
                log.exception("processor pass failed; retrying")
                part.beat("the last pass failed")
                handled = 0
            else:
                if handled:
                    part.worked("")
                else:
                    part.beat("")
            if handled:
                self._mail_queued.set()
                if self.publisher is not None:
                    self.publisher.wake()
            else:
                self._mail_stored.wait(poll)

    def _send_loop(self, part: Part) -> None:
        poll = self.app.config.processing.poll_seconds
        while not self.stopping.is_set():
            self._mail_queued.clear()
            sent = 0
            try:
                sent = self.app.sender.run_once()
            except Exception:
                log.exception("sender pass failed; retrying")
            if sent:
                part.worked()
            else:
                part.beat()
            self._mail_queued.wait(poll)
