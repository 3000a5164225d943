"""Which configuration and database the command line uses, from any working directory, and the
`config check` and `config show` commands. The working directory matters here, so most tests
run `mailbot` as a process of its own."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
SITE = '[storage]\nurl = "sqlite:///data/mailbot.db"\n[smtp_outgoing]\nfolder = "outbox"\n'


def mailbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `mailbot ARGS` in `cwd` with no MAILBOT_ variable but those in `env`."""
    cwd.mkdir(parents=True, exist_ok=True)
    clean = {name: value for name, value in os.environ.items() if not name.startswith("MAILBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "mailbot", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def site(tmp_path: Path, text: str = SITE) -> Path:
    folder = tmp_path / "site"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_of_a_config_are_taken_from_its_folder_in_any_directory(
    tmp_path: Path,
) -> None:
    """A config with relative paths works on one database, beside the file, from whichever
    folder mailbot is started in; -v names the file and the database."""
    config = site(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    upgraded = mailbot("--config", str(config), "db", "upgrade", cwd=one, env={})
    assert upgraded.returncode == 0, upgraded.stderr
    added = mailbot("--config", "../site/mailbot.toml", "partners", "add", "buyer@fleet.example",
                    "--role", "client", "--name", "Fleet", cwd=two, env={})  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = mailbot("-v", "partners", "list", "--json", cwd=one,
                     env={"MAILBOT_CONFIG": str(config)})  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert [p["addresses"] for p in json.loads(listed.stdout)] == [["buyer@fleet.example"]]
    database = tmp_path / "site" / "data" / "mailbot.db"
    assert f"mailbot: config: {config}\n" in listed.stderr
    assert f"mailbot: database: sqlite:///{database}\n" in listed.stderr
    assert database.exists()
    assert list(one.iterdir()) == list(two.iterdir()) == []  # nothing made where it ran


def test_a_command_refuses_a_missing_database_naming_it_and_creates_nothing(
    tmp_path: Path,
) -> None:
    """`orders list` in an empty data home exits 4 with the database's path, and makes no file
    or folder, there or in the working directory."""
    home, here = tmp_path / "home", tmp_path / "here"
    result = mailbot("orders", "list", cwd=here, env={"MAILBOT_HOME": str(home)})
    assert result.returncode == 4
    assert result.stderr.startswith(f"mailbot: no database at {home / 'var' / 'mailbot.db'}: ")
    assert "mailbot db upgrade" in result.stderr
    assert result.stdout == ""
    assert not home.exists()
    assert list(here.iterdir()) == []


def test_a_database_that_is_not_migrated_is_refused(tmp_path: Path) -> None:
    """An SQLite file without mailbot's schema is refused by name (exit 4), not migrated by a
    command that only reads."""
    database = tmp_path / "site" / "data" / "mailbot.db"
    database.parent.mkdir(parents=True)
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("CREATE TABLE unrelated (x)")
    result = mailbot("--config", str(site(tmp_path)), "partners", "list", cwd=tmp_path, env={})
    assert result.returncode == 4
    assert f"the database at sqlite:///{database} is not at the newest schema" in result.stderr
    assert "run `mailbot db upgrade`" in result.stderr


def test_without_a_config_the_data_lives_in_the_users_data_folder(tmp_path: Path) -> None:
    """With neither a config nor $MAILBOT_HOME, `ingest` creates the database in the user's
    data folder, and another command finds it there from another directory."""
    env = {"HOME": str(tmp_path / "user"), "XDG_DATA_HOME": ""}
    stored = mailbot("ingest", str(EXAMPLES / "order-body-en.eml"), cwd=tmp_path / "a", env=env)
    assert stored.returncode == 0, stored.stderr
    assert "message 1 ignored: not answered: unknown sender" in stored.stdout
    data = tmp_path / "user" / ".local" / "share" / "mailbot" / "var"
    assert (data / "mailbot.db").exists()
    listed = mailbot("-v", "messages", "list", "--json", cwd=tmp_path / "b", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [m["id"] for m in json.loads(listed.stdout)] == [1]
    assert "mailbot: config: embedded default (relative paths from " in listed.stderr
    assert f"mailbot: database: sqlite:///{data / 'mailbot.db'}\n" in listed.stderr
    assert list((tmp_path / "a").iterdir()) == list((tmp_path / "b").iterdir()) == []


def test_verbose_masks_the_database_password(tmp_path: Path) -> None:
    """-v shows a PostgreSQL URL with its password as ***."""
    url = "postgresql+psycopg://mailbot:s3cret-db@127.0.0.1:5432/mailbot"
    result = mailbot("-v", "config", "show", cwd=tmp_path,
                     env={"MAILBOT_STORAGE__URL": url, "MAILBOT_HOME": str(tmp_path)})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "mailbot: database: postgresql+psycopg://mailbot:***@127.0.0.1:5432/mailbot\n" in (
        result.stderr
    )
    assert "s3cret-db" not in result.stdout + result.stderr


def test_a_misspelt_variable_is_reported_by_its_name(tmp_path: Path) -> None:
    """MAILBOT_SMTP_INGRES__PORT stops every command with exit 3 and one line naming it."""
    result = mailbot("orders", "list", cwd=tmp_path, env={"MAILBOT_SMTP_INGRES__PORT": "1"})
    assert result.returncode == 3
    assert result.stderr == (
        'mailbot: invalid configuration: MAILBOT_SMTP_INGRES__PORT: no such section "smtp_ingres"; '
        "did you mean MAILBOT_SMTP_INGRESS__PORT?\n"
    )


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    """An in-process runner with no configuration file and the data home in tmp_path."""
    return CliRunner(env={"MAILBOT_CONFIG": "", "MAILBOT_HOME": str(tmp_path / "home")})


def test_config_check_says_ok_with_the_files_path(cli: CliRunner, tmp_path: Path) -> None:
    """`config check FILE` prints "config OK: PATH" (exit 0), starting nothing and creating
    nothing; without FILE it checks --config, else the embedded default."""
    config = site(tmp_path)
    result = cli.invoke(main, ["config", "check", str(config)])
    assert (result.exit_code, result.output) == (0, f"config OK: {config}\n")
    result = cli.invoke(main, ["--config", str(config), "config", "check"])
    assert (result.exit_code, result.output) == (0, f"config OK: {config}\n")
    result = cli.invoke(main, ["config", "check"])
    assert (result.exit_code, result.output) == (0, "config OK: embedded default\n")
    assert not (tmp_path / "site" / "data").exists()
    assert not (tmp_path / "home").exists()


def test_config_check_names_each_wrong_key(cli: CliRunner, tmp_path: Path) -> None:
    """A wrong file, variable or unreadable certificate gives one line per problem, exit 3."""
    config = site(tmp_path, "[smtp_ingress]\nprot = 25\n[imap]\nport = 'x'\n")
    result = cli.invoke(main, ["config", "check", str(config)],
                        env={"MAILBOT_SCHEDULER__TIMEZONE": "Mars/Olympus"})  # fmt: skip
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "mailbot: invalid configuration:",
        f'  smtp_ingress.prot (in {config}): no such key "prot" in [smtp_ingress]; '
        'did you mean "port"?',
        f"  imap.port (in {config}): must be a whole number, not 'x'",
        "  scheduler.timezone (from MAILBOT_SCHEDULER__TIMEZONE): 'Mars/Olympus' is not an "
        "IANA time zone",
    ]
    tls = '[smtp_ingress]\ntls_cert_file = "cert.pem"\ntls_key_file = "key.pem"\n'
    config = site(tmp_path, tls)
    result = cli.invoke(main, ["config", "check", str(config)])
    assert result.exit_code == 3
    missing = tmp_path / "site" / "cert.pem"
    assert f"smtp_ingress.tls_cert_file: cannot read {missing}: No such file" in result.output


def test_config_show_gives_each_setting_with_its_source(cli: CliRunner, tmp_path: Path) -> None:
    """`config show --json` lists every key's value and source (default, the file, or the
    variable), with passwords masked; the text form is a table of the same."""
    config = site(tmp_path, SITE + "[imap]\npassword = 'imap-secret'\n")
    env = {"MAILBOT_SMTP_INGRESS__PORT": "2600", "MAILBOT_SMTP_OUTGOING__PASSWORD": "smtp-secret"}
    result = cli.invoke(main, ["--config", str(config), "config", "show", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = {row["key"]: (row["value"], row["source"]) for row in json.loads(result.output)}
    assert rows["storage.url"] == (f"sqlite:///{tmp_path}/site/data/mailbot.db", str(config))
    assert rows["smtp_outgoing.folder"] == (str(tmp_path / "site" / "outbox"), str(config))
    assert rows["smtp_ingress.port"] == (2600, "MAILBOT_SMTP_INGRESS__PORT")
    assert rows["smtp_ingress.host"] == ("127.0.0.1", "default")
    assert rows["imap.password"] == ("***", str(config))
    assert rows["smtp_outgoing.password"] == ("***", "MAILBOT_SMTP_OUTGOING__PASSWORD")
    assert rows["pricing.rules"] == ([], "default")
    text = cli.invoke(main, ["--config", str(config), "config", "show"], env=env).output
    assert text.split()[:3] == ["KEY", "VALUE", "SOURCE"]
    assert "MAILBOT_SMTP_INGRESS__PORT" in text
    assert "-secret" not in text + result.output  # the values (client_secret is a key)
