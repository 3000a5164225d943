"""`mailbot mailbox check` against a real Dovecot (OAuth2 through its oauth2 passdb, or a
password) and an aiosmtpd relay taking XOAUTH2: what it found, or exactly what failed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailbot.cli import main
from tests.dovecot import HOST, PASSWORD, USERNAME, Dovecot
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, AuthServer, OAuthRelay, running


@pytest.fixture
def oauth_dovecot(dovecots: Callable[..., Dovecot], auth_server: AuthServer) -> Dovecot:
    server = dovecots(introspection_url=auth_server.introspection_url)
    client = server.client()
    client.append("INBOX", b"From: a@b.example\r\nSubject: waiting\r\n\r\nhello\r\n")
    client.create_folder("Processed")
    client.logout()
    return server


@pytest.fixture
def relay(auth_server: AuthServer) -> Iterator[OAuthRelay]:
    with running(OAuthRelay(auth_server)) as started:
        yield started


def site(tmp_path: Path, imap: str, smtp: str = "") -> Path:
    path = tmp_path / "mailbot.toml"
    path.write_text(f"[imap]\n{imap}\n[smtp_outgoing]\n{smtp}\n", encoding="utf-8")
    return path


def oauth_keys(auth: AuthServer) -> str:
    """The OAuth2 keys but the secret, which comes from the environment."""
    return (
        f'auth = "oauth2"\nprovider = "generic"\ntoken_url = "{auth.token_url}"\n'
        f'client_id = "{CLIENT_ID}"\nscopes = ["mail"]\n'
    )


def check(config: Path, **environ: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "mailbox", "check"], env=environ)


def test_oauth2_logins_say_what_was_found(
    tmp_path: Path, oauth_dovecot: Dovecot, relay: OAuthRelay, auth_server: AuthServer
) -> None:
    """Both logins work with the secret from the environment: the folders, the message
    waiting, and that the relay takes mail; exit 0 and nothing sent."""
    imap = (
        f'enabled = true\nhost = "{HOST}"\nport = {oauth_dovecot.port}\nsecurity = "none"\n'
        f'username = "{USERNAME}"\n' + oauth_keys(auth_server)
    )
    smtp = f'host = "{HOST}"\nport = {relay.port}\nusername = "{USERNAME}"\n'
    result = check(
        site(tmp_path, imap, smtp + oauth_keys(auth_server)),
        MAILBOT_IMAP__CLIENT_SECRET=CLIENT_SECRET,
        MAILBOT_SMTP_OUTGOING__CLIENT_SECRET=CLIENT_SECRET,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"imap: logged in as {USERNAME} on {HOST}:{oauth_dovecot.port} (oauth2)",
        "imap: folders: INBOX, Processed",
        "imap: 1 message(s) waiting in INBOX",
        f"smtp: relay {HOST}:{relay.port} takes mail as {USERNAME} (oauth2)",
    ]
    assert relay.logins == [("XOAUTH2", USERNAME)]
    assert relay.received == []


def test_a_refused_client_is_named_with_the_providers_answer(
    tmp_path: Path, oauth_dovecot: Dovecot, relay: OAuthRelay, auth_server: AuthServer
) -> None:
    """A wrong secret: each part says the token endpoint refused, and why; exit 1."""
    imap = (
        f'enabled = true\nhost = "{HOST}"\nport = {oauth_dovecot.port}\nsecurity = "none"\n'
        f'username = "{USERNAME}"\n' + oauth_keys(auth_server)
    )
    smtp = f'host = "{HOST}"\nport = {relay.port}\nusername = "{USERNAME}"\n'
    result = check(
        site(tmp_path, imap, smtp + oauth_keys(auth_server)),
        MAILBOT_IMAP__CLIENT_SECRET="wrong",
        MAILBOT_SMTP_OUTGOING__CLIENT_SECRET="wrong",
    )
    assert result.exit_code == 1
    refused = f"token endpoint {auth_server.token_url} refused: invalid_client unknown client"
    said = [line for line in result.stderr.splitlines() if line.startswith("mailbot: ")]
    assert said == [
        f"mailbot: imap: cannot log in as {USERNAME} on {HOST}:{oauth_dovecot.port} (oauth2): "
        + refused,
        f"mailbot: smtp: cannot log in (oauth2): relay {HOST}:{relay.port}: {refused}",
    ]
    assert "wrong" not in result.output


def test_a_wrong_password_is_the_servers_refusal(tmp_path: Path, dovecot: Dovecot) -> None:
    """With the password method, the server's own answer is shown; a missing oauth2 key is a
    configuration error (exit 3) naming the key."""
    imap = (
        f'enabled = true\nhost = "{HOST}"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{USERNAME}"\npassword = "not-{PASSWORD}"\n'
    )
    result = check(site(tmp_path, imap))
    assert result.exit_code == 1
    assert "AUTHENTICATIONFAILED" in result.stderr
    assert "smtp: no relay" in result.stdout
    result = check(site(tmp_path, imap + 'auth = "oauth2"\ntoken_url = "https://idp.example/t"'))
    assert result.exit_code == 3
    assert "imap.client_id (" in result.stderr
    assert 'is required for auth = "oauth2"' in result.stderr
