"""Configuration: the file, the environment, and errors that name the key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mailbot.config import Config, ConfigError, load_config

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def test_example_file_documents_the_defaults() -> None:
    """config.example.toml, read as it is, gives exactly the built-in defaults."""
    assert load_config(EXAMPLE, environ={}) == Config()


def test_no_file_gives_the_embedded_default() -> None:
    """Without --config or MAILBOT_CONFIG the embedded default (SQLite, local listener) applies."""
    config = load_config(environ={})
    assert config.storage.url.startswith("sqlite:///")
    assert config.smtp_ingress.host == "127.0.0.1"
    assert config.smtp_outgoing.host == ""


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """MAILBOT_SECTION__KEY wins over the file, with scalar and list values converted."""
    path = tmp_path / "mailbot.toml"
    path.write_text('[smtp_ingress]\nport = 2600\n[storage]\nurl = "sqlite:///a.db"\n')
    config = load_config(
        path,
        environ={
            "MAILBOT_SMTP_INGRESS__PORT": "2700",
            "MAILBOT_SMTP_INGRESS__RECIPIENTS": '["a@x.example", "b@x.example"]',
            "MAILBOT_IMAP__PASSWORD": "12345",
            "MAILBOT_PRICING__DEFAULT_MARKUP_PERCENT": "12.5",
        },
    )
    assert config.smtp_ingress.port == 2700
    assert config.smtp_ingress.recipients == ("a@x.example", "b@x.example")
    assert config.imap.password == "12345"
    assert config.pricing.default_markup_percent == Decimal("12.5")
    assert config.storage.url == "sqlite:///a.db"


def test_mailbot_config_variable_names_the_file(tmp_path: Path) -> None:
    """MAILBOT_CONFIG points at the file when --config is not given."""
    path = tmp_path / "other.toml"
    path.write_text('[scheduler]\ntimezone = "Europe/Moscow"\n')
    assert load_config(environ={"MAILBOT_CONFIG": str(path)}).scheduler.timezone == "Europe/Moscow"


@pytest.mark.parametrize(
    ("text", "environ", "named"),
    [
        ("[smtp_ingress]\nport = 'abc'\n", {}, "smtp_ingress.port"),
        ("[smtp_ingress]\nprot = 25\n", {}, "smtp_ingress.prot: unknown key"),
        ("[nonsense]\nx = 1\n", {}, "nonsense: unknown key"),
        ("", {"MAILBOT_SMTP_OUTGOING__SECURITY": "ssl"}, "smtp_outgoing.security"),
        ("", {"MAILBOT_SCHEDULER__TIMEZONE": "Mars/Olympus"}, "scheduler.timezone"),
        ("", {"MAILBOT_PRICING__CURRENCY": "EURO"}, "pricing.currency"),
        ("", {"MAILBOT_STORAGE__URL": "mysql://x"}, "storage.url"),
        ("", {"MAILBOT_PROCESSING__MAX_ATTEMPTS": "0"}, "processing.max_attempts"),
    ],
)
def test_invalid_values_name_the_key(
    tmp_path: Path, text: str, environ: dict[str, str], named: str
) -> None:
    """A wrong key or value stops loading with a message that names the key and its source."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")) as caught:
        load_config(path, environ=environ)
    if environ:
        assert next(iter(environ)) in str(caught.value)


def test_unreadable_and_invalid_files_are_named(tmp_path: Path) -> None:
    """A missing file or broken TOML is reported with the file's path."""
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        load_config(tmp_path / "missing.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[storage\nurl=")
    with pytest.raises(ConfigError, match=r"broken\.toml is not valid TOML"):
        load_config(broken, environ={})


def test_config_is_frozen() -> None:
    """Configuration objects cannot be changed after loading."""
    config = load_config(environ={})
    with pytest.raises(ValueError, match="frozen"):
        config.storage.url = "sqlite:///other.db"  # type: ignore[misc]
