"""Prices and stock of some of a supplier's SKUs from the ERP: a new version of its price
list, shown by `pricelist history` and `pricelist diff` like any other."""

from __future__ import annotations

import json
from decimal import Decimal

from click.testing import CliRunner

from mailbot.bootstrap import App
from mailbot.demo import SUPPLIER, seed_demo
from mailbot.domain.pricing import normalise_sku
from mailbot.services.erp.inbound import Verdict, apply_message
from tests.commands import call
from tests.events.test_consumer import envelope


def items_message(supplier: int, items: list[dict[str, object]]) -> bytes:
    return envelope(
        "erp.supplier_items", "partner", supplier, {"supplier": supplier, "items": items}
    )


def test_the_erp_sets_prices_and_stock_as_a_new_version_of_the_list(
    app: App, cli: CliRunner
) -> None:
    """Prices and stock for some of a supplier's SKUs make a new active version derived from
    the old one (which stays, replaced): the next quote uses them, `pricelist history` lists
    it as the ERP's and `pricelist diff` shows the price and stock changed; a SKU not on the
    list refuses the whole message and makes no version."""
    seed_demo(app)
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        old = uow.prices.active_for(supplier.id)
        assert old is not None
    items = [
        {"sku": "bpw-0310", "price": {"amount": "90.00", "currency": "EUR"}, "stock": 3},
        {"sku": "WABCO-4324", "stock": None},
    ]
    applied = apply_message(app.uow, app.desk, items_message(supplier.id, items), app.clock.now())
    assert applied.verdict is Verdict.APPLIED
    with app.uow() as uow:
        (drum,) = [item for item, _ in uow.prices.active_items(normalise_sku("BPW-0310"))]
        (valve,) = [item for item, _ in uow.prices.active_items(normalise_sku("WABCO-4324"))]
        (updated,) = uow.events.listed(kind="price_list.items_updated")
        activated = uow.events.listed(kind="price_list.activated")[-1]
    assert (drum.price, drum.stock, drum.in_stock) == (Decimal("90.00"), 3, True)
    assert (valve.stock, valve.in_stock) == (None, None)
    new = drum.price_list_id
    assert new != old.id
    assert updated.payload == {
        "supplier": supplier.id, "price_list": new, "derived_from": old.id, "items": 2,
        "by": "erp",
    }  # fmt: skip
    assert activated.payload == {"supplier": supplier.id, "price_list": new}
    history = json.loads(call(cli, "pricelist", "history", SUPPLIER, "--json").output)
    assert [(v["id"], v["status"], v["rows"]) for v in history] == [
        (new, "active", old.rows), (old.id, "replaced", old.rows)
    ]  # fmt: skip
    assert history[0]["source"] == f"erp: 2 item(s) of version {old.id} changed"
    diff = json.loads(call(cli, "pricelist", "diff", SUPPLIER, "--json").output)
    assert (diff["from"]["id"], diff["to"]["id"]) == (old.id, new)
    assert (diff["added"], diff["removed"]) == ([], [])
    assert [(c["sku"], c["old_price"], c["new_price"]) for c in diff["changed"]] == [
        ("BPW-0310", "84.00", "90.00")
    ]  # fmt: skip
    assert [(c["sku"], c["old_stock"], c["new_stock"]) for c in diff["restocked"]] == [
        ("BPW-0310", 12, 3), ("WABCO-4324", 0, None)
    ]  # fmt: skip
    assert "restocked: 2" in call(cli, "pricelist", "diff", SUPPLIER).output
    unknown = [{"sku": "BPW-0310", "stock": 1}, {"sku": "NO-SUCH", "stock": 1}]
    refused = apply_message(app.uow, app.desk, items_message(supplier.id, unknown), app.clock.now())
    assert refused.verdict is Verdict.DEAD
    assert refused.reason == "not on Balkan Truck Parts SRL's active price list: NO-SUCH"
    assert len(json.loads(call(cli, "pricelist", "history", SUPPLIER, "--json").output)) == 2
    with app.uow() as uow:
        (drum,) = [item for item, _ in uow.prices.active_items(normalise_sku("BPW-0310"))]
    assert drum.stock == 3


def test_a_price_in_another_currency_refuses_the_message(app: App) -> None:
    """A new price in a currency the item is not priced in changes nothing."""
    seed_demo(app)
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
    items = [{"sku": "BPW-0310", "price": {"amount": "90.00", "currency": "USD"}}]
    refused = apply_message(app.uow, app.desk, items_message(supplier.id, items), app.clock.now())
    assert (refused.verdict, refused.reason) == (Verdict.DEAD, "BPW-0310 is priced in EUR, not USD")
    with app.uow() as uow:
        assert uow.events.listed(kind="price_list.items_updated") == []
