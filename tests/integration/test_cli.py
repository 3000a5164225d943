"""The command line: the JSON contract, exit codes, and each command doing what it says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from mailbot.cli import main
from tests.commands import call

EXAMPLES = Path(__file__).parents[2] / "examples"
PRICES = (
    "Артикул;Наименование;Цена;Остаток\nBPW-0310;Барабан;84.00;12\nSAF-2234;Пневмобаллон;46.50;0\n"
)


def setup_partners(cli: CliRunner, tmp_path: Path) -> None:
    call(cli, "partners", "add", "Sales@Supplier.example", "--role", "supplier", "--name", "Supp")
    call(cli, "partners", "add", "buying@fleetparts.example", "--role", "client", "--name", "Fleet",
         "--also", "boss@fleetparts.example")  # fmt: skip
    prices = tmp_path / "prices.csv"
    prices.write_bytes(PRICES.encode("cp1251"))
    result = call(cli, "pricelist", "import", str(prices), "--supplier", "sales@supplier.example")
    assert "2 rows imported, 0 rejected" in result.output


def test_orders_json_follows_the_contract(cli: CliRunner, tmp_path: Path) -> None:
    """`orders list/show --json` give number, client, status, currency, total and priced lines."""
    setup_partners(cli, tmp_path)
    order = tmp_path / "order.eml"
    order.write_bytes(
        b"From: boss@fleetparts.example\r\nTo: orders@distributor.example\r\n"
        b"Subject: order\r\nMessage-ID: <1@fleetparts.example>\r\n\r\n"
        b"BPW-0310 x 2\r\nSAF-2234 x 1\r\nNOPE-1 x 1\r\n"
    )
    assert "quoted ORD-" in call(cli, "ingest", str(order)).output
    (listed,) = json.loads(call(cli, "orders", "list", "--json").output)
    assert listed["client"] == "boss@fleetparts.example"  # its first address, sorted
    assert (listed["status"], listed["currency"], listed["total"]) == ("quoted", "EUR", "201.60")
    shown = json.loads(call(cli, "orders", "show", listed["number"], "--json").output)
    assert shown["lines"] == [
        {
            "sku": "BPW-0310", "name": "Барабан", "quantity": 2, "unit_price": "100.80",
            "line_total": "201.60", "supplier_id": 1, "confirmed_quantity": None,
            "source": "body", "row": 1,
        }
    ]  # fmt: skip
    assert [(r["sku"], r["reason"]) for r in shown["rejected"]] == [
        ("SAF-2234", "out_of_stock"),
        ("NOPE-1", "unknown_sku"),
    ]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_partners_list_and_show(cli: CliRunner, tmp_path: Path) -> None:
    """Partners are listed with all their addresses, lower-cased, and shown by any address."""
    setup_partners(cli, tmp_path)
    listed = json.loads(call(cli, "partners", "list", "--role", "client", "--json").output)
    assert [p["addresses"] for p in listed] == [
        ["boss@fleetparts.example", "buying@fleetparts.example"]
    ]
    shown = json.loads(call(cli, "partners", "show", "BOSS@fleetparts.example", "--json").output)
    assert shown["name"] == "Fleet"
    assert "Fleet" in call(cli, "partners", "list").output


def test_partners_add_takes_the_price_display(cli: CliRunner) -> None:
    """--price-display gross is stored and shown; net is the default; other words are refused."""
    call(cli, "partners", "add", "a@gross.example", "--role", "client", "--name", "G",
         "--price-display", "gross")  # fmt: skip
    call(cli, "partners", "add", "a@net.example", "--role", "client", "--name", "N")
    shown = [json.loads(call(cli, "partners", "show", address, "--json").output)
             for address in ("a@gross.example", "a@net.example")]  # fmt: skip
    assert [row["price_display"] for row in shown] == ["gross", "net"]
    call(cli, "partners", "add", "b@x.example", "--role", "client", "--name", "B",
         "--price-display", "both", code=2)  # fmt: skip


def test_refusals_exit_1_with_a_message(cli: CliRunner, tmp_path: Path) -> None:
    """A taken address, an unknown order or partner, and a bad address exit 1 and say why."""
    setup_partners(cli, tmp_path)
    taken = call(cli, "partners", "add", "buying@fleetparts.example", "--role", "client",
                 "--name", "Again", code=1)  # fmt: skip
    assert "already registered: buying@fleetparts.example" in taken.output
    assert "no order ORD-404" in call(cli, "orders", "show", "ORD-404", code=1).output
    assert "no partner" in call(cli, "partners", "show", "x@y.example", code=1).output
    assert "not an e-mail address" in call(cli, "partners", "deactivate", "nobody", code=1).output
    assert "not in quarantine" in call(cli, "quarantine", "retry", "99", code=1).output


def test_wrong_usage_exits_2(cli: CliRunner) -> None:
    """A missing option or an unknown role is a usage error, exit code 2."""
    call(cli, "partners", "add", "a@b.example", "--name", "X", code=2)
    call(cli, "partners", "add", "a@b.example", "--name", "X", "--role", "boss", code=2)


def test_invalid_configuration_exits_3_naming_the_key(cli: CliRunner) -> None:
    """A bad value in the environment stops the command with exit 3 and the key's name."""
    result = cli.invoke(main, ["orders", "list"], env={"MAILBOT_SMTP_INGRESS__PORT": "many"})
    assert result.exit_code == 3
    assert "smtp_ingress.port" in result.output
    assert "MAILBOT_SMTP_INGRESS__PORT" in result.output


def test_run_with_an_unreadable_certificate_exits_3_naming_the_key(
    cli: CliRunner, tmp_path: Path
) -> None:
    """`mailbot run` whose STARTTLS certificate is missing stops at start: exit 3, key named."""
    missing = tmp_path / "missing.pem"
    env = {
        "MAILBOT_SMTP_INGRESS__TLS_CERT_FILE": str(missing),
        "MAILBOT_SMTP_INGRESS__TLS_KEY_FILE": str(missing),
    }
    result = cli.invoke(main, ["run"], env=env)
    assert result.exit_code == 3, result.output
    assert f"smtp_ingress.tls_cert_file: cannot read {missing}" in result.output


def test_unmigrated_postgres_exits_4(cli: CliRunner) -> None:
    """A PostgreSQL database without the schema is refused with exit 4 and what to run."""
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    result = cli.invoke(main, ["orders", "list"], env={"MAILBOT_STORAGE__URL": url})
    assert result.exit_code == 4
    assert "mailbot db upgrade" in result.output


def test_ingest_reports_each_file_and_deactivation_stops_orders(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Ingest says what happened to each file; a deactivated client's order is not taken, and
    its mail gets the one notice."""
    setup_partners(cli, tmp_path)
    order = tmp_path / "order.eml"
    order.write_bytes(b"From: buying@fleetparts.example\r\nSubject: o\r\n\r\nBPW-0310 x 1\r\n")
    call(cli, "partners", "deactivate", "buying@fleetparts.example")
    result = call(cli, "ingest", str(order), str(order), str(tmp_path / "missing.eml"), code=1)
    lines = result.output.splitlines()
    assert "processed: answered: Fleet is cut off, notice sent" in lines[0]
    assert "already stored as message 1 (processed)" in lines[1]
    assert "cannot read" in lines[2]
    assert json.loads(call(cli, "orders", "list", "--json").output) == []


def test_quarantine_list_show_and_retry(cli: CliRunner, tmp_path: Path) -> None:
    """A quarantined message is listed and shown with its error, and retry puts it back in line."""
    setup_partners(cli, tmp_path)
    templates = tmp_path / "templates" / "mail"
    templates.mkdir(parents=True)
    (templates / "quote.subject.j2").write_text("{{ missing.thing }}")
    order = tmp_path / "order.eml"
    order.write_bytes(b"From: buying@fleetparts.example\r\nSubject: o\r\n\r\nBPW-0310 x 1\r\n")
    broken = {"MAILBOT_TEMPLATES__FOLDER": str(tmp_path / "templates"),
              "MAILBOT_PROCESSING__MAX_ATTEMPTS": "1"}  # fmt: skip
    result = cli.invoke(main, ["ingest", str(order)], env=broken)
    assert result.exit_code == 1
    assert "quarantined" in result.output
    (entry,) = json.loads(call(cli, "quarantine", "list", "--json").output)
    assert "'missing' is undefined" in entry["last_error"]
    assert "BPW-0310 x 1" in call(cli, "quarantine", "show", str(entry["id"]), "--raw").output
    call(cli, "quarantine", "retry", str(entry["id"]))
    assert json.loads(call(cli, "quarantine", "list", "--json").output) == []


def test_ingest_reads_standard_input(cli: CliRunner, tmp_path: Path) -> None:
    """`mailbot ingest -` stores and processes a message given on standard input."""
    setup_partners(cli, tmp_path)
    raw = b"From: buying@fleetparts.example\r\nSubject: o\r\n\r\nBPW-0310 x 3\r\n"
    result = cli.invoke(main, ["ingest", "-"], input=raw, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "-: message 1 processed: quoted ORD-" in result.output


def test_price_list_formats_are_a_partner_setting(cli: CliRunner) -> None:
    """`--price-list-formats` is stored normalised, shown, defaults to xlsx, and is checked."""
    call(cli, "partners", "add", "a@client.example", "--role", "client", "--name", "A")
    call(cli, "partners", "add", "b@client.example", "--role", "client", "--name", "B",
         "--price-list-formats", " XLSX, csv ,xlsx")  # fmt: skip
    shown = [
        json.loads(call(cli, "partners", "show", address, "--json").output)
        for address in ("a@client.example", "b@client.example")
    ]
    assert [row["price_list_formats"] for row in shown] == ["xlsx", "xlsx,csv"]
    refused = call(cli, "partners", "add", "c@client.example", "--role", "client", "--name", "C",
                   "--price-list-formats", "pdf", code=2)  # fmt: skip
    assert "price list formats must be some of xlsx, csv" in refused.output


def test_pricelist_export_writes_the_clients_file(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pricelist export` writes the client's list: XLSX by default, CSV on request, -o honoured."""
    setup_partners(cli, tmp_path)
    monkeypatch.chdir(tmp_path)
    done = call(cli, "pricelist", "export", "--client", "boss@fleetparts.example")
    (written,) = tmp_path.glob("prices-*.xlsx")
    assert f"{written.name}: 2 items for Fleet" in done.output
    sheet = CalamineWorkbook.from_path(str(written)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in sheet] == ["SKU", "BPW-0310", "SAF-2234"]
    assert sheet[1][4] == 100.8  # 84.00 with the default 20% markup
    target = tmp_path / "out" / "list.csv"
    target.parent.mkdir()
    call(cli, "pricelist", "export", "--client", "buying@fleetparts.example", "--format", "csv",
         "-o", str(target))  # fmt: skip
    lines = target.read_text("utf-8-sig").splitlines()
    assert lines[1:] == ["BPW-0310,Барабан,,,100.80,EUR,in stock,12",
                         "SAF-2234,Пневмобаллон,,,55.80,EUR,out of stock,0"]  # fmt: skip
    refused = call(cli, "pricelist", "export", "--client", "sales@supplier.example", code=1)
    assert "not a client" in refused.output


@pytest.mark.parametrize(
    "command",
    [
        ("ingest", "{missing}"),
        ("pricelist", "import", "{missing}", "--supplier", "sales@supplier.example"),
        ("vouchers", "create", "WINTER", "--kind", "promotional", "--code", "W25", "--terms",
         "{missing}"),
    ],
)  # fmt: skip
def test_a_missing_file_is_a_failed_action_in_every_command(
    cli: CliRunner, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """A file that is not there ends every command alike: exit 1, the path in the message."""
    setup_partners(cli, tmp_path)
    missing = str(tmp_path / "nowhere.file")
    result = call(cli, *(part.format(missing=missing) for part in command), code=1)
    assert "nowhere.file" in result.output
