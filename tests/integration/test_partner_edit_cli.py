"""`partners set` changing every field `partners add` takes (and refusing what would strand a
partner's records), and `partners reactivate` after a cut-off."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.services.partners.editing import Changes, edit_partner, reactivate
from mailbot.services.partners.registry import PartnerError
from tests.commands import call
from tests.fakes import FixedClock
from tests.mail import mail
from tests.pipeline import FLEET, ingest

CLIENT = "buying@fleetparts.example"
PRICES = "sku;name;price;stock\nBPW-0310;Brake drum;84.00;12\n"


def shown(cli: CliRunner, address: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(call(cli, "partners", "show", address, "--json").output)
    return found


def test_set_changes_every_field_add_takes(cli: CliRunner) -> None:
    """A partner with nothing on record yet takes a new name, role, language, group, currency,
    price display, formats, terms and addresses in one command."""
    call(cli, "partners", "add", "new@shop.example", "--role", "manager", "--name", "Nw")
    changed = json.loads(call(
        cli, "partners", "set", "new@shop.example", "--name", "New Shop", "--role", "client",
        "--language", "ro", "--group", "retail", "--currency", "mdl", "--price-display", "gross",
        "--price-list-formats", "csv,xlsx", "--also", "Orders@Shop.example",
        "--remove-address", "new@shop.example", "--credit-limit", "500", "--auto-agree",
        "--timezone", "Europe/Chisinau", "--contract-end", "2030-01-01", "--json",
    ).output)  # fmt: skip
    assert {key: changed[key] for key in (
        "name", "role", "language", "group", "currency", "price_display", "price_list_formats",
        "addresses", "credit_limit", "auto_agree", "timezone",
    )} == {
        "name": "New Shop", "role": "client", "language": "ro", "group": "retail",
        "currency": "MDL", "price_display": "gross", "price_list_formats": "csv,xlsx",
        "addresses": ["orders@shop.example"], "credit_limit": "500.00", "auto_agree": True,
        "timezone": "Europe/Chisinau",
    }  # fmt: skip
    assert str(changed["contract_ends_at"]).startswith("2029-12-31T22:00:00")
    assert shown(cli, "orders@shop.example")["name"] == "New Shop"
    call(cli, "partners", "show", "new@shop.example", code=1)  # the address is free again
    call(cli, "partners", "add", "new@shop.example", "--role", "client", "--name", "Other")
    changed = json.loads(call(cli, "partners", "set", "orders@shop.example", "--group", "",
                              "--contract-end", "none", "--json").output)  # fmt: skip
    assert (changed["group"], changed["contract_ends_at"]) == ("", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--also", "new@shop.example"), "already registered: new@shop.example"),
        (("--remove-address", CLIENT), "Fleet needs at least one address"),
        (("--remove-address", "other@x.example"), "Fleet does not have other@x.example"),
        (("--also", "a@x.example", "--remove-address", "a@x.example"), "both added and removed"),
        (("--name", " "), "a partner's name cannot be empty"),
    ],
)
def test_set_refuses_impossible_addresses_and_names(
    cli: CliRunner, args: tuple[str, ...], message: str
) -> None:
    """Refused changes exit 1 with the reason, and nothing of the command is applied."""
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    call(cli, "partners", "add", "new@shop.example", "--role", "client", "--name", "Shop")
    before = shown(cli, CLIENT)
    result = call(cli, "partners", "set", CLIENT, "--group", "changed", *args, code=1)
    assert message in result.output
    assert shown(cli, CLIENT) == before


def test_role_and_currency_stay_while_records_hang_on_them(cli: CliRunner, tmp_path: Path) -> None:
    """Once a client has an open order and ledger entries, its role and currency are refused
    (exit 1, the records named, nothing changed); a supplier with a price list keeps its role
    but may change the currency its new lists default to."""
    call(cli, "partners", "add", "sales@supplier.example", "--role", "supplier", "--name", "S")
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES)
    call(cli, "pricelist", "import", str(prices), "--supplier", "sales@supplier.example")
    order = tmp_path / "order.eml"
    order.write_bytes(mail(sender=CLIENT, body="BPW-0310 x 1"))
    assert "quoted" in call(cli, "ingest", str(order)).output
    result = call(cli, "partners", "set", CLIENT, "--currency", "USD", "--name", "X", code=1)
    assert "Fleet stays in EUR: it has 1 open order in EUR" in result.output
    result = call(cli, "partners", "set", CLIENT, "--role", "manager", code=1)
    assert "Fleet stays a client: it has 1 order, which belong" in result.output
    call(cli, "payments", "add", CLIENT, "10")
    result = call(cli, "partners", "set", CLIENT, "--currency", "USD", code=1)
    assert "1 ledger entry, 1 open order" in result.output
    assert (shown(cli, CLIENT)["currency"], shown(cli, CLIENT)["name"]) == ("EUR", "Fleet")
    result = call(cli, "partners", "set", "sales@supplier.example", "--role", "client", code=1)
    assert "it has 1 price list" in result.output
    moved = json.loads(call(cli, "partners", "set", "sales@supplier.example", "--currency",
                            "usd", "--json").output)  # fmt: skip
    assert (moved["role"], moved["currency"]) == ("supplier", "USD")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--currency", "XYZ"), "not an ISO 4217 currency code"),
        (("--language", "de"), "--language"),
        (("--role", "boss"), "--role"),
        (("--credit-limit", "lots"), "credit limit"),
        (("--price-list-formats", "pdf"), "price list formats"),
        (("--contract-end", "soon"), "--contract-end"),
    ],
)
def test_set_calls_a_wrong_value_wrong_usage(
    cli: CliRunner, args: tuple[str, ...], fragment: str
) -> None:
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    assert fragment in call(cli, "partners", "set", CLIENT, *args, code=2).output


def test_reactivate_takes_orders_again(cli: CliRunner, tmp_path: Path) -> None:
    """A deactivated client's order is not taken; once reactivated, it is quoted again."""
    call(cli, "partners", "add", "sales@supplier.example", "--role", "supplier", "--name", "S")
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES)
    call(cli, "pricelist", "import", str(prices), "--supplier", "sales@supplier.example")
    call(cli, "partners", "deactivate", CLIENT)
    first = tmp_path / "first.eml"
    first.write_bytes(mail(sender=CLIENT, body="BPW-0310 x 1"))
    assert "quoted" not in call(cli, "ingest", str(first)).output
    back = json.loads(call(cli, "partners", "reactivate", CLIENT, "--json").output)
    assert (back["active"], back["deactivated_at"]) == (True, None)
    again = tmp_path / "again.eml"
    again.write_bytes(mail(sender=CLIENT, body="BPW-0310 x 2"))
    assert "quoted ORD-" in call(cli, "ingest", str(again)).output
    assert "is active" in call(cli, "partners", "reactivate", CLIENT, code=1).output
    call(cli, "partners", "reactivate", "nobody@nowhere.example", code=1)


def test_reactivating_after_the_contract_end_clears_it(app: App, clock: FixedClock) -> None:
    """A partner cut off by its contract end is reactivated with the end cleared, so the next
    tick does not cut it off again, and a later cut-off owes it a notice again."""
    seed_demo(app)
    ends = clock.now() + timedelta(hours=1)
    edit_partner(app.uow, CLIENT, Changes(new_contract_end=True, contract_ends_at=ends),
                 now=clock.now())  # fmt: skip
    clock.advance(timedelta(hours=2))
    app.jobs.run_due(clock.now())
    _, outcome = ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    assert "quoted" not in outcome.summary
    partner = reactivate(app.uow, CLIENT, now=clock.now())
    assert (partner.active, partner.contract_ends_at, partner.cutoff_notice_at) == (
        True, None, None
    )  # fmt: skip
    app.jobs.run_due(clock.now() + timedelta(minutes=1))
    _, outcome = ingest(app, mail(sender=FLEET, body="BPW-0310 x 1"))
    assert outcome.summary.startswith("quoted"), outcome
    with pytest.raises(PartnerError, match="nothing to reactivate"):
        reactivate(app.uow, CLIENT, now=clock.now())
