"""Who acted from the command line, on SQLite and PostgreSQL: `--by NAME` (else the login) is
recorded in the order's history, the ledger and the events, and logged once per act."""

from __future__ import annotations

import getpass
import json
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.cli import main
from mailbot.demo import seed_demo
from mailbot.storage.models import Event, LedgerEntry
from tests.commands import call
from tests.lifecycle import CLIENT, agree_and_send, last_to, quote
from tests.mail import parts

ROOT = Path(__file__).parents[2]


def history(cli: CliRunner, number: str) -> list[dict[str, Any]]:
    shown = json.loads(call(cli, "orders", "show", number, "--json").output)
    return list(shown["transitions"])


def ledger(app: App) -> list[tuple[str, Decimal, str]]:
    with app.uow() as uow:
        entries = uow.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
        return [(entry.kind, entry.amount, entry.created_by) for entry in entries]


def events(app: App) -> dict[str, dict[str, Any]]:
    """The newest payload of each kind of event."""
    with app.uow() as uow:
        return {event.type: event.payload for event in uow.session.scalars(select(Event))}


def test_a_cancel_by_alice_names_her_in_the_history_ledger_and_log(
    app: App, cli: CliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    """`mailbot --by alice orders cancel N`: `orders show N` says the order was cancelled by
    "alice (command line)" as a manager, the credit back is booked by her, one log line says
    so, and the client's mail credits the order desk."""
    seed_demo(app)
    number = agree_and_send(app)
    caplog.set_level(logging.INFO, logger="mailbot.cli")
    call(cli, "--by", "alice", "orders", "cancel", number, "--note", "client called")

    last = history(cli, number)[-1]
    assert (last["status"], last["by"], last["role"], last["note"]) == (
        "cancelled", "alice (command line)", "manager", "client called"
    )  # fmt: skip
    assert "alice (command line)  manager" in call(cli, "orders", "show", number).output
    assert ledger(app)[-1] == ("credit", Decimal("480.60"), "alice (command line)")
    assert events(app)["order.cancelled"]["by"] == "alice (command line)"
    logged = [r.getMessage() for r in caplog.records if r.name == "mailbot.cli"]
    assert logged == [f"order {number} cancelled by alice (command line)"]
    told = parts(last_to(app, CLIENT, "order_answer").raw)["plain"]
    assert "cancelled (order desk)" in told


def test_without_by_the_actor_is_the_login(app: App, cli: CliRunner) -> None:
    """Without --by, the user running the command is recorded: in the history of a cancelled
    order and on a payment."""
    seed_demo(app)
    number = quote(app)
    me = f"{getpass.getuser()} (command line)"
    call(cli, "orders", "cancel", number)
    assert history(cli, number)[-1]["by"] == me
    call(cli, "payments", "add", CLIENT, "25")
    assert ledger(app)[-1] == ("credit", Decimal("25"), me)


def test_every_changing_command_records_and_logs_its_actor(
    app: App, cli: CliRunner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Partners added, changed and deactivated, a price list imported, a campaign created and
    its codes issued, a quarantined message retried: each event names carol, the retried
    message's outcome too, and each act logs one line."""
    caplog.set_level(logging.INFO, logger="mailbot.cli")
    carol = ("--by", "carol")
    call(cli, *carol, "partners", "add", "sales@supplier.example", "--role", "supplier",
         "--name", "Supp")  # fmt: skip
    call(cli, *carol, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    prices = tmp_path / "prices.csv"
    prices.write_text("sku;name;price;stock\nBPW-0310;Brake drum;84.00;12\n")
    call(cli, *carol, "pricelist", "import", str(prices), "--supplier", "sales@supplier.example")
    call(cli, *carol, "partners", "set", CLIENT, "--credit-limit", "900")
    call(cli, *carol, "vouchers", "create", "Loyal", "--kind", "serial", "--prefix", "FAV",
         "--percent", "5")  # fmt: skip
    call(cli, *carol, "vouchers", "generate", "Loyal", "--count", "2")
    templates = tmp_path / "templates" / "mail"
    templates.mkdir(parents=True)
    (templates / "quote.subject.j2").write_text("{{ missing.thing }}")
    order = tmp_path / "order.eml"
    order.write_bytes(f"From: {CLIENT}\r\nSubject: o\r\n\r\nBPW-0310 x 1\r\n".encode())
    broken = {"MAILBOT_TEMPLATES__FOLDER": str(tmp_path / "templates"),
              "MAILBOT_PROCESSING__MAX_ATTEMPTS": "1"}  # fmt: skip
    assert cli.invoke(main, ["ingest", str(order)], env=broken).exit_code == 1
    call(cli, *carol, "quarantine", "retry", "1")
    call(cli, *carol, "partners", "deactivate", CLIENT)

    recorded = events(app)
    for name in ("partner.added", "price_list.imported", "partner.changed",
                 "voucher.campaign_created", "voucher.codes_issued", "message.retried",
                 "partner.deactivated"):  # fmt: skip
        assert recorded[name]["by"] == "carol (command line)", name
    with app.uow() as uow:
        message = uow.inbox.get(1)
        assert message is not None
        assert message.outcome.startswith("retried from quarantine by carol (command line)")
    logged = [r.getMessage() for r in caplog.records if r.name == "mailbot.cli"]
    assert len(logged) == 8
    assert all(line.endswith(" by carol (command line)") for line in logged)
    assert "message 1 retried from quarantine by carol (command line)" in logged


def test_the_log_line_of_an_act_reaches_stderr(app: App, environ: dict[str, str]) -> None:
    """A real `mailbot -v --by dora orders cancel N` process logs the act at INFO."""
    seed_demo(app)
    number = quote(app)
    env = {**os.environ, **environ, "MAILBOT_CONFIG": ""}
    command = [sys.executable, "-m", "mailbot", "-v", "--by", "dora", "orders", "cancel", number]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"mailbot.cli: order {number} cancelled by dora (command line)" in done.stderr


def test_mail_sent_at_a_managers_command_is_logged_with_who(
    app: App, cli: CliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    """`pricelist stale --notify` mails the managers: the act is logged with who ran it; with
    nothing stale, nothing is mailed and nothing is logged."""
    seed_demo(app)
    caplog.set_level(logging.INFO, logger="mailbot.cli")
    call(cli, "--by", "frank", "pricelist", "stale", "--days", "100000", "--notify")
    assert [r for r in caplog.records if r.name == "mailbot.cli"] == []
    call(cli, "--by", "frank", "pricelist", "stale", "--days", "0", "--notify")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "mailbot.cli"]
    assert line.endswith("about stale price lists queued by frank (command line)")
