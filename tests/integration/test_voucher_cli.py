"""`mailbot vouchers`: creating campaigns, issuing codes, listing, showing and exporting them."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine

from mailbot.cli import main
from mailbot.domain.money import Money
from mailbot.domain.vouchers.codes import normalise_code
from mailbot.parsers.voucher_codes import is_valid_serial
from mailbot.services.vouchers.reservations import reserve
from mailbot.storage.unit_of_work import UnitOfWork
from tests.commands import call
from tests.vouchers import HOLD, NOW, add_inbound


def test_create_and_list_show_limits_and_counts(cli: CliRunner) -> None:
    """Campaigns made from simple options are listed with their limits and what is left."""
    call(cli, "vouchers", "create", "Winter", "--kind", "promotional", "--code", "winter25",
         "--percent", "10", "--max-discount", "50", "--limit", "100",
         "--per-client", "1")  # fmt: skip
    call(cli, "vouchers", "create", "Spring", "--kind", "serial", "--prefix", "spr",
         "--amount", "20", "--currency", "EUR", "--budget", "1000", "--exclusive")  # fmt: skip
    listed = json.loads(call(cli, "vouchers", "list", "--json").output)
    assert [(c["name"], c["kind"], c["codes"], c["limit"], c["left"], c["budget_left"])
            for c in listed] == [("Winter", "promotional", 1, 100, 100, None),
                                 ("Spring", "serial", 0, None, None, "1000 EUR")]  # fmt: skip
    shown = json.loads(call(cli, "vouchers", "show", "Spring", "--json").output)
    assert shown["prefix"] == "SPR"
    assert shown["terms"] == {
        "benefit": {"kind": "fixed", "value": "20", "currency": "EUR"},
        "exclusive": True,
        "restrictions": [],
    }
    code = json.loads(call(cli, "vouchers", "show", "Winter-25", "--json").output)
    assert (code["code"], code["campaign"]["per_client"]) == ("winter25", 1)
    assert "WINTER" in call(cli, "vouchers", "list").output.upper()


def test_create_takes_full_terms_from_a_file(cli: CliRunner, tmp_path: Path) -> None:
    """`--terms FILE` stores the JSON document with its restrictions as written."""
    terms = {
        "benefit": {"kind": "percent", "value": "5"},
        "exclusive": False,
        "restrictions": [{"rule": "brands", "brands": ["BPW"], "invert": True}],
    }
    file = tmp_path / "terms.json"
    file.write_text(json.dumps(terms))
    call(cli, "vouchers", "create", "Brands", "--kind", "promotional", "--code", "NOBPW5",
         "--terms", str(file))  # fmt: skip
    assert json.loads(call(cli, "vouchers", "show", "Brands", "--json").output)["terms"] == terms


def test_bad_campaigns_are_refused_with_a_reason(cli: CliRunner, tmp_path: Path) -> None:
    """A prefix with a look-alike, a duplicate name, no benefit, or terms that are not a JSON
    object: exit 1 and a one-line reason."""
    result = call(cli, "vouchers", "create", "W", "--kind", "serial", "--prefix", "WIN",
                  "--percent", "5", code=1)  # fmt: skip
    assert "three letters without I, L, O or U" in result.output
    call(cli, "vouchers", "create", "W", "--kind", "serial", "--prefix", "WNT", "--free-shipping")
    result = call(cli, "vouchers", "create", "W", "--kind", "serial", "--prefix", "WNR",
                  "--free-shipping", code=1)  # fmt: skip
    assert "exists already" in result.output
    result = call(cli, "vouchers", "create", "X", "--kind", "promotional", "--code", "XMAS", code=1)
    assert "one benefit" in result.output
    file = tmp_path / "terms.json"
    file.write_text("[1, 2]")
    result = call(cli, "vouchers", "create", "Y", "--kind", "promotional", "--code", "YEAR",
                  "--terms", str(file), code=1)  # fmt: skip
    assert "JSON object" in result.output


def test_generate_issues_codes_to_named_clients_and_export_writes_them(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Codes go out unassigned or to each named client; CSV and XLSX list them with the client
    and state, and no cell can run as a formula."""
    call(cli, "partners", "add", "buying@fleetparts.example", "--role", "client", "--name", "Fleet")
    call(cli, "partners", "add", "=cmd@evil.example", "--role", "client", "--name", "Evil")
    call(cli, "vouchers", "create", "Spring", "--kind", "serial", "--prefix", "spr",
         "--percent", "5")  # fmt: skip
    assert "3 codes issued" in call(cli, "vouchers", "generate", "Spring", "--count", "3").output
    result = call(cli, "vouchers", "generate", "Spring", "--count", "2",
                  "--client", "buying@fleetparts.example",
                  "--client", "=cmd@evil.example")  # fmt: skip
    assert "4 codes issued" in result.output
    output = tmp_path / "codes.csv"
    call(cli, "vouchers", "export", "Spring", "--format", "csv", "--output", str(output))
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["code", "client", "state"]
    assert len(rows) == 8
    assert all(is_valid_serial(normalise_code(row[0])) for row in rows[1:])
    assert [row[1] for row in rows[1:]].count("buying@fleetparts.example") == 2
    assert [row[1] for row in rows[1:]].count("'=cmd@evil.example") == 2
    assert {row[2] for row in rows[1:]} == {"free"}
    sheet = tmp_path / "codes.xlsx"
    call(cli, "vouchers", "export", "Spring", "--format", "xlsx", "-o", str(sheet))
    cells = CalamineWorkbook.from_path(str(sheet)).get_sheet_by_index(0).to_python()
    assert [[str(c) for c in row] for row in cells][1:] == [
        [row[0], row[1].removeprefix("'"), row[2]] for row in rows[1:]
    ]


def test_generate_and_export_refuse_what_is_not_there(cli: CliRunner, tmp_path: Path) -> None:
    """An unknown campaign or client, or a promotional campaign, gets exit 1 and no file."""
    call(cli, "vouchers", "create", "Winter", "--kind", "promotional", "--code", "WINTER25",
         "--percent", "5")  # fmt: skip
    assert (
        "promotional" in call(cli, "vouchers", "generate", "Winter", "--count", "1", code=1).output
    )
    call(
        cli, "vouchers", "create", "Spring", "--kind", "serial", "--prefix", "SPR", "--percent", "5"
    )
    result = call(cli, "vouchers", "generate", "Spring", "--count", "1", "--client",
                  "nobody@nowhere.example", code=1)  # fmt: skip
    assert "no client" in result.output
    output = tmp_path / "export" / "codes.csv"
    output.parent.mkdir()
    result = call(cli, "vouchers", "export", "Nope", "--format", "csv", "-o", str(output), code=1)
    assert "no campaign" in result.output
    assert list(output.parent.iterdir()) == []
    assert "no campaign or code" in call(cli, "vouchers", "show", "Nope", code=1).output


def test_show_and_export_tell_a_reserved_code(cli: CliRunner, engine: Engine,
                                              tmp_path: Path) -> None:  # fmt: skip
    """Once a code is reserved, `show CODE` lists the reservation and the export says reserved."""
    call(cli, "partners", "add", "buying@fleetparts.example", "--role", "client", "--name", "Fleet")
    call(cli, "vouchers", "create", "Spring", "--kind", "serial", "--prefix", "SPR",
         "--amount", "20")  # fmt: skip
    call(cli, "vouchers", "generate", "Spring", "--count", "1")
    output = tmp_path / "codes.csv"
    call(cli, "vouchers", "export", "Spring", "--format", "csv", "-o", str(output))
    shown = output.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    (inbound,) = add_inbound(engine, 1)
    claim = (normalise_code(shown), Money(Decimal(20), "EUR"))
    with UnitOfWork(engine) as uow:
        reserve(uow, order_id=None, client_id=1, inbound_id=inbound, now=NOW, hold_until=HOLD,
                codes_with_discounts=[claim])  # fmt: skip
        uow.commit()
    text = call(cli, "vouchers", "show", shown.lower()).output
    assert f"{shown}  Fleet   reserved  20 EUR" in text
    (detail,) = json.loads(call(cli, "vouchers", "list", "--json").output)
    assert (detail["reserved"], detail["redeemed"]) == (1, 0)
    call(cli, "vouchers", "export", "Spring", "--format", "csv", "-o", str(output))
    assert output.read_text(encoding="utf-8-sig").splitlines()[1] == f"{shown},,reserved"


def test_generate_prints_the_codes_it_made_or_writes_them(cli: CliRunner, tmp_path: Path) -> None:
    """`vouchers generate` prints each new code on a line of its own (a client's address after
    a tab), or a JSON array, or writes them to a CSV or XLSX file named by --output; the codes
    it gives are the campaign's, valid, and each given once."""
    call(cli, "partners", "add", "buying@fleetparts.example", "--role", "client", "--name", "Fleet")
    call(cli, "vouchers", "create", "Spring", "--kind", "serial", "--prefix", "spr",
         "--percent", "5")  # fmt: skip
    printed = cli.invoke(main, ["vouchers", "generate", "Spring", "--count", "3"])
    assert printed.exit_code == 0, printed.output
    codes = printed.stdout.splitlines()
    assert len(codes) == 3
    assert all(is_valid_serial(normalise_code(code)) for code in codes)
    assert printed.stderr == "3 codes issued for Spring\n"
    issued = json.loads(call(cli, "vouchers", "generate", "Spring", "--count", "2", "--client",
                             "buying@fleetparts.example", "--json").output)  # fmt: skip
    assert [row["client"] for row in issued] == ["buying@fleetparts.example"] * 2
    tabbed = call(cli, "vouchers", "generate", "Spring", "--count", "1",
                  "--client", "buying@fleetparts.example").stdout  # fmt: skip
    assert tabbed.endswith("\tbuying@fleetparts.example\n")
    sheet = tmp_path / "spring.xlsx"
    written = call(cli, "vouchers", "generate", "Spring", "--count", "2", "--output", str(sheet))
    assert written.output == f"2 codes issued for Spring, written to {sheet}\n"
    cells = CalamineWorkbook.from_path(str(sheet)).get_sheet_by_index(0).to_python()
    assert [str(c) for c in cells[0]] == ["code", "client", "state"]
    assert [row[2] for row in cells[1:]] == ["free", "free"]
    table = tmp_path / "spring.CSV"
    call(cli, "vouchers", "generate", "Spring", "--count", "1", "-o", str(table))
    rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["code", "client", "state"]
    everything = tmp_path / "all.csv"
    call(cli, "vouchers", "export", "Spring", "--format", "csv", "-o", str(everything))
    exported = [row[0] for row in csv.reader(io.StringIO(everything.read_text("utf-8-sig")))]
    made = codes + [row["code"] for row in issued] + [tabbed.split("\t")[0]]
    made += [str(row[0]) for row in cells[1:]] + [rows[1][0]]
    assert sorted(exported[1:]) == sorted(made)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--output", "codes.txt"), 2, "must end in .csv or .xlsx"),
        (("--output", "{tmp}/missing/codes.csv"), 1, "cannot write"),
        (("--output", "{tmp}/codes.csv", "--json"), 2, "choose one"),
        (("--count", "0"), 2, "--count"),
    ],
)
def test_generate_issues_nothing_it_cannot_hand_over(
    cli: CliRunner, tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    """A wrong --output or --count is refused before any code is issued."""
    call(cli, "vouchers", "create", "Spring", "--kind", "serial", "--prefix", "spr",
         "--percent", "5")  # fmt: skip
    given = [arg.format(tmp=tmp_path) for arg in args]
    result = call(cli, "vouchers", "generate", "Spring", "--count", "2", *given, code=code)
    assert message in result.output
    (listed,) = json.loads(call(cli, "vouchers", "list", "--json").output)
    assert listed["codes"] == 0
    assert list(tmp_path.glob("**/*.csv*")) == []
