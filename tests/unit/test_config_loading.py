"""Loading the configuration: relative paths from the file's folder (or the data home), where
each value came from, and error messages that name the variable, the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import PATH_KEYS, Config, ConfigError
from mailbot.config.loading import data_home, read_config
from mailbot.config.view import settings_rows
from mailbot.domain.money import CurrencyError, iso_currency

PYDANTIC_WORDING = ("Input should", "Value error", "type=", "pydantic", "validation error")


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_in_a_file_are_taken_from_its_folder(tmp_path: Path) -> None:
    """The SQLite file, the outbox, certificates, the CA file and templates named relatively
    in a file lie beside the file, whatever the working directory."""
    path = write(
        tmp_path / "etc",
        '[storage]\nurl = "sqlite:///data/mailbot.db"\n'
        '[smtp_ingress]\ntls_cert_file = "tls/cert.pem"\ntls_key_file = "tls/key.pem"\n'
        'auth_users = {relay = "pw"}\n'
        '[imap]\nca_file = "ca.pem"\n'
        '[smtp_outgoing]\nfolder = "outbox"\n'
        '[templates]\nfolder = "templates"\n',
    )
    config = read_config(path, environ={}).config
    etc = tmp_path / "etc"
    assert config.storage.url == f"sqlite:///{etc}/data/mailbot.db"
    assert config.smtp_ingress.tls_cert_file == str(etc / "tls/cert.pem")
    assert config.smtp_ingress.tls_key_file == str(etc / "tls/key.pem")
    assert config.imap.ca_file == str(etc / "ca.pem")
    assert config.smtp_outgoing.folder == etc / "outbox"
    assert config.templates.folder == etc / "templates"


def test_absolute_paths_other_databases_and_empty_keys_stay_as_written(tmp_path: Path) -> None:
    """Absolute paths, `~`, PostgreSQL and in-memory URLs, and empty keys are not moved."""
    text = '[smtp_outgoing]\nfolder = "/srv/outbox"\n[imap]\nca_file = "~/ca.pem"\n'
    path = write(tmp_path, text)
    postgres = "postgresql+psycopg://mailbot:pw@db/mailbot"
    config = read_config(path, environ={"MAILBOT_STORAGE__URL": postgres}).config
    assert (config.storage.url, config.smtp_outgoing.folder) == (postgres, Path("/srv/outbox"))
    assert config.imap.ca_file == str(Path("~/ca.pem").expanduser())
    assert (config.smtp_ingress.tls_cert_file, config.templates.folder) == ("", None)
    memory = read_config(path, environ={"MAILBOT_STORAGE__URL": "sqlite://"}).config
    assert memory.storage.url == "sqlite://"


def test_a_relative_path_from_the_environment_is_taken_from_the_same_folder(
    tmp_path: Path,
) -> None:
    """A relative path in a MAILBOT_ variable follows the same rule as the file's keys."""
    path = write(tmp_path / "etc", "")
    environ = {"MAILBOT_STORAGE__URL": "sqlite:///other.db"}
    assert read_config(path, environ=environ).config.storage.url == (
        f"sqlite:///{tmp_path}/etc/other.db"
    )
    home = {**environ, "MAILBOT_HOME": str(tmp_path / "home")}
    assert read_config(environ=home).config.storage.url == f"sqlite:///{tmp_path}/home/other.db"


def test_the_embedded_default_keeps_its_data_in_mailbot_home(tmp_path: Path) -> None:
    """Without a file the default database and outbox lie under $MAILBOT_HOME."""
    loaded = read_config(environ={"MAILBOT_HOME": str(tmp_path)})
    assert (loaded.file, loaded.base, loaded.name) == (None, tmp_path, "embedded default")
    assert loaded.config.storage.url == f"sqlite:///{tmp_path}/var/mailbot.db"
    assert loaded.config.smtp_outgoing.folder == tmp_path / "var" / "outbox"


def test_without_mailbot_home_the_data_lives_in_the_users_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without $MAILBOT_HOME the data home is the platform's user data folder
    (~/.local/share/mailbot on Linux), the same from every working directory."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert data_home({}) == tmp_path / ".local" / "share" / "mailbot"
    monkeypatch.chdir(tmp_path)
    url = read_config(environ={}).config.storage.url
    assert url == f"sqlite:///{tmp_path}/.local/share/mailbot/var/mailbot.db"


def test_every_key_that_names_a_file_or_folder_is_resolved() -> None:
    """No file, folder or URL key is left out of PATH_KEYS (it would follow the working
    directory again); IMAP's folders are mailboxes on the server, and the broker's URL, the
    cabinet's public address and the OAuth2 token endpoints are network addresses, not paths."""
    mailboxes = {("imap", "folder"), ("imap", "processed_folder"), ("imap", "failed_folder")}
    mailboxes |= {("rabbitmq", "url"), ("http", "public_url")}
    mailboxes |= {("imap", "token_url"), ("smtp_outgoing", "token_url")}
    named = set()
    for section, field in Config.model_fields.items():
        assert field.annotation is not None
        for key, inner in field.annotation.model_fields.items():
            if key.endswith(("_file", "folder", "url")) or "Path" in str(inner.annotation):
                named.add((section, key))
    assert named - mailboxes == set(PATH_KEYS)


def test_each_value_knows_its_source(tmp_path: Path) -> None:
    """A value comes from a variable (which wins), the file, or the default."""
    path = write(tmp_path, "[smtp_ingress]\nport = 2600\nhost = '0.0.0.0'\n")
    loaded = read_config(path, environ={"MAILBOT_SMTP_INGRESS__PORT": "2700"})
    assert loaded.source(("smtp_ingress", "port")) == "MAILBOT_SMTP_INGRESS__PORT"
    assert loaded.source(("smtp_ingress", "host")) == str(path)
    assert loaded.source(("smtp_ingress", "mode")) == "default"
    assert loaded.name == str(path)


def test_a_misspelt_section_in_a_variable_names_the_variable() -> None:
    """MAILBOT_SMTP_INGRES__PORT is reported by its own name, with the one meant."""
    with pytest.raises(ConfigError) as caught:
        read_config(environ={"MAILBOT_SMTP_INGRES__PORT": "1"})
    assert caught.value.problems == (
        'MAILBOT_SMTP_INGRES__PORT: no such section "smtp_ingres"; '
        "did you mean MAILBOT_SMTP_INGRESS__PORT?",
    )
    assert str(caught.value) == f"invalid configuration: {caught.value.problems[0]}"


def test_a_misspelt_key_in_a_variable_names_the_variable_and_the_section() -> None:
    """An unknown key names the variable, the section, and the nearest key's variable;
    with no near key, the keys there are."""
    with pytest.raises(ConfigError) as caught:
        read_config(environ={"MAILBOT_IMAP__PASWORD": "x", "MAILBOT_IMAP__ZZZ": "1"})
    assert caught.value.problems == (
        'MAILBOT_IMAP__PASWORD: no such key "pasword" in [imap]; '
        "did you mean MAILBOT_IMAP__PASSWORD?",
        'MAILBOT_IMAP__ZZZ: no such key "zzz" in [imap]; the keys are enabled, host, port, '
        "security, ca_file, username, password, folder, processed_folder, failed_folder, idle, "
        "poll_seconds, idle_renew_seconds, auth, provider, token_url, client_id, "
        "client_certificate_file, client_secret, "
        "tenant, scopes, refresh_token",
    )


def test_several_problems_are_one_line_each(tmp_path: Path) -> None:
    """Every wrong value is reported, each on its own line with its key and source."""
    path = write(tmp_path, "[smtp_ingress]\nport = 'abc'\n[scheduler]\ntimezone = 'Mars/Olympus'\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path, environ={"MAILBOT_PROCESSING__MAX_ATTEMPTS": "0"})
    assert caught.value.problems == (
        f"smtp_ingress.port (in {path}): must be a whole number, not 'abc'",
        "processing.max_attempts (from MAILBOT_PROCESSING__MAX_ATTEMPTS): must be at least 1, "
        "not '0'",
        f"scheduler.timezone (in {path}): 'Mars/Olympus' is not an IANA time zone",
    )
    assert str(caught.value).splitlines()[0] == "invalid configuration:"
    assert len(str(caught.value).splitlines()) == 4


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("[imap]\nsecurity = 'ssl'\n", {}, "imap.security (in PATH): must be 'tls', 'starttls' "
         "or 'none', not 'ssl'"),
        ("", {"MAILBOT_SCHEDULER__ENABLED": "maybe"}, "scheduler.enabled (from "
         "MAILBOT_SCHEDULER__ENABLED): must be true or false, not 'maybe'"),
        ("[scheduler]\ndigest_time = '25:00'\n", {}, 'scheduler.digest_time (in PATH): must be a '
         "time of day such as \"07:00\", not '25:00'"),
        ("", {"MAILBOT_SMTP_INGRESS__RECIPIENTS": "a@b.example"}, "smtp_ingress.recipients (from "
         'MAILBOT_SMTP_INGRESS__RECIPIENTS): must be a list (in a variable: a JSON array such '
         'as ["a", "b"]), not \'a@b.example\''),
        ("[storage]\nurl = 5\n", {}, "storage.url (in PATH): must be text, not 5"),
        ("storage = 5\n", {}, "storage (in PATH): must be a table of keys and values (in a "
         "variable: a JSON object), not 5"),
        ("[pricing]\nvat_percent = 120\n", {}, "pricing.vat_percent (in PATH): must be at most "
         "100, not 120"),
        ("", {"MAILBOT_PRICING__CURRENCY": "XYZ"}, "pricing.currency (from "
         "MAILBOT_PRICING__CURRENCY): 'XYZ' is not an ISO 4217 currency code (such as EUR)"),
        ("[pricing]\ndefault_markup_percent = 'lots'\n", {}, "pricing.default_markup_percent "
         "(in PATH): must be a number such as 12.5 (or \"12.5\"), not 'lots'"),
        ("[deadlines]\nescalation_hours_after = 20\n", {}, "deadlines.expiry_hours_after "
         "(default): must be at least escalation_hours_after (expiry comes last)"),
        ("", {"MAILBOT_PRICING__RULES": '[{"brnad": "X"}]'}, "MAILBOT_PRICING__RULES: no such "
         'key "brnad" in [pricing.rules.0]; did you mean "brand"?'),
        ("[[pricing.rules]]\nbrand = 'X'\n", {"MAILBOT_PRICING__RULES": '[{"brnad": "X"}]'},
         'MAILBOT_PRICING__RULES: no such key "brnad" in [pricing.rules.0]; did you mean '
         '"brand"?'),
        ("[smtp_outgoign]\nhost = 'x'\n", {}, 'smtp_outgoign (in PATH): no such section '
         '"smtp_outgoign"; did you mean [smtp_outgoing]?'),
    ],
)  # fmt: skip
def test_messages_say_what_is_wrong_and_what_is_allowed_in_plain_words(
    tmp_path: Path, text: str, environ: dict[str, str], expected: str
) -> None:
    """Each message names the key and its source and says what is allowed, in mailbot's own
    words: nothing of the validation library's wording reaches the reader."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_config(path, environ=environ)
    assert caught.value.problems == (expected.replace("PATH", str(path)),)
    for wording in PYDANTIC_WORDING:
        assert wording not in str(caught.value)


def test_a_secret_is_never_repeated_in_a_message(tmp_path: Path) -> None:
    """A wrong password or AUTH user's password is named by its key, its value not shown."""
    path = write(tmp_path, "[imap]\npassword = 12345678\n")
    environ = {"MAILBOT_SMTP_INGRESS__AUTH_USERS": '{"relay": 87654321}'}
    with pytest.raises(ConfigError) as caught:
        read_config(path, environ=environ)
    assert caught.value.problems == (
        "smtp_ingress.auth_users.relay (from MAILBOT_SMTP_INGRESS__AUTH_USERS): must be text",
        f"imap.password (in {path}): must be text",
    )


def test_settings_show_sources_and_mask_secrets(tmp_path: Path) -> None:
    """`config show` rows: every key with its value and source; passwords, OAuth2 secrets,
    AUTH users' passwords and a URL's password are ***."""
    path = write(
        tmp_path,
        "[imap]\npassword = 'imap-secret'\n[smtp_ingress]\nauth_allow_plaintext = true\n"
        "[smtp_ingress.auth_users]\nrelay = 'relay-secret'\n",
    )
    environ = {
        "MAILBOT_STORAGE__URL": "postgresql+psycopg://mailbot:db-secret@db/mailbot",
        "MAILBOT_SMTP_OUTGOING__PASSWORD": "smtp-secret",
        "MAILBOT_IMAP__CLIENT_SECRET": "oauth-secret",
        "MAILBOT_SMTP_OUTGOING__REFRESH_TOKEN": "refresh-secret",
    }
    rows = {row["key"]: row for row in settings_rows(read_config(path, environ=environ))}
    assert rows["storage.url"] == {
        "key": "storage.url",
        "value": "postgresql+psycopg://mailbot:***@db/mailbot",
        "source": "MAILBOT_STORAGE__URL",
    }
    assert (rows["imap.password"]["value"], rows["imap.password"]["source"]) == ("***", str(path))
    assert rows["smtp_outgoing.password"]["value"] == "***"
    assert rows["smtp_ingress.auth_users"]["value"] == {"relay": "***"}
    assert (rows["smtp_ingress.port"]["value"], rows["smtp_ingress.port"]["source"]) == (
        2525, "default"
    )  # fmt: skip
    assert rows["imap.client_secret"]["value"] == "***"
    assert rows["smtp_outgoing.refresh_token"]["value"] == "***"
    assert "-secret" not in repr(rows)  # the values; key names such as client_secret show


@pytest.mark.parametrize("written", ["EUR", "eur", " RON ", "MDL", "USD", "JPY"])
def test_an_iso_currency_code_is_accepted_in_any_case(written: str) -> None:
    """The one currency rule takes an ISO 4217 code of money, in any case."""
    assert iso_currency(written) == written.strip().upper()


@pytest.mark.parametrize("written", ["XYZ", "EURO", "€", "", "XXX", "XTS", "XAU"])
def test_anything_but_a_currency_code_is_refused(written: str) -> None:
    """Made-up codes, signs, and ISO's codes for no currency, testing or gold are refused."""
    with pytest.raises(CurrencyError, match="is not an ISO 4217 currency code"):
        iso_currency(written)
