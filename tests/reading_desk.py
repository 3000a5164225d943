"""The reading corpus through a real desk: its catalogue as a supplier's active price list, its
three clients, and each mail stored and processed as `mailbot ingest` does."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from mailbot.bootstrap import App, bootstrap
from mailbot.config import load_config
from mailbot.storage.database import upgrade

try:
    from mailbot.read_models import order_detail
    from mailbot.services.partners.registry import add_partner
    from mailbot.services.pricelists.importing import import_price_list

    BEFORE_ISSUE_11 = False
except ImportError:  # the reader of 76352b6, which `bench/reading.py --child` measures
    from mailbot.services.views import order_detail  # type: ignore[no-redef]

    from mailbot.services.partners import add_partner  # type: ignore[no-redef]
    from mailbot.services.pricelists import import_price_list  # type: ignore[no-redef]

    BEFORE_ISSUE_11 = True
from tests.reading_corpus import CLIENTS, CatalogueItem
from tests.reading_score import Reading, reading_of

SUPPLIER = "sales@trailer-parts.example"
STOCK = 100_000  # every line can be supplied: the corpus measures reading, not stock


@contextmanager
def fresh_desk(items: Sequence[CatalogueItem]) -> Iterator[App]:
    """A desk on a new SQLite database in a temporary folder, `items` its active price list."""
    with tempfile.TemporaryDirectory(prefix="mailbot-desk-") as folder:
        config = load_config(
            environ={
                "MAILBOT_STORAGE__URL": f"sqlite:///{Path(folder) / 'mailbot.db'}",
                "MAILBOT_SMTP_OUTGOING__FOLDER": str(Path(folder) / "outbox"),
                "MAILBOT_SMTP_INGRESS__PORT": "0",
                "MAILBOT_SCHEDULER__ENABLED": "false",
            }
        )
        app = bootstrap(config)
        upgrade(app.engine)
        set_up_desk(app, items)
        try:
            yield app
        finally:
            app.close()


def set_up_desk(app: App, items: Sequence[CatalogueItem]) -> None:
    """Add the supplier with `items` as its active price list, and the three clients."""
    now = app.clock.now()
    currency = app.config.pricing.currency
    partners = [(SUPPLIER, "supplier", "Trailer Parts SRL", "ro")]
    partners += [(address, "client", name, lang) for lang, (address, name) in CLIENTS.items()]
    for address, role, name, language in partners:
        # Before issue 11 a use case took an unopened unit of work, not its factory.
        uow = app.uow() if BEFORE_ISSUE_11 else app.uow
        add_partner(uow, name=name, role=role, addresses=[address], language=language,
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
