"""mailbot's IMAP poller: store each message of a mailbox folder durably, then move it away.

Like the SMTP listener it never parses mail. For each new message, in UID order, it stores the
raw bytes through `store` (a committed transaction) and only then moves the message to the
processed folder. A message that can never be stored goes to the failed folder instead, with
a log line saying why; what counts as that:

- it is bigger than `max_message_bytes` (the limit the SMTP listener announces), so it is not
  even downloaded;
- `store` raises UnstorableMessageError for it (the database refuses its data).

Any other failure of `store` is taken as the database's, not the message's: the message stays
where it is and the poller tries again after a pause. Nothing is ever deleted that was not
stored first.

The position in the folder (UIDVALIDITY and the last UID handled) is saved after each batch,
so a restart neither reads mail again nor skips any. A message at or below the saved UID that
is still in the folder was stored but not yet moved when mailbot stopped; it is moved on the
next connection. A changed UIDVALIDITY means the UIDs were renumbered: the poller reads the
folder from the start, and the inbox, which keeps one copy of the same bytes, stores nothing
twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from imapclient.exceptions import IMAPClientError

from mailbot.config import ImapConfig
from mailbot.errors import MailbotError
from mailbot.heartbeats import Pulse, Unwatched
from mailbot.ingress.imap_connection import (
    ConnectionLostError,
    ImapConnection,
    client_tls_context,
)
from mailbot.ingress.imap_folders import FolderKey, FolderPosition
from mailbot.oauth import AccessTokens, TokenError, access_tokens
from mailbot.services.inbox.storing import Stored, UnstorableMessageError

log = logging.getLogger("mailbot.ingress.imap")

StoreMessage = Callable[[bytes], Stored]
"""Commits the raw bytes of one message to the inbox; raises on failure."""

# A batch is fetched in one command: few enough messages and bytes to hold in memory at once.
BATCH_MESSAGES = 50
BATCH_BYTES = 16 * 2**20
# RFC822.SIZE is asked for this many UIDs per command, to keep command lines short.
SIZE_CHUNK = 500
# The IDLE after a pass that found mail lasts this long (see `_session`).
IDLE_SETTLE_SECONDS = 1.0


class StoreFailedError(MailbotError):
    """Storing a message failed for a reason that is not the message's own."""


class Positions(Protocol):
    """Where the poller is in each folder (the database's FolderPositions in production)."""

    def load(self, key: FolderKey) -> FolderPosition | None: ...

    def save(self, key: FolderKey, position: FolderPosition) -> None: ...


class ImapPoller:
    """Reads `config.folder` of one IMAP account into the inbox, in a thread of its own."""

    def __init__(
        self,
        store: StoreMessage,
        positions: Positions,
        config: ImapConfig,
        *,
        max_message_bytes: int,
        first_retry_seconds: float = 1.0,
        max_retry_seconds: float = 60.0,
        pulse: Pulse | None = None,
        tokens: AccessTokens | None = None,
    ) -> None:
        """Configure the poller; nothing connects until `start()`.

        TLS checks the server's certificate and name against `config.ca_file`, else the
        system's trusted certificates; an unreadable `ca_file` raises ConfigError here.
        After a failure the poller waits `first_retry_seconds`, doubling up to
        `max_retry_seconds` while failures go on. `pulse` hears when the poller's loop comes
        round and when it looked at the folder (`mailbot status` shows it). With
        `imap.auth = "oauth2"` it logs in with tokens from `tokens` (by default a cache of its
        own): a token that cannot be had is a failure to connect like any other.
        """
        self._store = store
        self._positions = positions
        self._config = config
        self._max_bytes = max_message_bytes
        self._ssl_context = client_tls_context(config) if config.security != "none" else None
        self._first_retry = first_retry_seconds
        self._max_retry = max_retry_seconds
        self._retry = first_retry_seconds
        self._key = FolderKey(config.host, config.username, config.folder)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pulse = pulse or Unwatched()
        self._tokens = tokens or access_tokens(config, f"IMAP {config.username}@{config.host}")

    def start(self) -> None:
        """Start polling in a thread of its own; returns at once."""
        if self._thread is not None:
            raise RuntimeError("the IMAP poller is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mailbot-imap", daemon=False)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the message in hand and wait for the thread; a no-op if not running."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()

    def _run(self) -> None:
        connected_before = False
        while not self._stop.is_set():
            try:
                connection = ImapConnection.open(self._config, self._ssl_context, self._tokens)
            except (IMAPClientError, OSError, TokenError) as error:
                log.warning(
                    "cannot connect to %s: %s; retrying in %g s", self._key, error, self._retry
                )
                self._pulse.beat(f"{self._key}: cannot connect: {error}")
                self._pause()
                continue
            log.info(
                "%s %s (UIDVALIDITY %d, %s)",
                "reconnected to" if connected_before else "connected to",
                self._key,
                connection.uidvalidity,
                "IDLE" if self._use_idle(connection) else f"polling every {self._poll} s",
            )
            connected_before = True
            self._pulse.beat(f"{self._key}: connected")
            try:
                self._session(connection)
            except (IMAPClientError, OSError, ConnectionLostError) as error:
                log.warning(
                    "disconnected from %s: %s; reconnecting in %g s", self._key, error, self._retry
                )
                self._pulse.beat(f"{self._key}: disconnected: {error}")
            except StoreFailedError as error:
                # Not the message's fault (the database, most likely): it stays in the folder.
                log.error("%s; trying again in %g s", error, self._retry, exc_info=error.__cause__)
            except Exception:
                log.exception("reading %s failed; trying again in %g s", self._key, self._retry)
            finally:
                connection.close()
            if not self._stop.is_set():
                self._pause()
        log.info("stopped reading %s", self._key)

    def _pause(self) -> None:
        """Wait before the next attempt (unless stopped), each time twice as long up to the cap."""
        self._stop.wait(self._retry)
        self._retry = min(self._retry * 2, self._max_retry)

    @property
    def _poll(self) -> int:
        return self._config.poll_seconds

    def _use_idle(self, connection: ImapConnection) -> bool:
        return self._config.idle and connection.can_idle

    def _session(self, connection: ImapConnection) -> None:
        """Catch up with the folder, then wait for mail and catch up again, until stopped."""
        connection.ensure_folder(self._config.processed_folder)
        connection.ensure_folder(self._config.failed_folder)
        position = self._resume(connection)
        busy = True
        selected = time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - selected >= self._config.idle_renew_seconds:
                # A server does not always say that the folder was deleted and made anew
                # (Dovecot answers on from the old one): selecting it again shows it.
                connection.reselect()
                position = self._resume(connection)
                selected = time.monotonic()
            position, found = self._catch_up(connection, position)
            waiting = "IDLE" if self._use_idle(connection) else f"polling every {self._poll} s"
            self._pulse.worked(f"{self._key}: connected, {waiting}")
            busy = busy or found
            if self._stop.is_set():
                return
            if not self._use_idle(connection):
                self._stop.wait(self._poll)
                continue
            # A message whose delivery ends just as IDLE begins may not be announced until IDLE
            # ends (Dovecot 2.3 behaves so). Deliveries come in bursts, so after a busy pass
            # the first IDLE is short, and leaving it shows such a message.
            connection.idle(
                self._stop,
                IDLE_SETTLE_SECONDS if busy else self._config.idle_renew_seconds,
                alive=self._pulse.beat,
            )
            busy = False

    def _resume(self, connection: ImapConnection) -> FolderPosition:
        """The saved position, or the folder's start when it is new or its UIDs were renumbered.

        Messages at or below the saved UID were stored before a restart; they are moved now.
        """
        saved = self._positions.load(self._key)
        if saved is not None and saved.uidvalidity == connection.uidvalidity:
            leftovers = connection.uids_up_to(saved.last_uid)
            self._move(connection, leftovers, self._config.processed_folder, "stored earlier")
            return saved
        if saved is not None:
            log.warning(
                "UIDVALIDITY of %s changed from %d to %d: reading the folder from the start "
                "(the inbox keeps one copy of each message)",
                self._key,
                saved.uidvalidity,
                connection.uidvalidity,
            )
        position = FolderPosition(connection.uidvalidity, 0)
        self._positions.save(self._key, position)
        return position

    def _catch_up(
        self, connection: ImapConnection, position: FolderPosition
    ) -> tuple[FolderPosition, bool]:
        """Handle every message above `position`, until a pass finds none and none was announced.

        Returns the new position and whether there was any message.
        """
        found = False
        while not self._stop.is_set():
            uids = connection.uids_after(position.last_uid)
            found = found or bool(uids)
            for batch, sizes in self._batches(connection, uids):
                position = self._handle(connection, batch, sizes, position)
                if self._stop.is_set():
                    break
            self._retry = self._first_retry  # the connection works: start the pauses afresh
            if not uids and not connection.new_mail_announced():
                break
        return position, found

    def _batches(
        self, connection: ImapConnection, uids: Sequence[int]
    ) -> Iterator[tuple[list[int], dict[int, int]]]:
        """`uids` in batches of at most BATCH_MESSAGES and BATCH_BYTES (or one big message).

        Each batch comes with the size of each of its messages; a UID without a size was
        expunged by someone else meanwhile.
        """
        for start in range(0, len(uids), SIZE_CHUNK):
            chunk = uids[start : start + SIZE_CHUNK]
            sizes = connection.sizes(chunk)
            batch: list[int] = []
            batch_bytes = 0
            for uid in chunk:
                size = sizes.get(uid, 0)
                size = size if size <= self._max_bytes else 0  # not downloaded: weighs nothing
                if batch and (len(batch) >= BATCH_MESSAGES or batch_bytes + size > BATCH_BYTES):
                    yield batch, sizes
                    batch, batch_bytes = [], 0
                batch.append(uid)
                batch_bytes += size
            if batch:
                yield batch, sizes

    def _handle(
        self,
        connection: ImapConnection,
        batch: Sequence[int],
        sizes: dict[int, int],
        position: FolderPosition,
    ) -> FolderPosition:
        """Store a batch, move what was stored, and return the position after it."""
        wanted = [uid for uid in batch if uid in sizes and sizes[uid] <= self._max_bytes]
        bodies = connection.fetch(wanted)
        stored: list[int] = []
        handled = position.last_uid
        try:
            for uid in batch:
                if self._stop.is_set():
                    break
                if uid in bodies:
                    if self._store_one(connection, uid, bodies[uid]):
                        stored.append(uid)
                elif uid in sizes and uid not in wanted:
                    reason = (
                        f"{sizes[uid]} bytes, more than the {self._max_bytes} allowed "
                        "(smtp_ingress.max_message_bytes)"
                    )
                    self._move(connection, [uid], self._config.failed_folder, reason)
                # else: expunged by someone else meanwhile, nothing to do.
                handled = uid
        finally:
            if handled != position.last_uid:
                # Saved before the move: a message stored but not yet moved when mailbot
                # stops is then known to be stored, and is moved on the next connection.
                position = FolderPosition(position.uidvalidity, handled)
                self._positions.save(self._key, position)
        self._move(connection, stored, self._config.processed_folder, "stored")
        return position

    def _store_one(self, connection: ImapConnection, uid: int, raw: bytes) -> bool:
        """Store one message; True if stored, False if it went to the failed folder instead.

        Other errors raise StoreFailedError, and the message stays where it is.
        """
        try:
            result = self._store(raw)
        except UnstorableMessageError as error:
            self._move(connection, [uid], self._config.failed_folder, str(error))
            return False
        except Exception as error:
            raise StoreFailedError(f"{self._key} UID {uid}: storing failed: {error}") from error
        # What becomes of a new message is the processor's line; this one traces the mailbox.
        log.log(
            logging.INFO if result.duplicate else logging.DEBUG,
            "%s UID %d: %s inbox message %d (%d bytes)",
            self._key,
            uid,
            "already stored as" if result.duplicate else "stored as",
            result.id,
            len(raw),
        )
        return True

    def _move(self, connection: ImapConnection, uids: Sequence[int], folder: str, why: str) -> None:
        connection.move(uids, folder)
        level = logging.WARNING if folder == self._config.failed_folder else logging.DEBUG
        for uid in uids:
            log.log(level, "%s UID %d: moved to %s (%s)", self._key, uid, folder, why)
