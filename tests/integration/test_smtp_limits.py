"""The listener's limits under abuse: bytes in flight, long lines, control characters in the
envelope, errors per connection. Real aiosmtpd on loopback, smtplib clients and raw sockets."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailbot.ingress.smtp import SmtpIngress
from tests.integration.test_smtp_ingress import (
    HOST,
    LIMIT,
    ORDERS,
    SENDER,
    WAIT,
    BlockingFirstStore,
    ListenWith,
    RecordingStore,
    listeners,
    message,
    padding,
)
from tests.servers import wait_for

NO_ROOM = (451, b"4.3.1 Too much mail in progress, try again later")
STORED = (250, b"2.0.0 OK: stored")

Listen = ListenWith


@pytest.fixture
def listen() -> Iterator[Listen]:
    """Listeners for ORDERS, stopped after the test."""
    yield from listeners([ORDERS])


def connect(ingress: SmtpIngress) -> smtplib.SMTP:
    return smtplib.SMTP(HOST, ingress.port, local_hostname="client.test", timeout=WAIT)


def send(ingress: SmtpIngress, raw: bytes) -> dict[str, tuple[int, bytes]]:
    with connect(ingress) as client:
        return client.sendmail(SENDER, [ORDERS], raw)


def data_without_size(ingress: SmtpIngress, raw: bytes) -> tuple[int, bytes]:
    """MAIL FROM without SIZE=, RCPT, DATA: the reply after the data."""
    with connect(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(ORDERS)
        return client.data(raw)


def test_a_message_past_the_bytes_in_flight_gets_451_and_is_taken_later(listen: Listen) -> None:
    """While a message's store holds most of the bound, a message that does not fit in the rest
    gets 451 4.3.1: at DATA when MAIL FROM announced its size, after the data when it did not;
    once the store has ended, the same message is stored."""
    store = BlockingFirstStore()
    ingress = listen(store, max_bytes_in_flight=LIMIT + 1000)
    first = message(1, padding(LIMIT - len(message(1, b""))))
    second = message(2, padding(1500))
    with ThreadPoolExecutor(max_workers=1) as clients:
        try:
            held = clients.submit(send, ingress, first)
            assert store.entered.wait(WAIT)
            assert ingress.bytes_in_flight == LIMIT

            with connect(ingress) as client:
                with pytest.raises(smtplib.SMTPDataError) as refused:
                    client.sendmail(SENDER, [ORDERS], second)  # smtplib sends SIZE=
                assert (refused.value.smtp_code, refused.value.smtp_error) == NO_ROOM
                # The connection goes on: another command is answered as usual.
                assert client.noop()[0] == 250
            assert data_without_size(ingress, second) == NO_ROOM
            # What fits in the rest is taken meanwhile.
            assert send(ingress, message(3)) == {}
            assert ingress.bytes_in_flight == LIMIT
        finally:
            store.release.set()
        assert held.result(WAIT) == {}
    wait_for(lambda: ingress.bytes_in_flight == 0, WAIT, "the bytes in flight given back")

    assert send(ingress, second) == {}
    assert store.messages == [message(3), first, second]


def test_the_bound_must_hold_the_largest_message() -> None:
    """A bound on bytes in flight smaller than one message of the largest size is refused."""
    with pytest.raises(ValueError, match="max_bytes_in_flight"):
        SmtpIngress(
            RecordingStore(),
            host=HOST,
            port=0,
            recipients=[ORDERS],
            max_message_bytes=LIMIT,
            max_bytes_in_flight=LIMIT - 1,
        )


@pytest.mark.parametrize("length", [1_001, 5_000, 100_000])
def test_lines_longer_than_1000_bytes_are_stored_as_they_came(listen: Listen, length: int) -> None:
    """RFC 5321 lets a server take lines longer than 1,000 bytes: they are stored byte for byte
    (a leading dot, stuffed by the client, unstuffed as on any line)."""
    store = RecordingStore()
    ingress = listen(store, max_message_bytes=200_000)
    line = b"." + b"y" * (length - 3) + b"\r\n"
    raw = message(1, b"short line\r\n" + line + b"ABC-123 x 5\r\n")

    assert send(ingress, raw) == {}

    assert store.messages == [raw]


def test_a_long_line_past_the_size_limit_gets_552(listen: Listen) -> None:
    """One line longer than the whole size limit is refused with 552, as any message that big."""
    store = RecordingStore()
    ingress = listen(store)
    raw = message(1, b"z" * LIMIT + b"\r\n")

    assert data_without_size(ingress, raw)[0] == 552

    assert send(ingress, message(2)) == {}
    assert store.messages == [message(2)]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("MAIL FROM:<buyer\0@partner.example>", (501, b"5.1.7 Bad sender address syntax")),
        ("MAIL FROM:<buyer@partner.example\0>", (501, b"5.1.7 Bad sender address syntax")),
    ],
)
def test_a_control_character_in_mail_from_is_refused(
    listen: Listen, command: str, expected: tuple[int, bytes]
) -> None:
    """A NUL in MAIL FROM's address gets 501, and the client must start again."""
    store = RecordingStore()
    ingress = listen(store)
    with connect(ingress) as client:
        client.ehlo()
        client.putcmd(command)
        assert client.getreply() == expected
        # No sender was taken: RCPT needs a MAIL first.
        assert client.rcpt(ORDERS)[0] == 503
        assert client.sendmail(SENDER, [ORDERS], message(1)) == {}
    assert store.messages == [message(1)]


def test_a_control_character_in_rcpt_to_is_refused(listen: Listen) -> None:
    """A NUL in RCPT TO gets 501; a good recipient after it is taken."""
    store = RecordingStore()
    ingress = listen(store)
    with connect(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        client.putcmd("RCPT TO:<orders\0@distributor.example>")
        assert client.getreply() == (501, b"5.1.3 Bad recipient address syntax")
        assert client.rcpt(ORDERS)[0] == 250
        assert client.data(message(1)) == STORED
    assert store.messages == [message(1)]


def test_a_connection_is_closed_after_too_many_errors(listen: Listen) -> None:
    """The `max_errors`-th error is followed by 421 and the end of the connection; a stored
    message starts the count again."""
    store = RecordingStore()
    ingress = listen(store, max_errors=3)
    with connect(ingress) as client:
        client.ehlo()
        assert client.rcpt(ORDERS)[0] == 503  # no MAIL yet: 1
        assert client.docmd("EXPN", "staff")[0] == 502  # 2
        assert client.sendmail(SENDER, [ORDERS], message(1)) == {}  # stored: from 0 again
        assert client.rcpt(ORDERS)[0] == 503  # 1
        assert client.rcpt(ORDERS)[0] == 503  # 2
        assert client.rcpt(ORDERS)[0] == 503  # 3: the last one allowed
        assert client.getreply() == (421, b"4.7.0 Too many errors, closing the connection")
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()
    assert store.messages == [message(1)]


def test_garbage_commands_end_the_connection_at_the_limit(listen: Listen) -> None:
    """A client sending lines that are no commands at all is cut off too (raw socket)."""
    ingress = listen(RecordingStore(), max_errors=4)
    with socket.create_connection((HOST, ingress.port), timeout=WAIT) as raw:
        reader = raw.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        raw.sendall(b"\r\n" * 4)  # an empty line is "500 Error: bad syntax"
        replies = [reader.readline() for _ in range(5)]
        assert [reply[:3] for reply in replies] == [b"500"] * 4 + [b"421"]
        assert reader.readline() == b""  # closed by the server
