"""The reading corpus through a real desk: its catalogue as a supplier's active price list, its
three clients, and each mail stored and processed as `mailbot ingest` does."""

from __future__ import annotations

import time
from collections.abc import Sequence

from mailbot.bootstrap import App
from mailbot.read_models import order_detail
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import import_price_list
from tests.reading_corpus import CLIENTS, CatalogueItem
from tests.reading_score import Reading, reading_of

SUPPLIER = "sales@trailer-parts.example"
STOCK = 100_000  # every line can be supplied: the corpus measures reading, not stock


def set_up_desk(app: App, items: Sequence[CatalogueItem]) -> None:
    """Add the supplier with `items` as its active price list, and the three clients."""
    now = app.clock.now()
    currency = app.config.pricing.currency
    partners = [(SUPPLIER, "supplier", "Trailer Parts SRL", "ro")]
    partners += [(address, "client", name, lang) for lang, (address, name) in CLIENTS.items()]
    for address, role, name, language in partners:
        add_partner(app.uow, name=name, role=role, addresses=[address], language=language,
                    group="", currency=currency, now=now)  # fmt: skip
    rows = ["sku;name;brand;category;price;currency;stock"]
    rows += [f"{i.sku};{i.name};{i.brand};parts;{i.price};EUR;{STOCK}" for i in items]
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        report = import_price_list(uow, supplier, "catalogue.csv", "\n".join(rows).encode(),
                                   default_currency=currency, now=now)  # fmt: skip
        uow.commit()
    # The catalogue itself must be read whole and take effect at once.
    assert report.imported == len(items), report
    assert not report.held, report


def read_mail(app: App, raw: bytes) -> tuple[Reading, float]:
    """Store and process `raw`; what the order holds, and the seconds processing took."""
    stored = app.store(raw, "file")
    assert app.processor.claim(stored.id)
    start = time.perf_counter()
    outcome = app.processor.process_claimed(stored.id)
    seconds = time.perf_counter() - start
    if not outcome.summary.startswith("quoted "):
        return Reading(), seconds
    number = outcome.summary.split()[1].rstrip(":")
    with app.uow() as uow:
        order = uow.orders.by_number(number)
        assert order is not None, outcome
        return reading_of(order_detail(order)), seconds
