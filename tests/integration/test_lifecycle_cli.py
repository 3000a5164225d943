"""The lifecycle's command line: payments, partner terms, and held, cancelled, closed orders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.commands import call

PRICES = "sku;name;price;stock\nBPW-0310;Brake drum;84.00;12\n"
CLIENT = "buying@fleetparts.example"


@pytest.fixture
def cli(environ: dict[str, str], tmp_path: Path) -> CliRunner:
    """A runner on the test database, with a supplier, a client and a manager registered."""
    runner = CliRunner(env={**environ, "MAILBOT_CONFIG": ""})
    call(runner, "partners", "add", "sales@supplier.example", "--role", "supplier", "--name", "S")
    call(runner, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet",
         "--credit-limit", "150")  # fmt: skip
    call(runner, "partners", "add", "boss@desk.example", "--role", "manager", "--name", "Boss")
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES)
    call(runner, "pricelist", "import", str(prices), "--supplier", "sales@supplier.example")
    return runner


def order_mail(tmp_path: Path, name: str, subject: str, body: str, reply_to: str = "") -> Path:
    path = tmp_path / name
    threading = f"In-Reply-To: {reply_to}\r\n" if reply_to else ""
    path.write_bytes(
        f"From: {CLIENT}\r\nTo: orders@distributor.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{name}@fleetparts.example>\r\n{threading}\r\n{body}\r\n".encode()
    )
    return path


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("100", "--currency", "USD"), "kept in EUR; a payment in USD cannot be booked", 1),
        (("-5",), "a payment must be a positive amount, not -5", 2),
        (("0",), "a payment must be a positive amount, not 0", 2),
        (("lots",), "'lots' is not an amount", 2),
    ],
)
def test_a_wrong_payment_is_refused(
    cli: CliRunner, args: tuple[str, ...], message: str, code: int
) -> None:
    """A payment in another currency is refused (exit 1); zero, negative or unreadable is a
    wrong value (exit 2); neither is booked."""
    result = call(cli, "payments", "add", CLIENT, *args, code=code)
    assert message in result.output
    ok = call(cli, "payments", "add", CLIENT, "10,50", "--currency", "eur", "--note", "bank")
    assert "balance 10.50 EUR" in ok.output  # only the good payment counted


def test_partners_set_changes_the_terms(cli: CliRunner) -> None:
    """`partners set` turns auto-agree on, changes or removes the credit limit, refuses junk."""
    shown = json.loads(
        call(
            cli, "partners", "set", CLIENT, "--auto-agree", "--credit-limit", "900", "--json"
        ).output
    )
    assert (shown["auto_agree"], shown["credit_limit"]) == (True, "900.00")
    shown = json.loads(call(cli, "partners", "set", CLIENT, "--credit-limit", "", "--json").output)
    assert (shown["auto_agree"], shown["credit_limit"]) == (True, None)
    assert "credit limit" in call(cli, "partners", "set", CLIENT, "--credit-limit", "-1",
                                  code=2).output  # fmt: skip
    assert "time zone" in call(cli, "partners", "set", CLIENT, "--timezone", "Mars/Base",
                               code=2).output  # fmt: skip


def test_a_held_order_is_released_or_cancelled_from_the_command_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Above the limit an order is held; `orders release` sends it, `orders show` tells its
    story, `orders close` needs it shipped, `orders cancel` refuses a finished order."""
    out = call(cli, "ingest", str(order_mail(tmp_path, "o1", "Order", "BPW-0310 x 2"))).output
    number = out.split("quoted ")[1].split(":")[0]
    (quote,) = json.loads(call(cli, "outbox", "list", "--json").output)
    agree = order_mail(tmp_path, "a1", f"Re: Quote {number}", "AGREE", quote["message_id"])
    assert "held above the credit limit" in call(cli, "ingest", str(agree)).output
    (listed,) = json.loads(call(cli, "orders", "list", "--json").output)
    assert listed["status"] == "held"
    assert "not shipped" in call(cli, "orders", "close", number, code=1).output
    assert "released" in call(cli, "orders", "release", number).output
    assert "not held" in call(cli, "orders", "release", number, code=1).output
    shown = json.loads(call(cli, "orders", "show", number, "--json").output)
    assert [s["status"] for s in shown["transitions"]] == [
        "quoted", "held", "agreed", "sent"
    ]  # fmt: skip
    assert shown["suppliers"][0]["status"] == "sent"
    text = call(cli, "orders", "show", number).output
    assert "released by a manager" in text
    assert "cancelled" in call(cli, "orders", "cancel", number, "--note", "client called").output
    assert "too late to cancel" in call(cli, "orders", "cancel", number, code=1).output
    assert "no order ORD-1" in call(cli, "orders", "release", "ORD-1", code=1).output
