"""A small demo data set, so the messages in `examples/` get real answers on a fresh install."""

from __future__ import annotations

from mailbot.bootstrap import App
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import import_price_list
from mailbot.services.vouchers.campaigns import Limits, create_campaign

SUPPLIER = "sales@balkan-truck-parts.example"
PARTNERS = (
    # address, role, name, language, group
    (SUPPLIER, "supplier", "Balkan Truck Parts SRL", "ro", ""),
    ("buying@fleetparts.example", "client", "Fleet Parts Ltd", "en", "fleet"),
    ("zakaz@vector-trans.example", "client", "ООО Вектор-Транс", "ru", "fleet"),
    ("achizitii@autotrans-cluj.example", "client", "AutoTrans Cluj SRL", "ro", "workshop"),
    ("manager@distributor.example", "manager", "Order Desk Manager", "en", ""),
)
PRICE_LIST = """sku;name;brand;category;price;currency;stock
BPW-0310;Brake drum BPW;BPW;brakes;84.00;EUR;12
SAF-2234;Air spring SAF;SAF;suspension;46.50;EUR;30
MAN-81.43701;Cabin shock absorber MAN;MAN;suspension;38.20;EUR;8
KNORR-K012;Brake caliper repair kit Knorr;Knorr-Bremse;brakes;129.90;EUR;5
WABCO-4324;Quick release valve WABCO;WABCO;air system;27.35;EUR;0
DAF-1643;Fuel filter DAF;DAF;filters;12.10;EUR;120
"""
# A promotional code for examples/order-voucher-en.eml: 10% off BPW parts from 150 EUR of them.
DEMO_CODE = "SPRING10"
DEMO_TERMS = {
    "benefit": {"kind": "percent", "value": "10"},
    "restrictions": [
        {"rule": "brands", "brands": ["BPW"]},
        {"rule": "order_total", "basis": "net", "min": "150.00", "currency": "EUR"},
    ],
}


def seed_demo(app: App) -> bool:
    """Add the demo partners, price list and voucher code unless the database has partners;
    True if added."""
    with app.uow() as uow:
        if uow.partners.list():
            return False
    now = app.clock.now()
    for address, role, name, language, group in PARTNERS:
        add_partner(
            app.uow,
            name=name,
            role=role,
            addresses=[address],
            language=language,
            group=group,
            currency=app.config.pricing.currency,
            now=now,
        )
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        import_price_list(
            uow,
            supplier,
            "demo-price-list.csv",
            PRICE_LIST.encode(),
            default_currency=app.config.pricing.currency,
            now=now,
        )
        uow.commit()
    create_campaign(
        app.uow,
        name="Demo spring",
        kind="promotional",
        terms=DEMO_TERMS,
        limits=Limits(max_redemptions=100, per_client=1),
        now=now,
        code=DEMO_CODE,
    )
    return True
