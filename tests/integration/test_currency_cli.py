"""One currency rule for every command that takes a currency, and voucher terms files whose
amounts may be JSON numbers or decimal texts alike."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailbot.bootstrap import App
from mailbot.domain.money import Money
from mailbot.domain.vouchers.restrictions import OrderTotal
from mailbot.domain.vouchers.terms import VoucherTerms
from mailbot.services.partners.registry import PartnerError, add_partner
from tests.commands import call

CLIENT, SUPPLIER = "buying@fleetparts.example", "sales@supplier.example"


def test_every_currency_option_refuses_what_is_not_an_iso_code(
    cli: CliRunner, tmp_path: Path
) -> None:
    """partners add, payments add, pricelist import and vouchers create refuse --currency XYZ
    as wrong usage (exit 2) naming the option, and change nothing."""
    call(cli, "partners", "add", SUPPLIER, "--role", "supplier", "--name", "Supp")
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet")
    prices = tmp_path / "prices.csv"
    prices.write_text("sku;price\nBPW-0310;84.00\n", encoding="utf-8")
    refused = [
        ("partners", "add", "x@new.example", "--role", "client", "--name", "X"),
        ("payments", "add", CLIENT, "10"),
        ("pricelist", "import", str(prices), "--supplier", SUPPLIER),
        ("vouchers", "create", "W", "--kind", "promotional", "--code", "W1", "--amount", "5"),
    ]
    for command in refused:
        for currency in ("XYZ", "XXX", "€"):
            result = call(cli, *command, "--currency", currency, code=2)
            assert "Invalid value for '--currency'" in result.output
            assert "is not an ISO 4217 currency code (such as EUR)" in result.output
    assert len(json.loads(call(cli, "partners", "list", "--json").output)) == 2
    assert json.loads(call(cli, "vouchers", "list", "--json").output) == []


def test_a_currency_code_is_taken_in_any_case(cli: CliRunner) -> None:
    """`--currency usd` is USD."""
    call(cli, "partners", "add", CLIENT, "--role", "client", "--name", "Fleet", "--currency", "usd")
    assert json.loads(call(cli, "partners", "show", CLIENT, "--json").output)["currency"] == "USD"


def test_the_registry_refuses_a_partner_in_no_currency(app: App) -> None:
    """Every channel that adds a partner meets the same rule: the use case refuses XYZ."""
    with pytest.raises(PartnerError, match="currency must be an ISO 4217 code such as EUR"):
        add_partner(app.uow, name="X", role="client", addresses=[CLIENT], language="en",
                    group="", currency="XYZ", now=app.clock.now())  # fmt: skip


def test_the_default_currency_follows_the_same_rule(environ: dict[str, str]) -> None:
    """pricing.currency = XYZ is a configuration error naming the key (exit 3)."""
    cli = CliRunner(env={**environ, "MAILBOT_CONFIG": "", "MAILBOT_PRICING__CURRENCY": "XYZ"})
    result = call(cli, "partners", "list", code=3)
    assert "pricing.currency (from MAILBOT_PRICING__CURRENCY): 'XYZ' is not an ISO 4217" in (
        result.output
    )


def test_terms_amounts_may_be_json_numbers_or_texts(cli: CliRunner, tmp_path: Path) -> None:
    """A terms file's amounts are read exactly as written, as numbers (200, 200.5, 0.1) or as
    decimal texts ("200.5"): each campaign is created and keeps the amount it was given."""
    written = {"200": "200", "200.5": "200.5", '"200.5"': "200.5", "0.1": "0.1", "2E+2": "2E+2"}
    for number, (text, kept) in enumerate(written.items()):
        file = tmp_path / f"terms{number}.json"
        file.write_text(
            '{"benefit": {"kind": "percent", "value": 7.5}, "restrictions": [{"rule": '
            f'"order_total", "min": {text}, "currency": "EUR"}}]}}'
        )
        call(cli, "vouchers", "create", f"C{number}", "--kind", "promotional",
             "--code", f"CODE{number}", "--terms", str(file))  # fmt: skip
        shown = json.loads(call(cli, "vouchers", "show", f"C{number}", "--json").output)
        terms = VoucherTerms.from_dict(shown["terms"])
        (rule,) = terms.restrictions
        assert isinstance(rule, OrderTotal)
        assert rule.min == Money(Decimal(kept), "EUR")
        assert terms.benefit.to_dict()["value"] == "7.5"


def test_terms_with_an_unknown_currency_are_refused(cli: CliRunner, tmp_path: Path) -> None:
    """A terms file whose currency is not an ISO code is refused (exit 1) naming the field."""
    file = tmp_path / "terms.json"
    file.write_text('{"benefit": {"kind": "fixed", "value": 5, "currency": "XTS"}}')
    result = call(cli, "vouchers", "create", "T", "--kind", "promotional", "--code", "T5",
                  "--terms", str(file), code=1)  # fmt: skip
    assert "benefit.currency: 'XTS' is not an ISO 4217 currency code" in result.output
