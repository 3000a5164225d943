"""The IMAP poller logging in with OAuth2 to a real Dovecot whose oauth2 passdb asks a small
authorisation server on loopback whether each token is active."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mailbot.bootstrap import App
from mailbot.config import ImapConfig
from mailbot.ingress.imap import ImapPoller
from mailbot.ingress.imap_folders import FolderPositions
from mailbot.oauth import AccessTokens, OAuthSettings
from tests.dovecot import HOST, USERNAME, Dovecot
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, AuthServer
from tests.servers import wait_for

# Storage is not what these tests are about: SQLite is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

WAIT = 15.0


def message(number: int) -> bytes:
    return (
        f"From: buyer@partner.example\r\nTo: orders@distributor.example\r\n"
        f"Subject: order {number}\r\nMessage-ID: <{number}@oauth.example>\r\n\r\nABC-1 x 1\r\n"
    ).encode()


@pytest.fixture
def oauth_dovecot(dovecots: Callable[..., Dovecot], auth_server: AuthServer) -> Dovecot:
    return dovecots(introspection_url=auth_server.introspection_url)


def oauth_config(server: Dovecot, auth: AuthServer, **changes: object) -> ImapConfig:
    values: dict[str, object] = {
        "enabled": True,
        "host": HOST,
        "port": server.port,
        "security": "none",
        "username": USERNAME,
        "auth": "oauth2",
        "provider": "generic",
        "token_url": auth.token_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": ["imap"],
        "poll_seconds": 1,
    }
    return ImapConfig.model_validate(values | changes)


Poll = Callable[..., ImapPoller]


@pytest.fixture
def poll(app: App, oauth_dovecot: Dovecot, auth_server: AuthServer) -> Iterator[Poll]:
    """Starts OAuth2 pollers on the Dovecot; stops them after the test."""
    started: list[ImapPoller] = []

    def start(tokens: AccessTokens | None = None, **changes: object) -> ImapPoller:
        poller = ImapPoller(
            lambda raw: app.store(raw, "imap"),
            FolderPositions(app.uow, app.clock),
            oauth_config(oauth_dovecot, auth_server, **changes),
            max_message_bytes=10**6,
            first_retry_seconds=0.1,
            max_retry_seconds=0.5,
            tokens=tokens,
        )
        poller.start()
        started.append(poller)
        return poller

    yield start
    for poller in started:
        poller.stop()


def append(server: Dovecot, raw: bytes) -> None:
    """Deliver a message on a connection of its own (a kick would end a kept one too)."""
    client = server.client()
    try:
        client.append("INBOX", raw)
    finally:
        client.logout()


def stored(app: App, count: int) -> bool:
    from tests.integration.test_imap import inbox_count

    return inbox_count(app) == count


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


def tokens_for(auth: AuthServer, **options: Any) -> AccessTokens:
    settings = OAuthSettings(auth.token_url, CLIENT_ID, CLIENT_SECRET, ("imap",), "")
    return AccessTokens(settings, what="test", **options)


def test_the_poller_logs_in_with_a_fresh_token_and_reads_the_folder(
    app: App, oauth_dovecot: Dovecot, auth_server: AuthServer, poll: Poll
) -> None:
    """One token from the client credentials grant opens the mailbox; mail is stored."""
    append(oauth_dovecot, message(1))
    poll()
    wait_for(lambda: stored(app, 1), WAIT, "the message to be stored")
    assert [issued.grant for issued in auth_server.issued] == ["client_credentials"]
    assert "method=XOAUTH2" in oauth_dovecot.log()


def test_a_server_that_offers_only_oauthbearer_gets_it(
    app: App, dovecots: Callable[..., Dovecot], auth_server: AuthServer
) -> None:
    """Without AUTH=XOAUTH2 among the server's capabilities, the login is OAUTHBEARER."""
    server = dovecots(
        introspection_url=auth_server.introspection_url, oauth_mechanisms="oauthbearer"
    )
    append(server, message(5))
    poller = ImapPoller(
        lambda raw: app.store(raw, "imap"),
        FolderPositions(app.uow, app.clock),
        oauth_config(server, auth_server),
        max_message_bytes=10**6,
    )
    poller.start()
    try:
        wait_for(lambda: stored(app, 1), WAIT, "the message to be stored")
    finally:
        poller.stop()
    assert "method=OAUTHBEARER" in server.log()


def test_a_token_that_expires_during_idle_is_renewed_for_the_next_session(
    app: App,
    oauth_dovecot: Dovecot,
    auth_server: AuthServer,
    poll: Poll,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The token expires while the poller idles and the server then ends the session: the
    poller logs in again with a new token (not the expired one) and goes on reading."""
    caplog.set_level(logging.INFO, "mailbot")
    auth_server.lifetime = 2.0
    poll()
    wait_for(lambda: logged(caplog, "IDLE"), WAIT, "the poller to idle")
    first = auth_server.tokens()[0]
    wait_for(lambda: not auth_server.active(first), WAIT, "the token to expire")
    oauth_dovecot.kick()
    wait_for(lambda: logged(caplog, "reconnected to"), WAIT, "the poller to log in again")
    append(oauth_dovecot, message(2))
    wait_for(lambda: stored(app, 1), WAIT, "the message to be stored")
    assert len(auth_server.tokens()) >= 2
    assert not logged(caplog, "refused the access token")  # renewed before, not after, a refusal


def test_a_revoked_token_is_refused_and_renewed_once(
    app: App,
    oauth_dovecot: Dovecot,
    auth_server: AuthServer,
    poll: Poll,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token revoked mid-session, still fresh by its expiry, is refused at the next login:
    the poller asks for a new one at once and logs in with it."""
    caplog.set_level(logging.INFO, "mailbot")
    poll()
    wait_for(lambda: logged(caplog, "connected to"), WAIT, "the poller to log in")
    auth_server.revoke_all()
    oauth_dovecot.kick()
    wait_for(lambda: logged(caplog, "reconnected to"), WAIT, "the poller to log in again")
    assert logged(caplog, "refused the access token")
    assert len(auth_server.tokens()) == 2
    append(oauth_dovecot, message(3))
    wait_for(lambda: stored(app, 1), WAIT, "the message to be stored")


def test_a_failing_token_endpoint_is_logged_retried_and_the_poller_keeps_running(
    app: App,
    oauth_dovecot: Dovecot,
    auth_server: AuthServer,
    poll: Poll,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While the provider refuses, each try is logged with its reason and the next one waits
    longer; once it gives a token the poller logs in and reads the mail that waited."""
    caplog.set_level(logging.INFO, "mailbot")
    auth_server.refusing = "temporarily_unavailable"
    append(oauth_dovecot, message(4))
    poller = poll(tokens_for(auth_server, first_retry_seconds=0.1, max_retry_seconds=0.4))
    reason = "refused: temporarily_unavailable refused by the test"

    def refusals() -> list[object]:
        """The pause logged after each refusal that gives the provider's reason."""
        lines = [r for r in caplog.records if "asking again" in r.getMessage()]
        return [r.args[-1] for r in lines if reason in r.getMessage() and isinstance(r.args, tuple)]

    wait_for(lambda: len(refusals()) >= 3, WAIT, "three refused tries")
    assert refusals()[:3] == [0.1, 0.2, 0.4]
    assert poller._thread is not None
    assert poller._thread.is_alive()
    assert logged(caplog, "cannot connect to")
    auth_server.refusing = ""
    wait_for(lambda: stored(app, 1), WAIT, "the message to be stored")
