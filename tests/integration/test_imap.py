"""The IMAP poller against a real Dovecot on loopback, storing into SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import func, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import Config, ConfigError, ImapConfig, SmtpIngressConfig
from mailbot.ingress.imap import ImapPoller
from mailbot.ingress.imap_folders import FolderKey, FolderPosition, FolderPositions
from mailbot.runner import Runner
from mailbot.services.inbox.storing import Stored, UnstorableMessageError
from mailbot.storage.models import InboundMessage
from tests.dovecot import HOST, PASSWORD, USERNAME, Dovecot
from tests.servers import wait_for

# A deadline for what should happen at once; reached only when something is broken.
WAIT = 15.0
# The promise for mail arriving while the poller idles, plus a margin for a busy machine.
IDLE_LATENCY = 3.0


def message(number: int, note: str = "") -> bytes:
    """A small mail, told apart from others by its Message-ID."""
    return (
        f"From: Buyer <buyer@partner.example>\r\n"
        f"To: orders@distributor.example\r\n"
        f"Subject: order {number}{note}\r\n"
        f"Message-ID: <{number}@partner.example>\r\n"
        f"\r\n"
        f"ABC-123 x {number}\r\n"
    ).encode()


class Store:
    """The app's real store, counting each message it is given (by content) as it goes."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.calls: list[str] = []
        self.stored = threading.Condition(self.lock)

    def __call__(self, raw: bytes) -> Stored:
        self.check(raw)
        result = self.app.store(raw, "imap")
        with self.stored:
            self.calls.append(hashlib.sha256(raw).hexdigest())
            self.stored.notify_all()
        return result

    def check(self, raw: bytes) -> None:
        """Raise here to make storing `raw` fail."""

    def wait_for_calls(self, count: int) -> None:
        with self.stored:
            if not self.stored.wait_for(lambda: len(self.calls) >= count, WAIT):
                raise AssertionError(f"stored {len(self.calls)} messages, expected {count}")


def inbox(app: App) -> list[bytes]:
    """The raw bytes of every inbox message, oldest first."""
    with app.uow() as uow:
        query = select(InboundMessage.raw).order_by(InboundMessage.id)
        return list(uow.session.scalars(query))


def inbox_count(app: App) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count(InboundMessage.id))) or 0


def stored_count_is(app: App, count: int) -> bool:
    return inbox_count(app) == count


def imap_config(server: Dovecot, **changes: object) -> ImapConfig:
    values: dict[str, object] = {
        "enabled": True,
        "host": HOST,
        "port": server.port,
        "security": "none",
        "username": USERNAME,
        "password": PASSWORD,
        "poll_seconds": 1,
    }
    return ImapConfig.model_validate(values | changes)


Poll = Callable[..., ImapPoller]


@pytest.fixture
def poll(app: App, dovecot: Dovecot) -> Iterator[Poll]:
    """Starts pollers on `dovecot` storing into the app's database; stops them after the test."""
    started: list[ImapPoller] = []

    def start(
        store: Callable[[bytes], Stored] | None = None,
        *,
        server: Dovecot = dovecot,
        max_message_bytes: int = 10**6,
        **changes: object,
    ) -> ImapPoller:
        poller = ImapPoller(
            store or Store(app),
            FolderPositions(app.uow, app.clock),
            imap_config(server, **changes),
            max_message_bytes=max_message_bytes,
            first_retry_seconds=0.1,
            max_retry_seconds=0.5,
        )
        poller.start()
        started.append(poller)
        return poller

    yield start
    for poller in started:
        poller.stop()


@pytest.fixture
def watch(dovecot: Dovecot) -> Iterator[IMAPClient]:
    """The test's own connection to the mailbox, to append and to look."""
    client = dovecot.client()
    yield client
    client.logout()


def counts(server: Dovecot, client: IMAPClient, *folders: str) -> tuple[int, ...] | None:
    """How many messages each folder holds, or None while the server cannot say."""
    try:
        return tuple(server.count(client, folder) for folder in folders)
    except IMAPClientError:
        # Dovecot answers "Mailbox was deleted under us" for a while after a folder that
        # another session had selected is deleted and made anew.
        return None


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


def test_folder_positions_keep_the_furthest_uid_and_follow_a_new_uidvalidity(app: App) -> None:
    """A saved position never goes back under one UIDVALIDITY; a new one replaces it."""
    positions = FolderPositions(app.uow, app.clock)
    key = FolderKey("imap.example.com", "orders", "INBOX")
    assert positions.load(key) is None
    positions.save(key, FolderPosition(7, 10))
    positions.save(key, FolderPosition(7, 4))  # a second poller, behind the first
    assert positions.load(key) == FolderPosition(7, 10)
    positions.save(key, FolderPosition(8, 2))
    assert positions.load(key) == FolderPosition(8, 2)
    largest = 2**32 - 1  # UIDs and UIDVALIDITY are unsigned 32-bit numbers
    positions.save(key, FolderPosition(largest, largest))
    assert positions.load(key) == FolderPosition(largest, largest)
    assert positions.load(FolderKey("imap.example.com", "orders", "Other")) is None


def test_mail_appended_while_idling_is_stored_and_moved_at_once(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """Mail arriving while the poller idles is stored within seconds, byte for byte, then moved."""
    caplog.set_level(logging.DEBUG, "mailbot.ingress.imap")
    poller = poll()
    wait_for(lambda: logged(caplog, "(UIDVALIDITY"), WAIT, "the poller to connect")
    for number in (1, 2):
        appended = time.monotonic()
        watch.append("INBOX", message(number))
        wait_for(partial(stored_count_is, app, number), IDLE_LATENCY, f"message {number}")
        assert time.monotonic() - appended < IDLE_LATENCY
    wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 2), WAIT, "the moves")
    assert inbox(app) == [message(1), message(2)]
    assert logged(caplog, "UID 1: stored as inbox message")
    assert logged(caplog, "UID 2: moved to Processed")
    stopping = time.monotonic()
    poller.stop()
    assert time.monotonic() - stopping < 2.0, "stopping an idling poller takes a moment only"


def test_idle_off_polls_at_the_interval(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll
) -> None:
    """With idle = false the folder is read every poll_seconds."""
    poll(idle=False, poll_seconds=1)
    watch.append("INBOX", message(1))
    wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 1), WAIT, "the move")
    assert inbox(app) == [message(1)]


@pytest.mark.parametrize("capability", ["IMAP4rev1 UIDPLUS", "IMAP4rev1"])
def test_a_server_without_idle_and_move_is_polled_and_copied(
    app: App, dovecots: Callable[..., Dovecot], poll: Poll, capability: str
) -> None:
    """Without IDLE the poller polls; without MOVE it copies, flags \\Deleted and expunges."""
    server = dovecots(capability=capability)
    client = server.client()
    client.append("INBOX", message(1))
    poll(server=server)
    client.append("INBOX", message(2))
    wait_for(lambda: counts(server, client, "INBOX", "Processed") == (0, 2), WAIT, "moves")
    assert inbox(app) == [message(1), message(2)]
    client.logout()


def test_a_restart_in_the_middle_of_a_batch_neither_loses_nor_repeats(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll
) -> None:
    """Stopped after some messages of a batch, a new poller goes on where the first stopped."""
    watch.multiappend("INBOX", [message(n) for n in range(1, 121)])
    store = Store(app)
    first = poll(store)
    store.wait_for_calls(30)
    first.stop()
    stored_before = inbox_count(app)
    assert 30 <= stored_before < 120
    assert counts(dovecot, watch, "INBOX", "Processed") == (120 - stored_before, stored_before)
    poll(store)
    wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 120), WAIT, "the rest")
    assert sorted(inbox(app)) == sorted(message(n) for n in range(1, 121))
    assert len(store.calls) == 120, "no message was read twice"


def test_stored_but_unmoved_mail_is_moved_after_a_crash(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll
) -> None:
    """After a crash between storing and moving, what was stored is moved without reading it."""
    watch.multiappend("INBOX", [message(n) for n in range(1, 9)])
    uidvalidity = watch.select_folder("INBOX")[b"UIDVALIDITY"]
    watch.close_folder()
    # The state a crash leaves: 1-5 committed to the inbox, the position saved after 3, and
    # nothing moved yet.
    for number in range(1, 6):
        app.store(message(number), "imap")
    positions = FolderPositions(app.uow, app.clock)
    positions.save(FolderKey(HOST, USERNAME, "INBOX"), FolderPosition(uidvalidity, 3))
    store = Store(app)
    poll(store)
    wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 8), WAIT, "the moves")
    assert sorted(inbox(app)) == sorted(message(n) for n in range(1, 9))
    assert len(store.calls) == 5, "messages 1-3 were known to be stored and not read again"


def test_the_server_going_away_and_coming_back(
    app: App, dovecot: Dovecot, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """When the server stops, the poller says so, reconnects once it is back, and goes on."""
    caplog.set_level(logging.DEBUG, "mailbot.ingress.imap")
    poll()
    wait_for(lambda: logged(caplog, "connected to"), WAIT, "the poller to connect")
    dovecot.stop()
    wait_for(lambda: logged(caplog, "disconnected from"), WAIT, "the disconnection")
    wait_for(lambda: logged(caplog, "cannot connect to"), WAIT, "a failed reconnection")
    dovecot.start()
    wait_for(lambda: logged(caplog, "reconnected to"), WAIT, "the reconnection")
    client = dovecot.client()
    client.append("INBOX", message(1))
    wait_for(lambda: counts(dovecot, client, "INBOX", "Processed") == (0, 1), WAIT, "the move")
    assert inbox(app) == [message(1)]
    client.logout()


def test_a_changed_uidvalidity_stores_nothing_twice_and_misses_nothing(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder deleted and made again (UIDs from 1 anew) is read from its start, deduplicated."""
    caplog.set_level(logging.DEBUG, "mailbot.ingress.imap")
    watch.create_folder("Orders")
    watch.multiappend("Orders", [message(n) for n in (1, 2, 3)])
    # Dovecot may go on answering from the deleted folder: the poller notices at the latest
    # when it selects the folder again, after idle_renew_seconds.
    poll(folder="Orders", idle_renew_seconds=2)
    wait_for(lambda: counts(dovecot, watch, "Orders", "Processed") == (0, 3), WAIT, "three")
    # The new folder's UIDs 1-3 are at or below the saved position: only the new UIDVALIDITY
    # tells that messages 4 and 5 are new. Message 2 comes again (a second delivery).
    watch.delete_folder("Orders")
    watch.create_folder("Orders")
    watch.multiappend("Orders", [message(n) for n in (2, 4, 5)])
    wait_for(lambda: counts(dovecot, watch, "Orders", "Processed") == (0, 6), WAIT, "the moves")
    assert sorted(inbox(app)) == sorted(message(n) for n in range(1, 6))
    assert logged(caplog, "UIDVALIDITY of orders@127.0.0.1/Orders changed")


def test_a_folder_of_500_messages_drains(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll
) -> None:
    """500 waiting messages are all stored once and moved."""
    watch.multiappend("INBOX", [message(n) for n in range(1, 501)])
    poll()
    wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 500), 40, "500 moves")
    assert inbox_count(app) == 500


class RefusingStore(Store):
    """Refuses messages whose subject says so, as a database would refuse their data."""

    def check(self, raw: bytes) -> None:
        if b"(refuse)" in raw:
            raise UnstorableMessageError("the database refuses it: NUL in a text field")


def test_a_message_that_cannot_be_stored_goes_to_failed_and_the_next_is_handled(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """An unstorable message goes to the failed folder, with a log line; the next is stored."""
    watch.multiappend("INBOX", [message(1), message(2, " (refuse)"), message(3)])
    poll(RefusingStore(app))
    wait_for(
        lambda: counts(dovecot, watch, "INBOX", "Processed", "Failed") == (0, 2, 1), WAIT, "moves"
    )
    assert inbox(app) == [message(1), message(3)]
    assert logged(caplog, "UID 2: moved to Failed (the database refuses it: NUL in a text field)")


def test_a_message_over_the_size_limit_goes_to_failed_unread(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """A message bigger than the intake's size limit is not downloaded but moved to Failed."""
    big = message(1) + b"x" * 3000 + b"\r\n"
    watch.multiappend("INBOX", [big, message(2)])
    poll(max_message_bytes=2000)
    wait_for(
        lambda: counts(dovecot, watch, "INBOX", "Processed", "Failed") == (0, 1, 1), WAIT, "moves"
    )
    assert inbox(app) == [message(2)]
    assert logged(caplog, f"UID 1: moved to Failed ({len(big)} bytes, more than the 2000 allowed")


class DatabaseDownError(Exception):
    """What a database that is briefly down raises, for the fake store below."""


class DownOnceStore(Store):
    """Fails its first store as a database that is briefly down would."""

    failed = False

    def check(self, raw: bytes) -> None:
        if not self.failed:
            self.failed = True
            raise DatabaseDownError("database is unavailable")


def test_a_store_failure_leaves_the_message_in_place_until_it_works(
    app: App, dovecot: Dovecot, watch: IMAPClient, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure that is not the message's own keeps it in the folder; it is stored on retry."""
    watch.append("INBOX", message(1))
    poll(DownOnceStore(app))
    wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 1), WAIT, "the move")
    assert inbox(app) == [message(1)]
    assert dovecot.count(watch, "Failed") == 0
    assert logged(caplog, "UID 1: storing failed: database is unavailable; trying again in")


@pytest.fixture
def tls_dovecot(dovecots: Callable[..., Dovecot], certificate: Path) -> Dovecot:
    """A Dovecot offering TLS on `tls_port` and STARTTLS on `port`, with a self-signed cert."""
    return dovecots(certificate=certificate)


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls(
    app: App, tls_dovecot: Dovecot, certificate: Path, poll: Poll, security: str
) -> None:
    """The poller reads over TLS from the start or after STARTTLS, checking the certificate
    against the CA bundle in imap.ca_file."""
    port = tls_dovecot.tls_port if security == "tls" else tls_dovecot.port
    client = tls_dovecot.client()
    client.append("INBOX", message(1))
    poll(server=tls_dovecot, security=security, port=port, ca_file=str(certificate))
    wait_for(lambda: tls_dovecot.count(client, "Processed") == 1, WAIT, "the move")
    assert inbox(app) == [message(1)]
    client.logout()


def test_an_untrusted_certificate_is_refused(
    app: App, tls_dovecot: Dovecot, poll: Poll, caplog: pytest.LogCaptureFixture
) -> None:
    """A server whose certificate is not trusted gets no password and no mail is read."""
    client = tls_dovecot.client()
    client.append("INBOX", message(1))
    poll(server=tls_dovecot, security="tls", port=tls_dovecot.tls_port)
    wait_for(lambda: logged(caplog, "CERTIFICATE_VERIFY_FAILED"), WAIT, "the refusal")
    assert inbox_count(app) == 0
    assert tls_dovecot.count(client, "INBOX") == 1
    client.logout()


def test_an_unreadable_ca_file_is_a_config_error(
    app: App, tls_dovecot: Dovecot, tmp_path: Path
) -> None:
    """A CA file that is missing or holds no certificate stops the poller's start, naming
    imap.ca_file."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    for ca_file in (tmp_path / "missing.pem", junk):
        config = imap_config(tls_dovecot, security="tls", ca_file=str(ca_file))
        app.config = app.config.model_copy(update={"imap": config})
        with pytest.raises(ConfigError, match=r"imap\.ca_file: cannot use .*\.pem"):
            app.imap_poller(Store(app))


def test_the_runner_reads_the_mailbox_and_stops_on_request(
    config: Config, app: App, dovecot: Dovecot, watch: IMAPClient
) -> None:
    """`mailbot run` with imap.enabled stores and processes mailbox mail; stop ends the poller."""
    config = config.model_copy(
        update={"imap": imap_config(dovecot), "smtp_ingress": SmtpIngressConfig(enabled=False)}
    )
    runner = Runner(bootstrap(config, engine=app.engine, clock=app.clock))
    runner.start()
    try:
        watch.append("INBOX", message(1))
        wait_for(lambda: counts(dovecot, watch, "INBOX", "Processed") == (0, 1), WAIT, "the move")
        # An unknown sender's mail is processed by being ignored: processed all the same.
        wait_for(lambda: _statuses(app) == ["ignored"], WAIT, "processing")
        # Its heartbeat, which `mailbot status` shows: the last poll, and where it polls.
        (poller,) = [part for part in runner.heartbeats.parts if part.name == "poller"]
        assert poller.worked_at is not None
        assert poller.detail == f"{USERNAME}@{HOST}/INBOX: connected, IDLE"
    finally:
        stopping = time.monotonic()
        runner.stop()
    assert time.monotonic() - stopping < 3.0


def _statuses(app: App) -> list[str]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(InboundMessage.status)))
