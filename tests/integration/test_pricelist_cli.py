"""`mailbot pricelist`: import reports, history, diff, release, reject, stale, and formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.cli import main
from tests.integration.test_cli import call

SUPPLIER = "sales@balkan.example"
FIRST = "sku;name;price\nA-1;Drum;10.00\nB-2;Pad;20.00\nC-3;Disc;30.00\n"
SECOND = "sku;name;price\nA-1;Drum;12.50\nB-2;Pad;20.00\nD-4;Hose;4\n"


@pytest.fixture
def cli(environ: dict[str, str]) -> CliRunner:
    """A runner on the test database, with a supplier and a manager registered."""
    runner = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    call(runner, "partners", "add", SUPPLIER, "--role", "supplier", "--name", "Balkan")
    call(runner, "partners", "add", "boss@desk.example", "--role", "manager", "--name", "Boss")
    return runner


def imported(cli: CliRunner, tmp_path: Path, name: str, text: str, *options: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return call(cli, "pricelist", "import", str(path), "--supplier", SUPPLIER, *options).output


def test_import_prints_the_changes_and_history_lists_versions(
    cli: CliRunner, tmp_path: Path
) -> None:
    """The import output counts changes; history --json gives each version with its status."""
    assert "first price list of this supplier" in imported(cli, tmp_path, "one.csv", FIRST)
    output = imported(cli, tmp_path, "two.csv", SECOND)
    assert "3 rows imported, 0 rejected" in output
    assert "against version 1 (one.csv): 1 prices up, 0 down" in output
    assert "A-1: 10.00 EUR → 12.50 EUR (+25.0%)" in output
    assert "removed: C-3" in output
    rows = json.loads(call(cli, "pricelist", "history", SUPPLIER, "--json").output)
    assert [(r["id"], r["source"], r["rows"], r["rejected"], r["status"]) for r in rows] == [
        (2, "two.csv", 3, 0, "active"),
        (1, "one.csv", 3, 0, "replaced"),
    ]
    assert rows[0]["imported_at"]


def test_diff_json_shows_added_removed_and_changed_rows(cli: CliRunner, tmp_path: Path) -> None:
    """By default the active version is compared with the one before; --from/--to pick others."""
    imported(cli, tmp_path, "one.csv", FIRST)
    imported(cli, tmp_path, "two.csv", SECOND)
    found = json.loads(call(cli, "pricelist", "diff", SUPPLIER, "--json").output)
    assert (found["from"]["id"], found["to"]["id"]) == (1, 2)
    assert [row["sku"] for row in found["added"]] == ["D-4"]
    assert [(row["sku"], row["price"]) for row in found["removed"]] == [("C-3", "30.00")]
    assert found["changed"] == [
        {
            "sku": "A-1", "name": "Drum", "old_price": "10.00", "old_currency": "EUR",
            "new_price": "12.50", "new_currency": "EUR", "percent": "25.0",
        }
    ]  # fmt: skip
    back = json.loads(call(cli, "pricelist", "diff", SUPPLIER, "--from", "2", "--to", "1",
                           "--json").output)  # fmt: skip
    assert [row["sku"] for row in back["added"]] == ["C-3"]
    assert (
        "has no price list version 9"
        in call(cli, "pricelist", "diff", SUPPLIER, "--to", "9", code=1).output
    )


def test_a_held_import_is_released_or_rejected_from_the_command_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    """A held list is announced with its version; release applies it, reject refuses it, and
    the managers were mailed."""
    imported(cli, tmp_path, "one.csv", FIRST)
    output = imported(cli, tmp_path, "cut.csv", "sku;price\nA-1;10\n")
    assert "HELD as version 2" in output
    assert "removes 2 of 3 items (66.7%), more than the allowed 50%" in output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert "version 2 is active" in call(cli, "pricelist", "release", "2").output
    imported(cli, tmp_path, "jump.csv", "sku;price\nA-1;100\n")
    rejecting = ("pricelist", "reject", "3", "--reason", "prices tenfold, surely a typo")
    assert "version 3 is rejected" in call(cli, *rejecting).output
    kind = ("--type", "price_list.rejected", "--json")
    (event,) = json.loads(call(cli, "events", "list", *kind).output)
    assert event["payload"]["reason"] == "prices tenfold, surely a typo"
    assert "is rejected, not held" in call(cli, "pricelist", "release", "3", code=1).output
    statuses = json.loads(call(cli, "pricelist", "history", SUPPLIER, "--json").output)
    assert [r["status"] for r in statuses] == ["rejected", "active", "replaced"]


def test_import_takes_columns_currency_and_vat_from_the_command_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    """--column names the supplier's headers, --currency the default, --vat-included nets."""
    text = "Ref;Part No;List;Netto\nx;K-1;1;121\n"
    output = imported(cli, tmp_path, "own.csv", text, "--column", 'sku="Part No"',
                      "--column", "price=Netto", "--currency", "usd", "--vat-included")  # fmt: skip
    assert "1 rows imported, 0 rejected" in output
    (offer,) = json.loads(call(cli, "pricelist", "show", "K-1", "--json").output)
    assert (offer["price"], offer["currency"]) == ("100.00", "USD")
    wrong = call(cli, "pricelist", "import", str(tmp_path / "own.csv"), "--supplier", SUPPLIER,
                 "--column", "colour=Red", code=2)  # fmt: skip
    assert "FIELD=HEADER" in wrong.output


def test_stale_lists_suppliers_with_old_lists(cli: CliRunner, tmp_path: Path) -> None:
    """`pricelist stale --json` lists a supplier whose list is older than --days."""
    imported(cli, tmp_path, "one.csv", FIRST)
    assert json.loads(call(cli, "pricelist", "stale", "--json").output) == []
    (row,) = json.loads(call(cli, "pricelist", "stale", "--days", "0", "--json").output)
    assert (row["supplier"], row["source"], row["version"]) == (SUPPLIER, "one.csv", 1)


def test_stale_notify_mails_the_managers(cli: CliRunner, tmp_path: Path) -> None:
    """`pricelist stale --notify` sends each manager the stale list, into the outbox folder."""
    imported(cli, tmp_path, "one.csv", FIRST)
    result = call(cli, "pricelist", "stale", "--days", "0", "--notify")
    assert "1 manager mail(s) sent" in result.output
    (sent,) = (tmp_path / "outbox").glob("*.eml")
    assert b"To: boss@desk.example" in sent.read_bytes()


def test_price_lists_have_their_own_row_limit(cli: CliRunner, tmp_path: Path) -> None:
    """A list longer than orders.max_rows imports; one beyond price_lists.max_rows is refused."""
    rows = "".join(f"P-{n};Part {n};{n}.00\n" for n in range(1, 9))
    path = tmp_path / "long.csv"
    path.write_text("sku;name;price\n" + rows, encoding="utf-8")
    command = ["pricelist", "import", str(path), "--supplier", SUPPLIER]
    small_orders = cli.invoke(main, command, env={"MAILBOT_ORDERS__MAX_ROWS": "3"})
    assert small_orders.exit_code == 0, small_orders.output
    assert "8 rows imported" in small_orders.output
    small_lists = cli.invoke(main, command, env={"MAILBOT_PRICE_LISTS__MAX_ROWS": "5"})
    assert small_lists.exit_code == 1
    assert "more than 5 rows" in small_lists.output
