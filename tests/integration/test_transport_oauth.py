"""Sending through an aiosmtpd relay that takes XOAUTH2 or OAUTHBEARER logins, with tokens from
the loopback authorisation server (tests/oauth_server.py)."""

from __future__ import annotations

import logging
from base64 import b64decode
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from mailbot.oauth import AccessTokens, OAuthSettings
from mailbot.outbound.transport import DeliveryError, SmtpTransport
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, USERNAME, AuthServer
from tests.servers import Relay, free_port

HOST = "127.0.0.1"
SENDER = "orders@distributor.example"
RAW = b"From: orders@distributor.example\r\nTo: client@example.com\r\nSubject: hi\r\n\r\nHello\r\n"


class OAuthRelay(Relay):
    """A relay that asks for a login and takes a token the authorisation server calls active."""

    def __init__(self, auth: AuthServer) -> None:
        super().__init__()
        self.auth = auth
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of each accepted login
        self.refused = 0

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._check(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._check(server, args, "OAUTHBEARER")

    async def _check(self, server: Any, args: list[str], mechanism: str) -> AuthResult:
        blob = b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        parts = blob.decode().split("\x01")
        fields = dict(part.split("=", 1) for part in parts if "=" in part)
        user = fields.get("user", "") if mechanism == "XOAUTH2" else parts[0].split(",")[1][2:]
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user == USERNAME and self.auth.active(token):
            self.logins.append((mechanism, user))
            return AuthResult(success=True, auth_data=user)
        self.refused += 1
        # RFC 7628: the error as a challenge; the client answers with an empty line.
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(success=False, handled=False)


@contextmanager
def running(relay: OAuthRelay, **options: Any) -> Iterator[OAuthRelay]:
    """The relay listening on a free port (AUTH required, plain text on loopback)."""
    relay.port = free_port()
    controller = Controller(
        relay, hostname=HOST, port=relay.port, auth_required=True, auth_require_tls=False, **options
    )
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()


@pytest.fixture
def relay(auth_server: AuthServer) -> Iterator[OAuthRelay]:
    with running(OAuthRelay(auth_server)) as started:
        yield started


def transport(relay: OAuthRelay, auth: AuthServer, **options: float) -> SmtpTransport:
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
