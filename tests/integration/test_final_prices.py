"""Final prices end to end, on SQLite and PostgreSQL: rules, rounding, VAT, ties, stock state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mailbot.bootstrap import App, bootstrap, pricing_settings
from mailbot.config import Config, PricingConfig
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.money import Money
from mailbot.domain.pricing import Offer, PriceRules
from mailbot.services.orders.taking import price_rules
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import import_price_list
from mailbot.storage.models import OutboundMessage
from tests.fakes import FixedClock, RecordingTransport
from tests.mail import mail, parts
from tests.pipeline import quoted

GROSS_CLIENT = "buying@gross-fleet.example"
NET_CLIENT = "buying@fleetparts.example"  # the demo's Fleet Parts Ltd, group "fleet", net
QUICK = "sales@quick-parts.example"
# Same BPW drum at the same price as the demo supplier, in stock without a count, in two days.
QUICK_LIST = "sku;name;brand;price;stock;termen de livrare\nBPW-0310;Brake drum;BPW;84.00;da;2\n"
ORDER = "BPW-0310 x 2\nKNORR-K012 x 1\nSAF-2234 x 1\nDAF-1643 x 3"


def with_pricing(
    app: App, transport: RecordingTransport, clock: FixedClock, pricing: dict[str, Any]
) -> App:
    config: Config = app.config.model_copy(
        update={"pricing": PricingConfig.model_validate(pricing)}
    )
    return bootstrap(config, engine=app.engine, transport=transport, clock=clock)


def last_reply(app: App) -> str:
    with app.uow() as uow:
        reply = uow.session.query(OutboundMessage).order_by(OutboundMessage.id.desc()).first()
        assert reply is not None
        return parts(reply.raw)["plain"]


def partner_id(app: App, address: str) -> int:
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        return partner.id


def setup(app: App) -> None:
    """The demo data, a gross client in the "fleet" group, and a second, quicker supplier."""
    seed_demo(app)
    for address, role, name, display in (
        (GROSS_CLIENT, "client", "Gross Fleet SRL", "gross"),
        (QUICK, "supplier", "Quick Parts SRL", "net"),
    ):
        add_partner(
            app.uow,
            name=name,
            role=role,
            addresses=[address],
            language="en",
            group="fleet" if role == "client" else "",
            currency="EUR",
            now=app.clock.now(),
            price_display=display,
        )
    assert import_list(app, QUICK_LIST) == 1


def import_list(app: App, table: str) -> int:
    """Quick Parts' price list imported as `mailbot pricelist import` does; the rows taken."""
    with app.uow() as uow:
        quick = uow.partners.by_address(QUICK)
        assert quick is not None
        report = import_price_list(
            uow,
            quick,
            "prices.csv",
            table.encode(),
            default_currency="EUR",
            now=app.clock.now(),
            settings=app.price_lists,
        )
        uow.commit()
    return report.imported


def test_a_gross_client_in_a_group_gets_its_final_prices_and_vat(
    app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Group rules beat brand rules, margins and .90 endings apply, VAT is added for gross."""
    priced = with_pricing(
        app,
        transport,
        clock,
        {
            "vat_percent": 21,
            "psychological_ending": "0.90",
            "rules": [
                {"brand": "Knorr-Bremse", "percent": 25},  # outranked by the group rule
                {"group": "fleet", "percent": 10},
                {"group": "Fleet", "brand": "SAF", "percent": 1, "min_margin": 4},
            ],
        },
    )
    setup(priced)
    detail = quoted(priced, mail(sender=GROSS_CLIENT, body=ORDER))
    quick, balkan = (
        partner_id(priced, QUICK),
        partner_id(priced, SUPPLIER),
    )
    rows = [(x["sku"], x["unit_price"], x["line_total"], x["supplier_id"]) for x in detail["lines"]]
    assert rows == [
        ("BPW-0310", "92.90", "185.80", quick),  # 84.00 + 10 % = 92.40 → .90; two days wins
        ("KNORR-K012", "142.90", "142.90", balkan),  # 129.90 + 10 % = 142.89 → .90
        ("SAF-2234", "50.90", "50.90", balkan),  # 46.97 is under 46.50 + 4 → 50.50 → .90
        ("DAF-1643", "13.90", "41.70", balkan),  # 12.10 + 10 % = 13.31 → .90
    ]
    assert detail["total"] == "421.30"  # orders keep the net total
    text = [line.strip() for line in last_reply(priced).splitlines()]
    assert "Total excl. VAT: €421.30" in text
    assert "VAT 21%: €88.47" in text  # 88.473
    assert "Total incl. VAT: €509.77" in text
    assert "2 × €92.90 = €185.80 · in stock" in text
    assert "1 × €142.90 = €142.90 · in stock: 5" in text


def test_a_net_client_in_the_same_group_gets_the_same_prices_without_vat(
    app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """Display is per client: a net client is quoted the same net prices and no VAT line."""
    priced = with_pricing(app, transport, clock, {"rules": [{"group": "fleet", "percent": 10}]})
    setup(priced)
    detail = quoted(priced, mail(sender=NET_CLIENT, body="KNORR-K012 x 1"))
    assert [x["unit_price"] for x in detail["lines"]] == ["142.89"]  # no ending configured
    text = last_reply(priced)
    assert "Total excl. VAT: €142.89" in text
    assert "VAT" not in text.replace("excl. VAT", "")


def test_without_delivery_days_the_supplier_priority_breaks_the_tie(
    app: App, transport: RecordingTransport, clock: FixedClock
) -> None:
    """On equal price and unknown days the configured priority wins, else the older supplier."""
    body = "sku;price;stock\nBPW-0310;84.00;50\n"
    plain = with_pricing(app, transport, clock, {"supplier_priority": {QUICK.upper(): 3}})
    setup(plain)
    assert import_list(plain, body) == 1  # prices without lead times
    detail = quoted(plain, mail(sender=NET_CLIENT, body="BPW-0310 x 1"))
    assert detail["lines"][0]["supplier_id"] == partner_id(plain, QUICK)
    unranked = with_pricing(app, transport, clock, {})
    detail = quoted(unranked, mail(sender=NET_CLIENT, body="BPW-0310 x 2"))
    assert detail["lines"][0]["supplier_id"] == partner_id(
        plain, "sales@balkan-truck-parts.example"
    )


def resolved(app: App, pricing: dict[str, Any]) -> PriceRules:
    with app.uow() as uow:
        return price_rules(uow, pricing_settings(PricingConfig.model_validate(pricing)))


def test_the_contract_markup_keys_still_apply_after_the_rules_tables(app: App) -> None:
    """supplier_markup_percent and default_markup_percent price as before; a rules table of
    the same rank comes first, and a rule for an unknown supplier address matches nothing."""
    seed_demo(app)
    balkan = partner_id(app, SUPPLIER)
    from_balkan, from_other = (
        Offer(supplier, "X-1", "x", Money(Decimal(100), "EUR")) for supplier in (balkan, 999)
    )
    legacy = {"default_markup_percent": 30, "supplier_markup_percent": {SUPPLIER.upper(): 15}}
    prices = resolved(app, legacy)
    assert prices.client_price(from_balkan).amount == Decimal("115.00")
    assert prices.client_price(from_other).amount == Decimal("130.00")
    tables = [
        {"supplier": SUPPLIER, "percent": 5},
        {"supplier": "nobody@unknown.example", "percent": -50},
        {"percent": 25},  # names nothing: replaces default_markup_percent
    ]
    prices = resolved(app, {**legacy, "rules": tables})
    assert prices.client_price(from_balkan).amount == Decimal("105.00")
    assert prices.client_price(from_other).amount == Decimal("125.00")
