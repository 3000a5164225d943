"""Delivering mail to a real aiosmtpd server on loopback, and into a folder."""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailbot.outbound.compose import compose
from mailbot.outbound.render import RenderedMail
from mailbot.outbound.transport import (
    DeliveryError,
    FolderTransport,
    Security,
    SmtpTransport,
    file_name,
)
from tests.servers import wait_for

HOST = "127.0.0.1"
SENDER = "orders@distributor.example"
USER, PASSWORD = "mailbot", "s3cret"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: bytes | None


@dataclass
class Collector:
    """An aiosmtpd handler that keeps what it accepts and refuses on cue.

    RCPT to refused@… gets 550 and busy@… gets 451; MAIL FROM spam@… gets 554 after DATA.
    """

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names follow the SMTP verbs
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("refused@"):
            return "550 5.1.1 No such user"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if envelope.mail_from.startswith("spam@"):
            return "554 5.7.1 Message rejected as spam"
        login = session.auth_data.login if session.authenticated else None
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.content,
                # STARTTLS sets session.ssl; implicit TLS shows on the transport only.
                session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                login,
            )
        )
        return "250 OK"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (USER.encode(), PASSWORD.encode())
    # handled=False lets aiosmtpd answer a failure with 535 itself.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    # `cryptography` is not a dependency; the openssl tool makes a self-signed certificate.
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command-line tool is needed to make a test certificate"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-addext", f"subjectAltName=IP:{HOST},DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


class Server:
    """A running aiosmtpd Controller and its handler."""

    def __init__(self, **options: Any) -> None:
        self.handler = Collector()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, **options)

    def __enter__(self) -> Server:
        self.controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.controller.stop()


@pytest.fixture
def server() -> Iterator[Server]:
    with Server() as running:
        yield running


def smtp(port: int, security: Security = "none", **options: Any) -> SmtpTransport:
    options.setdefault("username", "")
    options.setdefault("password", "")
    return SmtpTransport(HOST, port, security, timeout=5, **options)


def raw_mail(to: str = "client@example.com") -> bytes:
    rendered = RenderedMail("Ofertă ORD-000042", "Bună ziua\n", "<p>Bună ziua</p>\n")
    now = datetime(2024, 3, 5, 14, 7, tzinfo=UTC)
    return compose(rendered, sender=SENDER, to=to, domain="distributor.example", now=now).raw


def test_delivers_over_plain_smtp(server: Server) -> None:
    """The server receives the envelope and the exact bytes of the mail."""
    raw = raw_mail()
    smtp(server.port).deliver(SENDER, ["client@example.com", "copy@example.com"], raw)
    [received] = server.handler.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ["client@example.com", "copy@example.com"]
    assert received.content.rstrip(b"\r\n") == raw.rstrip(b"\r\n")
    assert received.tls is False
    assert received.login is None
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert message["Subject"] == "Ofertă ORD-000042"


def test_refused_recipient_is_permanent(server: Server) -> None:
    """A 550 to RCPT is a permanent DeliveryError that names the refused address."""
    with pytest.raises(DeliveryError) as caught:
        smtp(server.port).deliver(SENDER, ["refused@example.com"], raw_mail())
    assert caught.value.permanent is True
    assert caught.value.refused["refused@example.com"][0] == 550
    assert server.handler.received == []


def test_busy_recipient_is_temporary(server: Server) -> None:
    """A 451 to RCPT is a temporary DeliveryError: the sender retries later."""
    with pytest.raises(DeliveryError) as caught:
        smtp(server.port).deliver(SENDER, ["busy@example.com"], raw_mail())
    assert caught.value.permanent is False


def test_partly_refused_is_permanent_after_delivery_to_the_rest(server: Server) -> None:
    """When some recipients took the mail, a refusal is final so a retry cannot duplicate it."""
    with pytest.raises(DeliveryError) as caught:
        smtp(server.port).deliver(SENDER, ["client@example.com", "busy@example.com"], raw_mail())
    assert caught.value.permanent is True
    assert set(caught.value.refused) == {"busy@example.com"}
    assert [r.rcpt_tos for r in server.handler.received] == [["client@example.com"]]


def test_rejected_data_is_permanent(server: Server) -> None:
    """A 554 after DATA is a permanent DeliveryError."""
    with pytest.raises(DeliveryError, match="554") as caught:
        smtp(server.port).deliver("spam@distributor.example", ["client@example.com"], raw_mail())
    assert caught.value.permanent is True


def test_unreachable_relay_is_temporary() -> None:
    """A port nobody listens on is a temporary DeliveryError."""
    with pytest.raises(DeliveryError) as caught:
        smtp(free_port()).deliver(SENDER, ["client@example.com"], raw_mail())
    assert caught.value.permanent is False


def test_silent_relay_times_out_as_temporary() -> None:
    """A relay that accepts the connection but never greets times out: temporary."""
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen(1)
        transport = SmtpTransport(HOST, silent.getsockname()[1], "none", "", "", timeout=0.3)
        with pytest.raises(DeliveryError) as caught:
            transport.deliver(SENDER, ["client@example.com"], raw_mail())
    assert caught.value.permanent is False


def test_no_recipients_is_permanent(server: Server) -> None:
    """A mail without recipients cannot ever be delivered."""
    with pytest.raises(DeliveryError) as caught:
        smtp(server.port).deliver(SENDER, [], raw_mail())
    assert caught.value.permanent is True


def test_login_over_plain_connection() -> None:
    """With a username the transport logs in (AUTH) before sending."""
    options = {"authenticator": authenticator, "auth_require_tls": False}
    with Server(**options) as running:
        smtp(running.port, username=USER, password=PASSWORD).deliver(
            SENDER, ["client@example.com"], raw_mail()
        )
        [received] = running.handler.received
    assert received.login == USER.encode()


def test_wrong_password_is_temporary() -> None:
    """A refused login is the relay's configuration, not this mail's fault: temporary."""
    options = {"authenticator": authenticator, "auth_require_tls": False}
    with Server(**options) as running:
        with pytest.raises(DeliveryError, match="535") as caught:
            smtp(running.port, username=USER, password="wrong").deliver(
                SENDER, ["client@example.com"], raw_mail()
            )
        assert running.handler.received == []
    assert caught.value.permanent is False


def test_starttls_then_login(certificate: Certificate) -> None:
    """security="starttls" upgrades the connection, then logs in, then sends."""
    options = {
        "tls_context": certificate.server_context(),
        "require_starttls": True,
        "authenticator": authenticator,
        "auth_required": True,
    }
    with Server(**options) as running:
        transport = smtp(
            running.port,
            "starttls",
            username=USER,
            password=PASSWORD,
            ssl_context=certificate.client_context(),
        )
        transport.deliver(SENDER, ["client@example.com"], raw_mail())
        [received] = running.handler.received
    assert received.tls is True
    assert received.login == USER.encode()


def test_implicit_tls(certificate: Certificate) -> None:
    """security="tls" speaks SMTP inside TLS from the first byte."""
    with Server(ssl_context=certificate.server_context()) as running:
        transport = smtp(running.port, "tls", ssl_context=certificate.client_context())
        transport.deliver(SENDER, ["client@example.com"], raw_mail())
        [received] = running.handler.received
    assert received.tls is True


def test_untrusted_certificate_is_temporary(certificate: Certificate) -> None:
    """A certificate the system does not trust stops delivery, as a temporary error."""
    with Server(tls_context=certificate.server_context(), require_starttls=True) as running:
        with pytest.raises(DeliveryError) as caught:
            smtp(running.port, "starttls").deliver(SENDER, ["client@example.com"], raw_mail())
        assert running.handler.received == []
    assert caught.value.permanent is False


def test_non_ascii_address_uses_smtputf8() -> None:
    """A non-ASCII recipient is sent with SMTPUTF8 when the relay offers it."""
    with Server(enable_SMTPUTF8=True) as running:
        smtp(running.port).deliver(SENDER, ["иван@пример.рф"], raw_mail())
        [received] = running.handler.received
    assert received.rcpt_tos == ["иван@пример.рф"]


def test_non_ascii_address_without_smtputf8_is_permanent() -> None:
    """Without SMTPUTF8 at the relay, a non-ASCII address can never be delivered."""
    with Server(enable_SMTPUTF8=False) as running:
        with pytest.raises(DeliveryError, match="SMTPUTF8") as caught:
            smtp(running.port).deliver(SENDER, ["иван@пример.рф"], raw_mail())
        assert running.handler.received == []
    assert caught.value.permanent is True


def test_folder_transport_writes_one_file_per_message_id(tmp_path: Path) -> None:
    """The mail lands in <folder>/<message-id>.eml; delivering it again replaces that file."""
    folder = tmp_path / "var" / "outbox"
    raw = raw_mail()
    transport = FolderTransport(folder)
    transport.deliver(SENDER, ["client@example.com"], raw)
    transport.deliver(SENDER, ["client@example.com"], raw)
    [written] = list(folder.iterdir())
    message_id = email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
    assert written.name == message_id.strip("<>") + ".eml"
    assert written.read_bytes() == raw


def test_folder_transport_keeps_distinct_mails_apart(tmp_path: Path) -> None:
    """Two mails make two files, and no temporary file is left behind."""
    transport = FolderTransport(tmp_path)
    transport.deliver(SENDER, ["a@example.com"], raw_mail("a@example.com"))
    transport.deliver(SENDER, ["b@example.com"], raw_mail("b@example.com"))
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 2
    assert all(name.endswith(".eml") and not name.startswith(".") for name in names)


def test_file_name_is_safe_for_hostile_message_ids() -> None:
    """A Message-ID with path characters gives a plain file name that stays in the folder."""
    hostile = b"Message-ID: <../../etc/passwd@x>\r\nSubject: x\r\n\r\nbody\r\n"
    other = b"Message-ID: <.._.._etc_passwd@x>\r\nSubject: x\r\n\r\nbody\r\n"
    name = file_name(hostile)
    assert "/" not in name
    assert not name.startswith(".")
    assert name != file_name(other)


def test_file_name_without_message_id_is_stable() -> None:
    """A mail without a Message-ID is named by its content, so a retry overwrites it."""
    raw = b"Subject: x\r\n\r\nbody\r\n"
    assert file_name(raw) == file_name(raw)
    assert file_name(raw) != file_name(raw + b"more")


def test_folder_that_cannot_be_created_is_temporary(tmp_path: Path) -> None:
    """A folder path blocked by a file is a temporary DeliveryError, not a crash."""
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    with pytest.raises(DeliveryError) as caught:
        FolderTransport(blocker / "sub").deliver(SENDER, ["a@example.com"], raw_mail())
    assert caught.value.permanent is False


@dataclass
class SlowRelay:
    """Answers each of RCPT and DATA after `pause` seconds; notes when it took a mail and
    when it was told QUIT."""

    pause: float
    happened: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        await asyncio.sleep(self.pause)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.pause)
        self.happened.append("taken")
        return "250 OK"

    async def handle_QUIT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.happened.append("quit")
        return "221 Bye"


def slow_relay(pause: float) -> tuple[SlowRelay, Controller, int]:
    handler = SlowRelay(pause)
    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    return handler, controller, port


def test_one_smtp_transaction_ends_within_the_timeout_however_the_relay_dawdles() -> None:
    """Each answer comes within the timeout, but together they do not: the transaction is
    given up (temporary) when the timeout ends, not after one timeout per answer, so the
    sender's longer lease always outlasts it."""
    handler, controller, port = slow_relay(0.5)
    try:
        transport = SmtpTransport(HOST, port, "none", "", "", timeout=0.8)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match=r"did not end within 0\.8 s") as caught:
            transport.deliver(SENDER, ["client@example.com"], raw_mail())
        elapsed = time.monotonic() - started
    finally:
        controller.stop()
    assert caught.value.permanent is False
    assert 0.8 <= elapsed < 1.3
    assert handler.happened == []


def test_the_mail_is_recorded_taken_before_the_connection_is_closed() -> None:
    """`accepted` runs once the relay said 250 to the mail and before QUIT, so a sender
    records it sent without waiting on the relay's goodbye."""
    handler, controller, port = slow_relay(0)
    try:
        transport = SmtpTransport(HOST, port, "none", "", "", timeout=5)
        transport.deliver(
            SENDER,
            ["client@example.com"],
            raw_mail(),
            accepted=lambda: handler.happened.append("recorded"),
        )
        wait_for(lambda: "quit" in handler.happened, what="QUIT")
    finally:
        controller.stop()
    assert handler.happened == ["taken", "recorded", "quit"]


def test_a_failing_record_still_closes_the_connection_and_propagates() -> None:
    """An error while recording the 250 (the database gone) is not a delivery error: it
    propagates as it is, after the connection is closed politely."""
    handler, controller, port = slow_relay(0)

    def broken() -> None:
        raise RuntimeError("database gone")

    try:
        transport = SmtpTransport(HOST, port, "none", "", "", timeout=5)
        with pytest.raises(RuntimeError, match="database gone"):
            transport.deliver(SENDER, ["client@example.com"], raw_mail(), accepted=broken)
        wait_for(lambda: "quit" in handler.happened, what="QUIT")
    finally:
        controller.stop()
    assert handler.happened == ["taken", "quit"]
