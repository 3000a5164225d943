"""The listener's LMTP mode, STARTTLS, AUTH and limits: real aiosmtpd, smtplib clients."""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.config import Config, ConfigError
from mailbot.ingress.group_commit import GroupCommit
from mailbot.ingress.smtp import SmtpIngress
from mailbot.ingress.smtp_server import server_tls_context
from mailbot.storage.models import InboundMessage
from tests.dovecot import trusting
from tests.integration.test_smtp_ingress import (
    HOST,
    LIMIT,
    ORDERS,
    SENDER,
    WAIT,
    FailingOnceStore,
    ListenWith,
    RecordingStore,
    listeners,
    message,
    padding,
)
from tests.servers import wait_for

SALES = "sales@distributor.example"
BILLING = "billing@distributor.example"
USERS = {"relay": "s3cret-relay"}
STORED = (250, b"2.0.0 OK: stored")

Listen = ListenWith


@pytest.fixture
def listen() -> Iterator[Listen]:
    """Listeners for ORDERS, SALES, BILLING, stopped after the test."""
    yield from listeners([ORDERS, SALES, BILLING])


@pytest.fixture
def tls(certificate: Path) -> ssl.SSLContext:
    """The listener's server context, with the test certificate."""
    return server_tls_context(str(certificate), str(certificate.with_suffix(".key")))


def connect(ingress: SmtpIngress, source: str = HOST) -> smtplib.SMTP:
    return smtplib.SMTP(
        HOST, ingress.port, local_hostname="client.test", timeout=WAIT, source_address=(source, 0)
    )


def lmtp(ingress: SmtpIngress) -> smtplib.LMTP:
    client = smtplib.LMTP(local_hostname="client.test", timeout=WAIT)
    client.connect(HOST, ingress.port)
    return client


def secured(ingress: SmtpIngress, certificate: Path) -> smtplib.SMTP:
    """A client that has said EHLO, STARTTLS (trusting the test certificate) and EHLO again."""
    client = connect(ingress)
    client.starttls(context=trusting(certificate))
    client.ehlo()
    return client


def test_lmtp_answers_once_per_recipient_after_data(listen: Listen) -> None:
    """In LMTP mode LHLO announces SIZE, and DATA gets one reply per accepted recipient."""
    store = RecordingStore()
    ingress = listen(store, mode="lmtp")
    with lmtp(ingress) as client:
        assert client.ehlo()[0] == 250
        assert client.esmtp_features["size"] == str(LIMIT)
        client.mail(SENDER)
        for recipient in (ORDERS, SALES):
            assert client.rcpt(recipient)[0] == 250

        assert client.data(message(1)) == STORED
        assert client.getreply() == STORED
        # Nothing else is owed: the next command gets its own reply.
        assert client.noop() == (250, b"OK")
    assert store.messages == [message(1)]


def test_lmtp_refuses_smtp_greetings(listen: Listen) -> None:
    """An LMTP listener answers EHLO with 500: a client must say LHLO."""
    ingress = listen(RecordingStore(), mode="lmtp")
    with connect(ingress) as client:
        assert client.ehlo()[0] == 500


def test_lmtp_store_failure_answers_451_per_recipient(listen: Listen) -> None:
    """When the store fails, each LMTP recipient gets 451, and the next message is stored."""
    store = FailingOnceStore()
    ingress = listen(store, mode="lmtp")
    with lmtp(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(ORDERS)
        client.rcpt(SALES)

        failed = (451, b"4.3.0 Temporary failure, try again later")
        assert client.data(message(1)) == failed
        assert client.getreply() == failed
        assert client.sendmail(SENDER, [ORDERS], message(2)) == {}
    assert store.messages == [message(2)]


def test_lmtp_oversize_data_answers_552_per_recipient(listen: Listen) -> None:
    """DATA over the size limit gets 552 once for each LMTP recipient, and nothing is stored."""
    store = RecordingStore()
    ingress = listen(store, mode="lmtp")
    with lmtp(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(ORDERS)
        client.rcpt(SALES)

        assert client.data(message(1, padding(LIMIT)))[0] == 552
        assert client.getreply()[0] == 552
        assert client.noop() == (250, b"OK")
    assert store.messages == []


@pytest.mark.parametrize("mode", ["smtp", "lmtp"])
def test_configured_listener_commits_to_the_database(config: Config, app: App, mode: str) -> None:
    """`App.smtp_ingress` builds the listener from [smtp_ingress]; 250 comes after the commit."""
    settings = config.smtp_ingress.model_copy(update={"mode": mode, "host": HOST})
    app.config = config.model_copy(update={"smtp_ingress": settings})
    stored: list[int] = []
    ingress = app.smtp_ingress(lambda raw: stored.append(app.store(raw, "smtp").id))
    ingress.start()
    try:
        client = lmtp(ingress) if mode == "lmtp" else connect(ingress)
        with client:
            assert client.sendmail(SENDER, [ORDERS], message(1)) == {}
        with app.uow() as uow:
            rows = list(uow.session.scalars(select(InboundMessage.raw)))
    finally:
        ingress.stop()
    assert rows == [message(1)]
    assert len(stored) == 1


def test_concurrent_connections_through_the_group_commit_store_every_message(app: App) -> None:
    """Eight connections sending at once through the group commit of `mailbot run`: every
    message is answered 250 and stored exactly once."""
    ingress = app.smtp_ingress(GroupCommit(lambda raws: app.store_many(raws, "smtp")))
    ingress.start()
    start = threading.Barrier(8)

    def client(first: int) -> None:
        with connect(ingress) as smtp:
            start.wait(WAIT)
            for number in range(first, first + 5):
                assert smtp.sendmail(SENDER, [ORDERS], message(number)) == {}

    try:
        with ThreadPoolExecutor(max_workers=8) as threads:
            for done in [threads.submit(client, first) for first in range(0, 40, 5)]:
                done.result(WAIT)
    finally:
        ingress.stop()
    with app.uow() as uow:
        rows = sorted(uow.session.scalars(select(InboundMessage.raw)))
    assert rows == sorted(message(number) for number in range(40))


def test_starttls_with_the_configured_certificate(
    listen: Listen, tls: ssl.SSLContext, certificate: Path
) -> None:
    """EHLO offers STARTTLS; after it the certificate checks out and mail is stored."""
    store = RecordingStore()
    ingress = listen(store, tls_context=tls)
    with connect(ingress) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        client.starttls(context=trusting(certificate))
        client.ehlo()

        assert isinstance(client.sock, ssl.SSLSocket)
        assert not client.has_extn("starttls")
        assert client.sendmail(SENDER, [ORDERS], message(1)) == {}
    assert store.messages == [message(1)]


def test_require_tls_refuses_mail_before_starttls(
    listen: Listen, tls: ssl.SSLContext, certificate: Path
) -> None:
    """With require_tls, MAIL before STARTTLS gets 530; after STARTTLS mail is stored."""
    store = RecordingStore()
    ingress = listen(store, tls_context=tls, require_tls=True)
    with connect(ingress) as client:
        client.ehlo()
        assert client.mail(SENDER) == (530, b"Must issue a STARTTLS command first")
    with secured(ingress, certificate) as client:
        assert client.sendmail(SENDER, [ORDERS], message(1)) == {}
    assert store.messages == [message(1)]


@pytest.mark.parametrize("key", ["tls_cert_file", "tls_key_file"])
def test_unreadable_certificate_is_a_config_error_naming_the_key(
    config: Config, app: App, certificate: Path, tmp_path: Path, key: str
) -> None:
    """A certificate or key file that cannot be read stops the listener's start with its key."""
    files = {
        "tls_cert_file": str(certificate),
        "tls_key_file": str(certificate.with_suffix(".key")),
    }
    files[key] = str(tmp_path / "missing.pem")
    settings = config.smtp_ingress.model_copy(update=files)
    app.config = config.model_copy(update={"smtp_ingress": settings})

    with pytest.raises(ConfigError, match=rf"smtp_ingress\.{key}: cannot read .*missing\.pem"):
        app.smtp_ingress(RecordingStore())


def test_a_key_that_does_not_match_is_a_config_error(certificate: Path, tmp_path: Path) -> None:
    """A file that is no certificate and key is refused with both keys named."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")

    with pytest.raises(ConfigError, match=r"smtp_ingress\.tls_cert_file, tls_key_file"):
        server_tls_context(str(junk), str(certificate.with_suffix(".key")))


def test_auth_offered_only_after_starttls(
    listen: Listen, tls: ssl.SSLContext, certificate: Path
) -> None:
    """AUTH is not offered on a plain connection, only once STARTTLS has secured it."""
    ingress = listen(RecordingStore(), tls_context=tls, auth_users=USERS)
    with connect(ingress) as client:
        client.ehlo()
        assert not client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN")[0] == 538
    with secured(ingress, certificate) as client:
        assert client.esmtp_features["auth"].split() == ["LOGIN", "PLAIN"]


def test_good_login_then_mail_stored(
    listen: Listen, tls: ssl.SSLContext, certificate: Path
) -> None:
    """A relay that logs in with a configured user and password can send when AUTH is required."""
    store = RecordingStore()
    ingress = listen(store, tls_context=tls, auth_users=USERS, auth_required=True)
    with secured(ingress, certificate) as client:
        assert client.login("relay", USERS["relay"]) == (
            235,
            b"2.7.0 Authentication successful",
        )
        assert client.sendmail(SENDER, [ORDERS], message(1)) == {}
    assert store.messages == [message(1)]


@pytest.mark.parametrize(("user", "password"), [("relay", "wrong"), ("stranger", "s3cret-relay")])
def test_bad_login_refused_with_535(
    listen: Listen, tls: ssl.SSLContext, certificate: Path, user: str, password: str
) -> None:
    """A wrong password or an unknown user gets 535, and mail is still refused after it."""
    store = RecordingStore()
    ingress = listen(store, tls_context=tls, auth_users=USERS, auth_required=True)
    with secured(ingress, certificate) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login(user, password)
        assert refused.value.smtp_code == 535
        assert client.mail(SENDER)[0] == 530
    assert store.messages == []


def test_mail_without_auth_refused_with_530_when_required(
    listen: Listen, tls: ssl.SSLContext, certificate: Path
) -> None:
    """With auth_required, MAIL before AUTH gets 530, even over TLS."""
    store = RecordingStore()
    ingress = listen(store, tls_context=tls, auth_users=USERS, auth_required=True)
    with secured(ingress, certificate) as client:
        assert client.mail(SENDER) == (530, b"5.7.0 Authentication required")
    assert store.messages == []


# aiosmtpd warns about exactly what this test sets up on purpose.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_without_tls_when_explicitly_allowed(listen: Listen) -> None:
    """auth_allow_plaintext offers AUTH on a plain connection (a trusted network only)."""
    store = RecordingStore()
    ingress = listen(store, auth_users=USERS, auth_required=True, auth_allow_plaintext=True)
    with connect(ingress) as client:
        client.ehlo()
        assert client.has_extn("auth")
        client.login("relay", USERS["relay"])
        assert client.sendmail(SENDER, [ORDERS], message(1)) == {}
    assert store.messages == [message(1)]


def test_auth_not_offered_without_users(
    listen: Listen, tls: ssl.SSLContext, certificate: Path
) -> None:
    """Without auth_users no AUTH is offered, even over TLS."""
    ingress = listen(RecordingStore(), tls_context=tls)
    with secured(ingress, certificate) as client:
        assert not client.has_extn("auth")


def test_recipients_over_the_limit_get_452(listen: Listen) -> None:
    """Beyond max_recipients accepted recipients, RCPT gets 452; the rest is stored once."""
    store = RecordingStore()
    ingress = listen(store, max_recipients=2)
    with connect(ingress) as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt(ORDERS)[0] == 250
        # A refused recipient does not count against the limit.
        assert client.rcpt("nobody@distributor.example")[0] == 550
        assert client.rcpt(SALES)[0] == 250
        assert client.rcpt(BILLING) == (452, b"4.5.3 Too many recipients")

        assert client.data(message(1)) == STORED
    assert store.messages == [message(1)]


def test_connections_over_the_limit_per_client_get_421(listen: Listen) -> None:
    """A client address holding max_connections_per_client gets 421 on one more; others do not,
    and a closed connection frees its slot."""
    store = RecordingStore()
    ingress = listen(store, max_connections_per_client=2)
    first, second = connect(ingress), connect(ingress)
    try:
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            connect(ingress)
        assert refused.value.smtp_code == 421
        assert b"Too many connections" in refused.value.smtp_error
        # Another address (all of 127/8 is loopback) has slots of its own.
        with connect(ingress, source="127.0.0.2") as other:
            assert other.sendmail(SENDER, [ORDERS], message(1)) == {}
        # The two open connections still work.
        assert first.sendmail(SENDER, [ORDERS], message(2)) == {}
        assert second.noop()[0] == 250
    finally:
        second.quit()

    def third_accepted() -> bool:
        try:
            with connect(ingress) as third:
                return third.sendmail(SENDER, [ORDERS], message(3)) == {}
        except smtplib.SMTPConnectError:
            return False  # the server has not seen the close yet

    wait_for(third_accepted, WAIT, "a freed slot")
    first.quit()
    assert store.messages == [message(1), message(2), message(3)]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"require_tls": True}, "require_tls needs a TLS context"),
        ({"auth_required": True}, "auth_required needs auth_users"),
        ({"max_recipients": 0}, "max_recipients"),
        ({"max_connections_per_client": 0}, "max_connections_per_client"),
    ],
)
def test_settings_that_cannot_work_are_refused(options: dict[str, object], named: str) -> None:
    """A listener is not built with TLS required but no certificate, AUTH required but no
    users, or limits below one."""
    settings: dict[str, object] = {
        "host": HOST,
        "port": 0,
        "recipients": [ORDERS],
        "max_message_bytes": LIMIT,
    }
    with pytest.raises(ValueError, match=named):
        SmtpIngress(RecordingStore(), **(settings | options))  # type: ignore[arg-type]
