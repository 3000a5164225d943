"""The SMTP listener, served by real aiosmtpd on loopback and driven by smtplib."""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailbot.ingress.smtp import SmtpIngress, StoreMessage

HOST = "127.0.0.1"
ORDERS = "orders@distributor.example"
STRANGER = "sales@distributor.example"
SENDER = "buyer@partner.example"
LIMIT = 4096
# A deadline for things that should happen at once; reached only when something is broken.
WAIT = 10.0


def padding(size: int) -> bytes:
    """`size` bytes of body in lines of at most 80 bytes (SMTP refuses lines over 1000)."""
    line = b"x" * 78 + b"\r\n"
    whole, rest = divmod(size, len(line))
    assert rest != 1, "a lone CR or LF would not be a line"
    return line * whole + (b"x" * (rest - 2) + b"\r\n" if rest else b"")


def message(number: int, body: bytes = b"ABC-123 x 5\r\n") -> bytes:
    """A small order mail, told apart from others by its Message-ID."""
    return (
        b"From: Buyer <buyer@partner.example>\r\n"
        b"To: orders@distributor.example\r\n"
        b"Subject: order\r\n"
        b"Message-ID: <%d@partner.example>\r\n"
        b"\r\n" % number
    ) + body


class StoreUnavailableError(Exception):
    """What a fake store raises where a real one would hit a database error."""


class RecordingStore:
    """Keeps each message it is given, as a committed inbox row would."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[bytes] = []

    def __call__(self, raw: bytes) -> None:
        with self.lock:
            self.messages.append(raw)


class FailingOnceStore(RecordingStore):
    """Fails its first commit, like a database that is briefly unavailable, then records."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def __call__(self, raw: bytes) -> None:
        with self.lock:
            fail, self.failed = not self.failed, True
        if fail:
            raise StoreUnavailableError("database is locked")
        super().__call__(raw)


class BlockingFirstStore(RecordingStore):
    """Holds its first commit until `release` is set; records each message as its commit ends."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, raw: bytes) -> None:
        with self.lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.entered.set()
            if not self.release.wait(WAIT):
                raise StoreUnavailableError("the test never released the store")
        super().__call__(raw)


Listen = Callable[[StoreMessage], SmtpIngress]
ListenWith = Callable[..., SmtpIngress]


def listeners(recipients: list[str]) -> Iterator[ListenWith]:
    """For a fixture: starts listeners for `recipients` with the given options on free
    loopback ports, and stops them after the test."""
    started: list[SmtpIngress] = []

    def start(store: StoreMessage, **options: object) -> SmtpIngress:
        settings: dict[str, object] = {
            "host": HOST,
            "port": 0,
            "recipients": recipients,
            "max_message_bytes": LIMIT,
            "hostname": "mailbot.test",
        }
        ingress = SmtpIngress(store, **(settings | options))  # type: ignore[arg-type]
        ingress.start()
        started.append(ingress)
        return ingress

    yield start
    for ingress in started:
        ingress.stop()


@pytest.fixture
def listen() -> Iterator[Listen]:
    """Starts listeners on free loopback ports, and stops them after the test."""
    started: list[SmtpIngress] = []

    def start(store: StoreMessage) -> SmtpIngress:
        ingress = listener(store)
        ingress.start()
        started.append(ingress)
        return ingress

    yield start
    for ingress in started:
        ingress.stop()


def listener(store: StoreMessage) -> SmtpIngress:
    return SmtpIngress(
        store,
        host=HOST,
        port=0,
        recipients=[ORDERS],
        max_message_bytes=LIMIT,
        hostname="mailbot.test",
    )


def connect(ingress: SmtpIngress) -> smtplib.SMTP:
    # An explicit local name: smtplib would otherwise look up this machine's FQDN.
    return smtplib.SMTP(HOST, ingress.port, local_hostname="client.test", timeout=WAIT)


def send(
    ingress: SmtpIngress, raw: bytes, to: Sequence[str] = (ORDERS,), sender: str = SENDER
) -> dict[str, tuple[int, bytes]]:
    """Sends one message over a connection of its own; returns the refused recipients."""
    with connect(ingress) as client:
        return client.sendmail(sender, list(to), raw)


def test_store_receives_exact_bytes_sent(listen: Listen) -> None:
    """The store gets the DATA byte for byte: CRLFs, 8-bit text in any charset, leading dots."""
    store = RecordingStore()
    ingress = listen(store)
    body = (
        "Заказ: ABC-123 x 5 — comandă\r\n".encode()
        + "Привет в Windows-1251\r\n".encode("cp1251")
        + b".a line that starts with a dot, dot-stuffed on the wire\r\n"
        + b"..and one with two\r\n"
        + b"\r\n"
    )
    raw = message(1, body)

    assert send(ingress, raw) == {}

    assert store.messages == [raw]


def test_answers_250_stored_after_commit(listen: Listen) -> None:
    """A stored message is answered `250 2.0.0 OK: stored`."""
    ingress = listen(RecordingStore())
    with connect(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(ORDERS)

        assert client.data(message(1)) == (250, b"2.0.0 OK: stored")


def test_stores_mail_with_null_sender(listen: Listen) -> None:
    """A bounce (MAIL FROM:<>) is stored like any other mail; deciding to ignore it comes later."""
    store = RecordingStore()
    ingress = listen(store)

    assert send(ingress, message(1), sender="") == {}

    assert store.messages == [message(1)]


def test_recipient_matches_case_insensitively(listen: Listen) -> None:
    """A configured recipient is accepted whatever the case of its letters."""
    store = RecordingStore()
    ingress = listen(store)

    assert send(ingress, message(1), to=["Orders@Distributor.EXAMPLE"]) == {}

    assert store.messages == [message(1)]


def test_unknown_recipient_refused_with_550(listen: Listen) -> None:
    """A recipient that is not configured gets 550 5.1.1, and nothing is stored."""
    store = RecordingStore()
    ingress = listen(store)

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(ingress, message(1), to=[STRANGER])

    assert refused.value.recipients == {
        STRANGER: (550, b"5.1.1 <sales@distributor.example>: recipient not accepted here")
    }
    assert store.messages == []


def test_mixed_recipients_store_once_and_refuse_unknown(listen: Listen) -> None:
    """With good and bad recipients, the bad get 550 and the message is stored once."""
    store = RecordingStore()
    ingress = listen(store)

    refused = send(ingress, message(1), to=[STRANGER, ORDERS])

    assert refused == {
        STRANGER: (550, b"5.1.1 <sales@distributor.example>: recipient not accepted here")
    }
    assert store.messages == [message(1)]


def test_greets_with_configured_hostname(listen: Listen) -> None:
    """The greeting and the EHLO reply name the configured hostname."""
    ingress = listen(RecordingStore())
    with connect(ingress) as client:
        code, reply = client.ehlo()

    assert code == 250
    assert reply.splitlines()[0] == b"mailbot.test"


def test_ehlo_announces_size_limit(listen: Listen) -> None:
    """EHLO announces SIZE with the configured maximum message size."""
    ingress = listen(RecordingStore())
    with connect(ingress) as client:
        client.ehlo()

        assert client.esmtp_features["size"] == str(LIMIT)


def test_mail_from_with_size_over_limit_refused_with_552(listen: Listen) -> None:
    """MAIL FROM with SIZE= above the limit gets 552 (smtplib sends SIZE=), nothing stored."""
    store = RecordingStore()
    ingress = listen(store)
    raw = message(1, padding(LIMIT))

    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(ingress, raw)

    assert refused.value.smtp_code == 552
    assert store.messages == []


def test_oversize_data_refused_with_552(listen: Listen) -> None:
    """DATA above the limit, with no SIZE= announced, gets 552 and nothing is stored."""
    store = RecordingStore()
    ingress = listen(store)
    with connect(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(ORDERS)

        code, _ = client.data(message(1, padding(LIMIT)))

    assert code == 552
    assert store.messages == []


def test_message_of_exactly_the_limit_stored(listen: Listen) -> None:
    """A message exactly `max_message_bytes` long is accepted and stored."""
    store = RecordingStore()
    ingress = listen(store)
    raw = message(1, padding(LIMIT - len(message(1, b""))))
    assert len(raw) == LIMIT

    assert send(ingress, raw) == {}

    assert store.messages == [raw]


def test_store_failure_answers_451_and_next_message_stored(listen: Listen) -> None:
    """A store that raises gets the client a 451; the next message on that connection gets 250."""
    store = FailingOnceStore()
    ingress = listen(store)
    with connect(ingress) as client:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            client.sendmail(SENDER, [ORDERS], message(1))

        assert (failed.value.smtp_code, failed.value.smtp_error) == (
            451,
            b"4.3.0 Temporary failure, try again later",
        )
        assert client.sendmail(SENDER, [ORDERS], message(2)) == {}

    assert store.messages == [message(2)]


def test_logs_stored_and_refused_messages(listen: Listen, caplog: pytest.LogCaptureFixture) -> None:
    """Each message is logged as refused (ERROR, with why) or traced as stored (DEBUG: the
    processor's INFO line says what became of it), with peer, size and envelope."""
    caplog.set_level(logging.DEBUG, logger="mailbot.ingress.smtp")
    ingress = listen(FailingOnceStore())
    with connect(ingress) as client:
        with pytest.raises(smtplib.SMTPDataError):
            client.sendmail(SENDER, [ORDERS], message(1))
        client.sendmail(SENDER, [ORDERS], message(2))

    records = [r for r in caplog.records if r.name == "mailbot.ingress.smtp"]
    failed = [r for r in records if "store failed" in r.getMessage()]
    stored = [r for r in records if r.getMessage().startswith("stored message")]
    assert len(failed) == len(stored) == 1
    assert failed[0].levelno == logging.ERROR
    assert failed[0].exc_info is not None
    assert failed[0].exc_info[0] is StoreUnavailableError
    assert stored[0].levelno == logging.DEBUG
    for record, raw in [(failed[0], message(1)), (stored[0], message(2))]:
        text = record.getMessage()
        assert f"from {HOST}:" in text
        assert f"{len(raw)} bytes" in text
        assert f"MAIL FROM <{SENDER}>" in text
        assert f"RCPT TO <{ORDERS}>" in text


def test_no_reply_until_store_returns(listen: Listen) -> None:
    """The client gets no answer to DATA while the store is still committing."""
    store = BlockingFirstStore()
    ingress = listen(store)
    with ThreadPoolExecutor(max_workers=1) as clients:
        try:
            first = clients.submit(send, ingress, message(1))
            assert store.entered.wait(WAIT)

            assert not first.done()
            # A full exchange on another connection gives an early reply time to show up.
            with connect(ingress) as other:
                assert other.noop()[0] == 250
            assert not first.done()
        finally:
            store.release.set()

        assert first.result(timeout=WAIT) == {}
    assert store.messages == [message(1)]


def test_serves_other_connections_while_a_store_blocks(listen: Listen) -> None:
    """While one store call blocks, another connection's message is still stored and answered."""
    store = BlockingFirstStore()
    ingress = listen(store)
    with ThreadPoolExecutor(max_workers=1) as clients:
        try:
            first = clients.submit(send, ingress, message(1))
            assert store.entered.wait(WAIT)

            assert send(ingress, message(2)) == {}
            assert store.messages == [message(2)]
            assert not first.done()
        finally:
            store.release.set()

        assert first.result(timeout=WAIT) == {}
    assert store.messages == [message(2), message(1)]


def test_stop_waits_for_store_under_way() -> None:
    """stop() cuts the client off but returns only once a store call under way has returned."""
    store = BlockingFirstStore()
    ingress = listener(store)
    ingress.start()
    with ThreadPoolExecutor(max_workers=2) as threads:
        try:
            client = threads.submit(send, ingress, message(1))
            assert store.entered.wait(WAIT)
            stopping = threads.submit(ingress.stop)

            # The client is cut off once stop() has closed the connections...
            with pytest.raises(smtplib.SMTPServerDisconnected):
                client.result(timeout=WAIT)
            # ...yet stop() is still waiting, since the store has not returned.
            assert not stopping.done()
        finally:
            store.release.set()

        stopping.result(timeout=WAIT)
    assert store.messages == [message(1)]
    assert not ingress.running


def test_restarts_within_one_process() -> None:
    """A listener can be started and stopped again and again; stop() when stopped does nothing."""
    store = RecordingStore()
    ingress = listener(store)
    for number in range(3):
        ingress.start()
        port = ingress.port
        try:
            assert ingress.running
            assert send(ingress, message(number)) == {}
        finally:
            ingress.stop()
        assert not ingress.running
        with pytest.raises(ConnectionRefusedError):
            smtplib.SMTP(HOST, port, local_hostname="client.test", timeout=WAIT)
    ingress.stop()

    assert store.messages == [message(0), message(1), message(2)]


def test_start_when_running_is_an_error(listen: Listen) -> None:
    """Starting a listener that is already running raises instead of opening a second port."""
    ingress = listen(RecordingStore())

    with pytest.raises(RuntimeError, match="already running"):
        ingress.start()


def test_start_on_a_port_in_use_raises_and_can_retry(listen: Listen) -> None:
    """A port already taken makes start() raise; the listener stays stopped and can start later."""
    busy = listen(RecordingStore())
    store = RecordingStore()
    ingress = SmtpIngress(
        store,
        host=HOST,
        port=busy.port,
        recipients=[ORDERS],
        max_message_bytes=LIMIT,
        hostname="mailbot.test",
    )

    with pytest.raises(OSError):  # noqa: PT011 (EADDRINUSE, raised by the event loop)
        ingress.start()

    assert not ingress.running
    busy.stop()
    ingress.start()
    try:
        assert send(ingress, message(1)) == {}
    finally:
        ingress.stop()
    assert store.messages == [message(1)]


@pytest.mark.parametrize(("recipients", "max_message_bytes"), [([], LIMIT), ([ORDERS], 0)])
def test_refuses_no_recipients_or_no_size_limit(
    recipients: list[str], max_message_bytes: int
) -> None:
    """A listener needs a recipient and a positive size limit (aiosmtpd reads 0 as unlimited)."""
    with pytest.raises(ValueError, match=r"recipient|max_message_bytes"):
        SmtpIngress(
            RecordingStore(),
            host=HOST,
            port=0,
            recipients=recipients,
            max_message_bytes=max_message_bytes,
        )
