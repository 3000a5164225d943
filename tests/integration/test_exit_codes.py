"""Every command follows the README's one table of exit codes: 0 done; 1 the action failed
(not found, refused, a file that cannot be read or written, a message quarantined); 2 wrong
usage (an unknown command or option, a missing argument, a value of the wrong form); 3 invalid
configuration; 4 the database is not ready. Each command's failures run here against a real,
migrated SQLite database."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.cli import main

README = Path(__file__).parents[2] / "README.md"
CLIENT, SUPPLIER = "buying@fleetparts.example", "sales@supplier.example"
NOBODY = "nobody@nowhere.example"
MISSING, FOLDER, NO_DIR = "{tmp}/missing.file", "{tmp}", "{tmp}/no/such/dir/out.csv"
CREATE = ("vouchers", "create", "W", "--kind", "promotional", "--code", "W1")
ADD = ("partners", "add", "x@y.example", "--role", "client", "--name", "X")

# (arguments, exit code, a fragment of the message); {tmp} is the test's folder.
CASES: list[tuple[tuple[str, ...], int, str]] = [
    # A file named on the command line that cannot be read: the action failed.
    (("ingest", MISSING), 1, "missing.file"),
    (("ingest", FOLDER), 1, "cannot read"),
    (("pricelist", "import", MISSING, "--supplier", SUPPLIER), 1, "missing.file"),
    (("pricelist", "import", FOLDER, "--supplier", SUPPLIER), 1, "cannot read"),
    ((*CREATE, "--terms", MISSING), 1, "missing.file"),
    ((*CREATE, "--terms", FOLDER), 1, "cannot read"),
    # A file that cannot be written: the action failed too.
    (("vouchers", "export", "Spring", "--format", "csv", "-o", NO_DIR), 1, "cannot write"),
    (("vouchers", "generate", "Spring", "--count", "1", "-o", NO_DIR), 1, "cannot write"),
    (("pricelist", "export", "--client", CLIENT, "-o", NO_DIR), 1, "cannot write"),
    # Something named that is not there: the action failed.
    (("partners", "show", NOBODY), 1, "no partner has the address"),
    (("partners", "set", NOBODY, "--name", "X"), 1, "no partner has the address"),
    (("partners", "deactivate", NOBODY), 1, "no partner has the address"),
    (("partners", "reactivate", NOBODY), 1, "no partner has the address"),
    (("ledger", "list", NOBODY), 1, "no partner has the address"),
    (("payments", "add", NOBODY, "5"), 1, "no client has the address"),
    (("orders", "list", "--client", NOBODY), 1, "no partner has the address"),
    (("orders", "show", "ORD-404"), 1, "no order ORD-404"),
    (("orders", "release", "ORD-404"), 1, "no order ORD-404"),
    (("orders", "cancel", "ORD-404"), 1, "no order ORD-404"),
    (("orders", "close", "ORD-404"), 1, "no order ORD-404"),
    (("pricelist", "show", "NOPE-1"), 1, "no active offer"),
    (("pricelist", "history", NOBODY), 1, "no supplier has the address"),
    (("pricelist", "diff", SUPPLIER, "--to", "99"), 1, "version 99"),
    (("pricelist", "release", "99"), 1, "no price list version 99"),
    (("pricelist", "reject", "99"), 1, "no price list version 99"),
    (("pricelist", "export", "--client", NOBODY), 1, "no partner has the address"),
    (("vouchers", "show", "NOPE"), 1, "no campaign or code"),
    (("vouchers", "generate", "NOPE", "--count", "1"), 1, "no campaign"),
    (("vouchers", "export", "NOPE", "--format", "csv", "-o", "{tmp}/x.csv"), 1, "no campaign"),
    (("quarantine", "show", "99"), 1, "no message 99"),
    (("quarantine", "retry", "99"), 1, "not in quarantine"),
    (("messages", "show", "99"), 1, "no message 99"),
    (("outbox", "show", "99"), 1, "no outgoing mail 99"),
    (("outbox", "cancel", "99"), 1, "no outgoing mail 99"),
    (("addresses", "clear", NOBODY), 1, "has not bounced"),
    # Refused: understood, but the records say no.
    (("payments", "add", CLIENT, "5", "--currency", "USD"), 1, "cannot be booked"),
    (("ledger", "list", SUPPLIER), 1, "not a client"),
    (("partners", "add", CLIENT, "--role", "client", "--name", "X"), 1, "already registered"),
    (("partners", "reactivate", CLIENT), 1, "nothing to reactivate"),
    # Wrong usage: a value of the wrong form, a missing argument, an unknown command.
    (("nonsense",), 2, "No such command"),
    (("orders", "show"), 2, "Missing argument"),
    (("orders", "list", "--limit", "0"), 2, "--limit"),
    (("messages", "list", "--limit", "-1"), 2, "--limit"),
    (("outbox", "list", "--limit", "0"), 2, "--limit"),
    (("quarantine", "list", "--limit", "0"), 2, "--limit"),
    (("ledger", "list", CLIENT, "--limit", "0"), 2, "--limit"),
    (("pricelist", "history", SUPPLIER, "--limit", "0"), 2, "--limit"),
    (("pricelist", "stale", "--days", "-1"), 2, "--days"),
    (("messages", "show", "abc"), 2, "MESSAGE_ID"),
    (("outbox", "cancel", "abc"), 2, "OUTBOUND_ID"),
    (("outbox", "list", "--status", "lost"), 2, "--status"),
    (("ledger", "list", CLIENT, "--since", "someday"), 2, "--since"),
    (("jobs", "run-due", "--now", "someday"), 2, "--now"),
    ((*ADD, "--currency", "XYZ"), 2, "ISO 4217"),
    (("partners", "set", CLIENT, "--currency", "XYZ"), 2, "ISO 4217"),
    (("partners", "set", CLIENT, "--credit-limit", "-1"), 2, "credit limit"),
    (("partners", "set", CLIENT, "--timezone", "Mars/Base"), 2, "time zone"),
    ((*ADD, "--price-list-formats", "pdf"), 2, "price list formats"),
    (("partners", "set", CLIENT, "--contract-end", "soon"), 2, "--contract-end"),
    (("payments", "add", CLIENT, "-5"), 2, "positive amount"),
    (("payments", "add", CLIENT, "lots"), 2, "not an amount"),
    ((*CREATE, "--percent", "x"), 2, "--percent"),
    ((*CREATE, "--percent", "5", "--currency", "XYZ"), 2, "ISO 4217"),
    ((*CREATE, "--percent", "5", "--limit", "0"), 2, "--limit"),
    (("vouchers", "generate", "Spring", "--count", "0"), 2, "--count"),
    (("vouchers", "generate", "Spring", "--count", "1", "-o", "{tmp}/codes.txt"), 2, ".csv"),
    # Invalid configuration.
    (("--config", MISSING, "orders", "list"), 3, "missing.file"),
    (("--config", FOLDER, "orders", "list"), 3, "cannot read configuration file"),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, sqlite_template: bytes) -> bytes:
    """A migrated SQLite database with a supplier and its price list, a client, and a serial
    campaign, made once through the command line."""
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "mailbot.db"
    path.write_bytes(sqlite_template)
    runner = CliRunner(env=_environ(folder, path))
    prices = folder / "prices.csv"
    prices.write_text("sku;name;price;stock\nBPW-0310;Brake drum;84.00;12\n")
    for args in (
        ("partners", "add", SUPPLIER, "--role", "supplier", "--name", "S"),
        ("partners", "add", CLIENT, "--role", "client", "--name", "Fleet"),
        ("pricelist", "import", str(prices), "--supplier", SUPPLIER),
        ("vouchers", "create", "Spring", "--kind", "serial", "--prefix", "SPR", "--percent", "5"),
    ):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(path)) as connection:  # fold the WAL into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


def _environ(folder: Path, database: Path) -> dict[str, str]:
    return {
        "MAILBOT_CONFIG": "",
        "MAILBOT_STORAGE__URL": f"sqlite:///{database}",
        "MAILBOT_SMTP_OUTGOING__FOLDER": str(folder / "outbox"),
        "MAILBOT_SCHEDULER__ENABLED": "false",
    }


@pytest.mark.parametrize(
    ("args", "code", "message"), CASES, ids=[f"{code}:{' '.join(args)}" for args, code, _ in CASES]
)
def test_each_failure_exits_with_the_tables_code(
    tmp_path: Path, seeded: bytes, args: tuple[str, ...], code: int, message: str
) -> None:
    database = tmp_path / "mailbot.db"
    database.write_bytes(seeded)
    runner = CliRunner(env=_environ(tmp_path, database))
    given = [arg.format(tmp=tmp_path) for arg in args]
    result = runner.invoke(main, given, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("**/*.partial"))


def test_a_database_that_cannot_be_reached_exits_4(tmp_path: Path) -> None:
    """No server where the database should be: exit 4, the reason on one line."""
    url = "postgresql+psycopg://mailbot@127.0.0.1:1/none"
    runner = CliRunner(env={**_environ(tmp_path, tmp_path / "x.db"), "MAILBOT_STORAGE__URL": url})
    result = runner.invoke(main, ["orders", "list"], catch_exceptions=False)
    assert result.exit_code == 4, result.output
    assert "cannot use the database" in result.output


def test_the_process_exits_with_the_code_and_help_points_to_the_table(tmp_path: Path) -> None:
    """Run as a program, a failure's code reaches the shell; `mailbot --help` sends the
    reader to the README's table, which lists every code once."""
    database = tmp_path / "mailbot.db"
    environ = {**_environ(tmp_path, database), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "mailbot"]
    missing = subprocess.run([*run, "ingest", str(tmp_path / "missing.eml")], env=environ,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 1, missing.stderr
    usage = subprocess.run([*run, "orders", "list", "--limit", "0"], env=environ,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert usage.returncode == 2, usage.stderr
    helped = subprocess.run([*run, "--help"], env=environ, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert "Exit codes" in helped.stdout
    assert "README" in helped.stdout
    table = README.read_text(encoding="utf-8").split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d) \|", table, flags=re.MULTILINE)
    assert rows == ["0", "1", "2", "3", "4"]
    assert README.read_text(encoding="utf-8").count("### Exit codes") == 1
