"""The token cache against the loopback authorisation server: kept until shortly before it
expires, renewed once after a refusal, and a failing endpoint asked again only after a pause."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mailbot.config import ConfigError
from mailbot.oauth import AccessTokens, Certificate, OAuthSettings, TokenError
from tests.oauth_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    AuthServer,
    make_certificate,
)


class Clock:
    """The cache's monotonic clock, turned by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache(auth: AuthServer, clock: Clock, refresh_token: str = "") -> AccessTokens:
    settings = OAuthSettings(auth.token_url, CLIENT_ID, CLIENT_SECRET, ("mail",), refresh_token)
    return AccessTokens(
        settings, what="test", leeway_seconds=300, first_retry_seconds=10, clock=clock
    )


def test_a_token_is_kept_and_renewed_before_it_expires(auth_server: AuthServer) -> None:
    """A token valid an hour is reused for 55 minutes, then a new one is fetched while the old
    one is still active: no login ever meets an expired token."""
    clock = Clock()
    tokens = cache(auth_server, clock)
    first = tokens.get()
    clock.now += 3299
    assert tokens.get() == first
    clock.now += 2
    second = tokens.get()
    assert second != first
    assert auth_server.active(first)  # renewed early, not late
    assert [issued.grant for issued in auth_server.issued] == ["client_credentials"] * 2


def test_a_short_lived_token_is_renewed_halfway(auth_server: AuthServer) -> None:
    """A token living less than the leeway is used for half its life."""
    auth_server.lifetime = 60
    clock = Clock()
    tokens = cache(auth_server, clock)
    first = tokens.get()
    clock.now += 29
    assert tokens.get() == first
    clock.now += 2
    assert tokens.get() != first


def test_the_refresh_token_grant_is_used_when_a_refresh_token_is_set(
    auth_server: AuthServer,
) -> None:
    tokens = cache(auth_server, Clock(), refresh_token=REFRESH_TOKEN)
    tokens.get()
    assert [issued.grant for issued in auth_server.issued] == ["refresh_token"]


def test_renewing_after_a_refusal_fetches_once_for_all_threads(auth_server: AuthServer) -> None:
    """Two logins refused with the same token lead to one new token, not two."""
    tokens = cache(auth_server, Clock())
    refused = tokens.get()
    fresh = tokens.renew(refused)
    assert tokens.renew(refused) == fresh
    assert len(auth_server.tokens()) == 2


def test_a_refusal_gives_the_providers_reason_and_the_next_try_waits(
    auth_server: AuthServer,
) -> None:
    """The error carries the provider's code and description; until the pause has passed the
    endpoint is not asked again; the pause doubles while refusals go on."""
    clock = Clock()
    tokens = cache(auth_server, clock, refresh_token="stale")
    with pytest.raises(TokenError, match="refused: invalid_grant bad refresh token"):
        tokens.get()
    clock.now += 9
    with pytest.raises(TokenError, match=r"next try in 1 s"):
        tokens.get()
    clock.now += 1
    with pytest.raises(TokenError, match="invalid_grant"):
        tokens.get()  # asked again: refused again, now for 20 s
    clock.now += 19
    with pytest.raises(TokenError, match=r"next try in 1 s"):
        tokens.get()
    assert auth_server.issued == []


def test_an_endpoint_that_cannot_be_reached_is_a_token_error(auth_server: AuthServer) -> None:
    settings = OAuthSettings("http://127.0.0.1:9/token", CLIENT_ID, CLIENT_SECRET, (), "")
    with pytest.raises(TokenError, match=r"token endpoint http://127.0.0.1:9/token: "):
        AccessTokens(settings, what="test", timeout_seconds=2).get()


def test_a_client_proves_itself_with_its_certificate_instead_of_a_secret(
    auth_server: AuthServer, tmp_path: Path
) -> None:
    """With `client_certificate_file` the token request carries an assertion signed with the
    certificate's key and naming its thumbprint (Microsoft's certificate credentials), and no
    secret; another certificate is refused with the provider's reason."""
    pem = tmp_path / "app.pem"
    auth_server.certificate = make_certificate(pem)
    settings = OAuthSettings(
        auth_server.token_url, CLIENT_ID, "", ("mail",), "", Certificate.read(str(pem), "k")
    )
    assert AccessTokens(settings, what="test").get() in auth_server.tokens()
    other = tmp_path / "other.pem"
    make_certificate(other)
    stranger = replace(settings, certificate=Certificate.read(str(other), "k"))
    with pytest.raises(TokenError, match="invalid_client"):
        AccessTokens(stranger, what="test").get()


def test_a_certificate_that_cannot_be_used_stops_mailbot_at_start(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a key")
    for path, why in ((tmp_path / "missing.pem", "cannot read"), (broken, "must hold")):
        with pytest.raises(ConfigError, match=f"imap.client_certificate_file: .*{why}"):
            Certificate.read(str(path), "imap.client_certificate_file")
