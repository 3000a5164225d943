"""Sending through an aiosmtpd relay that takes XOAUTH2 or OAUTHBEARER logins, with tokens from
the loopback authorisation server (tests/oauth_server.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from mailbot.bootstrap import bootstrap
from mailbot.config import Config
from mailbot.oauth import AccessTokens, OAuthSettings
from mailbot.outbound.transport import DeliveryError, SmtpTransport
from tests.fakes import FixedClock
from tests.integration.test_relay_outage import mail_now, queued_reply
from tests.oauth_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    USERNAME,
    AuthServer,
    OAuthRelay,
    running,
)
from tests.servers import wait_for

HOST = "127.0.0.1"
SENDER = "orders@distributor.example"
RAW = b"From: orders@distributor.example\r\nTo: client@example.com\r\nSubject: hi\r\n\r\nHello\r\n"


@pytest.fixture
def relay(auth_server: AuthServer) -> Iterator[OAuthRelay]:
    with running(OAuthRelay(auth_server)) as started:
        yield started


def transport(relay: OAuthRelay, auth: AuthServer, **options: Any) -> SmtpTransport:
    settings = OAuthSettings(auth.token_url, CLIENT_ID, CLIENT_SECRET, ("smtp",), "")
    tokens = AccessTokens(settings, what="SMTP test", **options)
    return SmtpTransport(HOST, relay.port, "none", USERNAME, "", timeout=10, tokens=tokens)


def test_a_mail_goes_with_a_fresh_token_and_the_token_is_kept(
    relay: OAuthRelay, auth_server: AuthServer
) -> None:
    """The first mail asks for a token and logs in with XOAUTH2; the second reuses it."""
    sending = transport(relay, auth_server)
    sending.deliver(SENDER, ["client@example.com"], RAW)
    sending.deliver(SENDER, ["client@example.com"], RAW)
    assert len(relay.wait_for_count(2)) == 2
    assert relay.logins == [("XOAUTH2", USERNAME)] * 2
    assert len(auth_server.tokens()) == 1


def test_a_relay_that_offers_only_oauthbearer_gets_it(auth_server: AuthServer) -> None:
    """Without XOAUTH2 among the relay's mechanisms, the login is OAUTHBEARER (RFC 7628)."""
    with running(OAuthRelay(auth_server), auth_exclude_mechanism=["XOAUTH2"]) as relay:
        transport(relay, auth_server).deliver(SENDER, ["client@example.com"], RAW)
    assert relay.logins == [("OAUTHBEARER", USERNAME)]


def test_check_logs_in_and_names_the_relays_refusal(
    relay: OAuthRelay, auth_server: AuthServer
) -> None:
    """`check` logs in and sends nothing; a login the relay refuses even with a new token
    (here: a mailbox the token is not for) is named with the relay's answer."""
    transport(relay, auth_server).check()
    assert relay.logins == [("XOAUTH2", USERNAME)]
    settings = OAuthSettings(auth_server.token_url, CLIENT_ID, CLIENT_SECRET, (), "")
    other = SmtpTransport(
        HOST, relay.port, "none", "someone-else", "", tokens=AccessTokens(settings, what="t")
    )
    with pytest.raises(DeliveryError, match=r"answered 535 5\.7\.8 Authentication credentials"):
        other.check()
    assert relay.refused == 2  # the token, then a renewed one
    assert relay.received == []


def test_a_revoked_token_is_renewed_once_and_the_mail_goes(
    relay: OAuthRelay, auth_server: AuthServer
) -> None:
    """The relay refuses a revoked token that is still fresh by its expiry: the transport asks
    for a new one and logs in again in the same transaction."""
    sending = transport(relay, auth_server)
    sending.deliver(SENDER, ["client@example.com"], RAW)
    auth_server.revoke_all()
    sending.deliver(SENDER, ["client@example.com"], RAW)
    assert len(relay.wait_for_count(2)) == 2
    assert relay.refused == 1
    assert len(auth_server.tokens()) == 2


def test_a_refused_token_request_is_a_temporary_failure_with_the_providers_reason(
    relay: OAuthRelay, auth_server: AuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    """While the provider refuses, the mail waits (temporary) and the error says why; the
    endpoint is not asked again before the pause, and the mail goes once it gives a token."""
    caplog.set_level(logging.WARNING, "mailbot.oauth")
    auth_server.refusing = "invalid_client"
    sending = transport(relay, auth_server, first_retry_seconds=60)
    with pytest.raises(DeliveryError, match="refused: invalid_client refused by the test") as first:
        sending.deliver(SENDER, ["client@example.com"], RAW)
    assert first.value.permanent is False
    with pytest.raises(DeliveryError, match="next try in") as second:
        sending.deliver(SENDER, ["client@example.com"], RAW)
    assert second.value.permanent is False
    logged = [r.getMessage() for r in caplog.records if r.name == "mailbot.oauth"]
    assert [line.count("invalid_client") for line in logged] == [1]  # asked once, not twice
    assert relay.received == []
    auth_server.refusing = ""
    transport(relay, auth_server).deliver(SENDER, ["client@example.com"], RAW)
    assert len(relay.wait_for_count(1)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_sender_keeps_a_reply_queued_while_no_token_can_be_had(
    config: Config,
    engine: Engine,
    clock: FixedClock,
    relay: OAuthRelay,
    auth_server: AuthServer,
) -> None:
    """While the provider refuses, the reply stays pending with the provider's reason (a
    temporary failure, as a relay that cannot be reached); once it gives tokens the reply goes."""
    outgoing = config.smtp_outgoing.model_copy(
        update={
            "host": HOST,
            "port": relay.port,
            "username": USERNAME,
            "timeout_seconds": 5,
            "auth": "oauth2",
            "token_url": auth_server.token_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    )
    app = bootstrap(
        config.model_copy(update={"smtp_outgoing": outgoing}), engine=engine, clock=clock
    )
    reply = queued_reply(app)
    auth_server.refusing = "temporarily_unavailable"
    assert app.sender.run_once() == 0
    waiting = mail_now(app, reply.id)
    assert waiting.status == "pending"
    assert "refused: temporarily_unavailable refused by the test" in (waiting.last_error or "")
    auth_server.refusing = ""

    def sent() -> bool:
        """One more try when it is due (the token cache may still be pausing: a real second)."""
        clock.advance(max(mail_now(app, reply.id).next_attempt_at - clock.now(), timedelta(0)))
        app.sender.run_once()
        return mail_now(app, reply.id).status == "sent"

    wait_for(sent, 15, "the reply to be sent")
    assert len(relay.wait_for_count(1)) == 1
