"""A new price list replaces the old at once: an order priced meanwhile never sees a mix."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

from mailbot.bootstrap import App
from mailbot.domain.lines import Origin, RequestedLine
from mailbot.parsers.order_lines import OrderLines
from mailbot.services.orders.taking import ReadOrder, price_order
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import import_price_list

SUPPLIER = "sales@supplier.example"
CLIENT = "buying@client.example"
SKUS = [f"P-{n:04d}" for n in range(1, 301)]
DEADLINE = 30.0  # seconds; only reached when something is broken


def price_list(price: str) -> bytes:
    rows = "".join(f"{sku};Part {sku};{price};EUR;100\n" for sku in SKUS)
    return ("sku;name;price;currency;stock\n" + rows).encode()


def import_list(app: App, payload: bytes, before_commit: Callable[[], None] = lambda: None) -> None:
    """Import `payload` for the supplier in one unit of work; `before_commit` runs just before
    the commit, with the whole new version written but not yet visible to others."""
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        now = app.clock.now()
        import_price_list(uow, supplier, "prices.csv", payload, default_currency="EUR", now=now)
        before_commit()
        uow.commit()


def unit_prices(app: App) -> tuple[int, frozenset[Decimal]]:
    """Price one unit of every SKU for the client: (lines priced, the distinct net prices)."""
    lines = tuple(RequestedLine(sku, Decimal(1), Origin("body", n)) for n, sku in enumerate(SKUS))
    with app.uow() as uow:
        client = uow.partners.by_address(CLIENT)
        assert client is not None
        quote = price_order(uow, client, ReadOrder(OrderLines(lines), ()), app.rules)
    return len(quote.lines), frozenset(line.unit_price.amount for line in quote.lines)


def wait(event: threading.Event, what: str) -> None:
    assert event.wait(DEADLINE), f"gave up waiting: {what}"


def test_an_order_priced_during_an_import_sees_all_old_or_all_new_prices(app: App) -> None:
    """While an import is written but uncommitted, orders see the old list, then the new one."""
    now = app.clock.now()
    add_partner(app.uow, name="S", role="supplier", addresses=[SUPPLIER], language="en",
                group="", currency="EUR", now=now)  # fmt: skip
    add_partner(app.uow, name="C", role="client", addresses=[CLIENT], language="en",
                group="", currency="EUR", now=now)  # fmt: skip
    import_list(app, price_list("10.00"))
    old, new = frozenset({Decimal("12.00")}), frozenset({Decimal("24.00")})  # 20% markup
    assert unit_prices(app) == (len(SKUS), old)

    written, release, committed, pricing = (threading.Event() for _ in range(4))
    seen: list[tuple[int, frozenset[Decimal]]] = []
    first_seen = threading.Event()
    errors: list[BaseException] = []

    def importer() -> None:
        def hold() -> None:
            written.set()
            wait(release, "the test to release the import")

        try:
            import_list(app, price_list("20.00"), before_commit=hold)
        except BaseException as error:
            errors.append(error)
        finally:
            committed.set()

    def pricer() -> None:
        try:
            while True:
                done = committed.is_set()
                pricing.set()
                seen.append(unit_prices(app))
                first_seen.set()
                if done:
                    return
        except BaseException as error:
            errors.append(error)
            first_seen.set()

    threads = [threading.Thread(target=importer), threading.Thread(target=pricer)]
    threads[0].start()
    wait(written, "the import to be written")
    threads[1].start()
    if app.engine.dialect.name == "postgresql":
        # Readers never wait for writers here: the open import must be invisible.
        wait(first_seen, "an order priced during the import")
        assert seen[0] == (len(SKUS), old)
    else:
        # SQLite runs one write-capable transaction at a time (BEGIN IMMEDIATE), so the
        # pricer waits for the import to end; it must still never see a mix.
        wait(pricing, "the pricer to start")
    release.set()
    for thread in threads:
        thread.join(DEADLINE)
        assert not thread.is_alive()
    assert errors == []
    assert all(result in ((len(SKUS), old), (len(SKUS), new)) for result in seen), seen
    assert seen[-1] == (len(SKUS), new)
    assert unit_prices(app) == (len(SKUS), new)
