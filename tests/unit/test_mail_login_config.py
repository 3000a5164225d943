"""`imap.auth` and `smtp_outgoing.auth`: each OAuth2 key a provider needs is asked for by name,
and the presets fill in the token endpoint and scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import ConfigError
from mailbot.config.loading import read_config
from mailbot.oauth import OAuthSettings


def problems(environ: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        read_config(environ=environ)
    return caught.value.problems


def test_password_stays_the_default() -> None:
    config = read_config(environ={}).config
    assert (config.imap.auth, config.smtp_outgoing.auth) == ("password", "password")


def test_oauth2_without_client_id_or_token_url_names_both_keys() -> None:
    assert problems({"MAILBOT_IMAP__AUTH": "oauth2"}) == (
        'imap.token_url (default): is required for auth = "oauth2" with provider = "generic"',
        'imap.client_id (default): is required for auth = "oauth2"',
    )


def test_microsoft_needs_a_secret_and_a_tenant() -> None:
    found = problems(
        {
            "MAILBOT_SMTP_OUTGOING__AUTH": "oauth2",
            "MAILBOT_SMTP_OUTGOING__PROVIDER": "microsoft",
            "MAILBOT_SMTP_OUTGOING__CLIENT_ID": "app",
            "MAILBOT_SMTP_OUTGOING__USERNAME": "orders@desk.example",
        }
    )
    assert [problem.split(" ")[0] for problem in found] == [
        "smtp_outgoing.client_secret",
        "smtp_outgoing.tenant",
    ]


def test_microsoft_takes_a_certificate_instead_of_a_secret(tmp_path: Path) -> None:
    """A certificate file stands for the secret; the file's path is taken from the
    configuration's folder like every other path."""
    environ = {
        "MAILBOT_IMAP__AUTH": "oauth2",
        "MAILBOT_IMAP__PROVIDER": "microsoft",
        "MAILBOT_IMAP__TENANT": "contoso.onmicrosoft.com",
        "MAILBOT_IMAP__CLIENT_ID": "app",
        "MAILBOT_IMAP__USERNAME": "orders@desk.example",
        "MAILBOT_IMAP__CLIENT_CERTIFICATE_FILE": "app.pem",
        "MAILBOT_HOME": str(tmp_path),
    }
    imap = read_config(environ=environ).config.imap
    assert (imap.client_secret, imap.client_certificate_file) == ("", str(tmp_path / "app.pem"))


def test_google_needs_a_refresh_token_and_oauth2_a_mailbox() -> None:
    found = problems(
        {
            "MAILBOT_SMTP_OUTGOING__AUTH": "oauth2",
            "MAILBOT_SMTP_OUTGOING__PROVIDER": "google",
            "MAILBOT_SMTP_OUTGOING__CLIENT_ID": "app",
            "MAILBOT_SMTP_OUTGOING__CLIENT_SECRET": "s",
        }
    )
    assert found == ('smtp_outgoing.refresh_token (default): is required for provider = "google"',)
    environ = {
        "MAILBOT_SMTP_OUTGOING__AUTH": "oauth2",
        "MAILBOT_SMTP_OUTGOING__TOKEN_URL": "https://idp.example/token",
        "MAILBOT_SMTP_OUTGOING__CLIENT_ID": "app",
    }
    assert "needs the mailbox's address" in problems(environ)[0]


def test_a_token_url_must_be_http() -> None:
    environ = {"MAILBOT_IMAP__TOKEN_URL": "idp.example/token"}
    assert problems(environ) == (
        "imap.token_url (from MAILBOT_IMAP__TOKEN_URL): must be an https:// URL",
    )


def test_presets_fill_in_the_endpoint_and_scopes() -> None:
    """Microsoft 365 is app-only (client credentials) for a tenant; Google uses the refresh
    token; secrets come from the environment like any key."""
    environ = {
        "MAILBOT_IMAP__AUTH": "oauth2",
        "MAILBOT_IMAP__PROVIDER": "microsoft",
        "MAILBOT_IMAP__TENANT": "contoso.onmicrosoft.com",
        "MAILBOT_IMAP__CLIENT_ID": "app",
        "MAILBOT_IMAP__CLIENT_SECRET": "from-the-environment",
        "MAILBOT_SMTP_OUTGOING__AUTH": "oauth2",
        "MAILBOT_SMTP_OUTGOING__PROVIDER": "google",
        "MAILBOT_SMTP_OUTGOING__USERNAME": "orders@desk.example",
        "MAILBOT_SMTP_OUTGOING__CLIENT_ID": "app",
        "MAILBOT_SMTP_OUTGOING__CLIENT_SECRET": "s",
        "MAILBOT_SMTP_OUTGOING__REFRESH_TOKEN": "r",
    }
    config = read_config(environ=environ).config
    assert OAuthSettings.of(config.imap, "imap") == OAuthSettings(
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        "app",
        "from-the-environment",
        ("https://outlook.office365.com/.default",),
        "",
    )
    google = OAuthSettings.of(config.smtp_outgoing, "smtp_outgoing")
    assert (google.token_url, google.scopes, google.refresh_token) == (
        "https://oauth2.googleapis.com/token",
        ("https://mail.google.com/",),
        "r",
    )
