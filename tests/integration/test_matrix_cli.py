"""`mailbot orders correct`: the same correction of the order matrix as over HTTP, by the
person at the command line."""

from __future__ import annotations

from click.testing import CliRunner

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from tests.commands import call
from tests.lifecycle import agree_and_send


def test_a_manager_corrects_when_the_order_file_was_confirmed(cli: CliRunner, app: App) -> None:
    seed_demo(app)
    number = agree_and_send(app)
    done = call(cli, "--by", "alice", "orders", "correct", number, "--supplier", SUPPLIER,
                "--field", "confirmed_at", "--value", "2026-11-20T09:15:00+02:00",
                "--reason", "confirmed by phone")  # fmt: skip
    assert (
        f"order {number}: confirmed_at of {SUPPLIER} set to 2026-11-20 07:15:00+00:00"
        in done.output
    )
    with app.uow() as uow:
        (event,) = uow.events.listed(kind="order.matrix_corrected")
    assert event.payload["by"] == "alice (command line)"
    refused = call(cli, "orders", "correct", number, "--supplier", SUPPLIER, "--field",
                   "ship_date", "--value", "yesterday", "--reason", "x", code=1)  # fmt: skip
    assert "not a date in ISO 8601: 'yesterday'" in refused.output
    no_reason = call(cli, "orders", "correct", number, "--supplier", SUPPLIER, "--field",
                     "ship_method", "--value", "DHL", "--reason", " ", code=1)  # fmt: skip
    assert "a correction says why" in no_reason.output
