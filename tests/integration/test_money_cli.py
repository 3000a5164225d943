"""Money on the command line: a client's balance in `partners show`, and `ledger list`, after
orders really taken and agreed by mail and payments booked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.commands import call

PRICES = "sku;name;price;stock\nBPW-0310;Brake drum;84.00;12\n"
CLIENT = "buying@fleetparts.example"
SUPPLIER = "sales@supplier.example"


@pytest.fixture
def cli(environ: dict[str, str], tmp_path: Path) -> CliRunner:
    """A runner on the test database with a supplier, its price list and a client whose
    order of 2 x BPW-0310 (201.60 EUR) was agreed by mail."""
    runner = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    call(runner, "partners", "add", SUPPLIER, "--role", "supplier", "--name", "S")
    call(runner, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet",
         "--credit-limit", "1000")  # fmt: skip
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES)
    call(runner, "pricelist", "import", str(prices), "--supplier", SUPPLIER)
    out = call(runner, "ingest", str(mail(tmp_path, "o1", "Order", "BPW-0310 x 2"))).output
    number = out.split("quoted ")[1].split(":")[0]
    (quote,) = json.loads(call(runner, "outbox", "list", "--json").output)
    agree = mail(tmp_path, "a1", f"Re: Quote {number}", "AGREE", quote["message_id"])
    agreed = call(runner, "ingest", str(agree))  # a reply to the quote, as a mail program writes
    assert "agreed" in agreed.output
    return runner


def mail(tmp_path: Path, name: str, subject: str, body: str, reply_to: str = "") -> Path:
    path = tmp_path / f"{name}.eml"
    threading = f"In-Reply-To: {reply_to}\r\n" if reply_to else ""
    path.write_bytes(
        f"From: {CLIENT}\r\nTo: orders@distributor.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{name}@fleetparts.example>\r\n{threading}\r\n{body}\r\n".encode()
    )
    return path


def test_partners_show_gives_a_clients_balance_limit_and_entries(cli: CliRunner) -> None:
    """After an agreed order and a payment, `partners show` says what the client owes, its
    credit limit and what is left, and lists the entries with their orders and balances."""
    call(cli, "payments", "add", CLIENT, "50", "--note", "bank 17")
    shown = json.loads(call(cli, "partners", "show", CLIENT, "--json").output)
    assert (shown["balance"], shown["owes"]) == ("-151.60", "151.60")
    assert (shown["credit_limit"], shown["credit_left"]) == ("1000.00", "848.40")
    (debit, credit) = shown["entries"]
    assert (debit["kind"], debit["amount"], debit["currency"], debit["balance"]) == (
        "debit", "201.60", "EUR", "-201.60"
    )  # fmt: skip
    assert debit["order"].startswith("ORD-")
    assert (credit["kind"], credit["amount"], credit["note"], credit["order"]) == (
        "credit", "50.00", "bank 17", None
    )  # fmt: skip
    assert credit["balance"] == "-151.60"
    text = call(cli, "partners", "show", CLIENT).output
    assert "balance: -151.60 EUR" in text
    assert "owes: 151.60 EUR" in text
    assert "credit_limit: 1000.00 EUR" in text
    assert "newest ledger entries:" in text
    assert "bank 17" in text
    supplier = json.loads(call(cli, "partners", "show", SUPPLIER, "--json").output)
    assert "balance" not in supplier  # a supplier has no account


def test_partners_show_lists_the_ten_newest_entries(cli: CliRunner) -> None:
    """With twelve entries, the ten newest are shown, the last one ending at the balance."""
    for n in range(11):
        call(cli, "payments", "add", CLIENT, "10", "--note", f"payment {n}")
    shown = json.loads(call(cli, "partners", "show", CLIENT, "--json").output)
    entries = shown["entries"]
    assert [e["note"] for e in entries] == [f"payment {n}" for n in range(1, 11)]
    assert entries[-1]["balance"] == shown["balance"] == "-91.60"


def test_ledger_list_gives_every_entry_with_a_running_balance(cli: CliRunner) -> None:
    """`ledger list` lists entries oldest first with the balance after each; --limit keeps
    the newest (their balances still count every entry), --since the later ones."""
    call(cli, "payments", "add", CLIENT, "100", "--note", "first")
    call(cli, "payments", "add", CLIENT, "101.60", "--note", "second")
    rows = json.loads(call(cli, "ledger", "list", CLIENT, "--json").output)
    assert [(r["kind"], r["amount"], r["balance"]) for r in rows] == [
        ("debit", "201.60", "-201.60"),
        ("credit", "100.00", "-101.60"),
        ("credit", "101.60", "0.00"),
    ]
    newest = json.loads(call(cli, "ledger", "list", CLIENT, "--limit", "1", "--json").output)
    assert newest == rows[-1:]
    later = json.loads(call(cli, "ledger", "list", CLIENT, "--since", "2999-01-01",
                            "--json").output)  # fmt: skip
    assert later == []
    since = json.loads(
        call(cli, "ledger", "list", CLIENT, "--since", rows[1]["at"], "--json").output
    )
    assert since == rows[1:]
    text = call(cli, "ledger", "list", CLIENT).output
    assert "201.60 EUR  ORD-" in text
    assert "second" in text
    assert text.rstrip().endswith("balance: 0.00 EUR (owes 0.00 EUR)")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((SUPPLIER,), 1, "is a supplier, not a client"),
        (("nobody@nowhere.example",), 1, "no partner has the address"),
        ((CLIENT, "--since", "last week"), 2, "--since"),
        ((CLIENT, "--limit", "0"), 2, "--limit"),
    ],
)
def test_ledger_list_refuses_what_has_no_ledger(
    cli: CliRunner, args: tuple[str, ...], code: int, message: str
) -> None:
    assert message in call(cli, "ledger", "list", *args, code=code).output
