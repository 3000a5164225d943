"""Price list versions on SQLite and PostgreSQL: the report's changes, the hold rule,
release and reject, per-supplier formats, VAT-inclusive prices and stale lists."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from mailbot.bootstrap import App, bootstrap
from mailbot.config import SecurityConfig
from mailbot.domain.price_changes import HoldKind
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.importing import (
    ImportReport,
    PriceListSettings,
    SupplierFormat,
    import_price_list,
)
from mailbot.services.pricelists.versions import (
    VersionError,
    reject_price_list,
    release_price_list,
    report_stale_lists,
    stale,
)
from mailbot.storage.models import OutboundMessage
from tests.conftest import START
from tests.mail import headers, mail, parts
from tests.pipeline import ingest
from tests.signing import received

SUPPLIER = "sales@balkan.example"
MX = "mx.desk.example"
FIRST = (
    b"sku;name;price\nA-1;Drum;10.00\nB-2;Pad;20.00\nC-3;Disc;30.00\nD-4;Hose;40.00\nE-5;Belt;50\n"
)


def trusting(app: App) -> App:
    """The app trusting the Authentication-Results of the desk's own MX."""
    security = SecurityConfig(trusted_authserv_ids=(MX,))
    config = app.config.model_copy(update={"security": security})
    return bootstrap(config, engine=app.engine, clock=app.clock)


def partner(app: App, address: str, role: str, language: str = "en") -> int:
    return add_partner(
        app.uow, name=address.split("@")[0].title(), role=role, addresses=[address],
        language=language, group="", currency="EUR", now=START,
    )  # fmt: skip


def load(
    app: App,
    payload: bytes,
    filename: str = "list.csv",
    settings: PriceListSettings | None = None,
    form: SupplierFormat | None = None,
) -> ImportReport:
    with app.uow() as uow:
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        report = import_price_list(
            uow, supplier, filename, payload, default_currency="EUR",
            now=app.clock.now(), settings=settings or app.price_lists, supplier_format=form,
        )  # fmt: skip
        uow.commit()
    return report


def active_price(app: App, sku: str) -> Decimal | None:
    with app.uow() as uow:
        offers = uow.prices.offers([sku])[sku]
    return offers[0].price.amount if offers else None


def test_the_report_counts_changes_against_the_previous_list(app: App) -> None:
    """Prices up and down, the largest changes with old, new and percent, and removed SKUs."""
    partner(app, SUPPLIER, "supplier")
    assert load(app, FIRST).changes is None
    second = (
        b"sku;name;price\nA-1;Drum;11.00\nB-2;Pad;15.00\nC-3;Disc;30.0\nD-4;Hose;40\nF-6;New;7\n"
    )
    changes = load(app, second, "second.csv").changes
    assert changes is not None
    assert (changes.up, changes.down, changes.added, changes.removed) == (1, 1, 1, 1)
    assert changes.previous_source == "list.csv"
    assert [(c.sku, str(c.old.amount), str(c.new.amount), c.percent) for c in changes.largest] == [
        ("B-2", "20.00", "15.00", Decimal("-25.0")),
        ("A-1", "10.00", "11.00", Decimal("10.0")),
    ]
    assert changes.removed_skus == ("E-5",)
    assert active_price(app, "A-1") == Decimal("11.00")


def test_a_list_removing_too_much_is_held_and_managers_are_mailed(app: App) -> None:
    """Removing over half the items holds the list: the old stays active, the supplier is
    told why, and each active manager gets one mail in its own language."""
    partner(app, SUPPLIER, "supplier")
    partner(app, "boss@desk.example", "manager")
    partner(app, "nachalnik@desk.example", "manager", "ru")
    partner(app, "client@fleet.example", "client")
    load(app, FIRST)
    attachment = ("new.csv", "text/csv", b"sku;price\nA-1;10.00\nB-2;20.00\n")
    # From an authenticated sender: held for what it removes, not for who sent it.
    app = trusting(app)
    raw = mail(sender=SUPPLIER, body="New prices", attachments=[attachment])
    _, outcome = ingest(app, received(raw, f"{MX}; dkim=pass header.d=balkan.example"))
    assert "held as version 2, 2 manager(s) told" in outcome.summary
    assert active_price(app, "E-5") == Decimal(50)
    with app.uow() as uow:
        sent = list(uow.session.query(OutboundMessage).order_by(OutboundMessage.id))
        held = uow.versions.get(2)
        assert held is not None
        assert (held.status, held.held_reason) == (
            "held",
            "removes 3 of 5 items (60.0%), more than the allowed 50%",
        )
    report, *to_managers = sent
    assert [(m.kind, m.recipient) for m in to_managers] == [
        ("pricelist_held", "boss@desk.example"),
        ("pricelist_held", "nachalnik@desk.example"),
    ]
    text = parts(report.raw)["plain"]
    assert "has been passed to a manager for review" in text
    assert "remove 3 of your 5 current items (60%)" in text
    assert "previous price list remains in effect" in text
    assert "held for review" in headers(report.raw)["Subject"]
    assert "ожидает проверки" in headers(to_managers[1].raw)["Subject"]
    assert "mailbot pricelist release 2" in parts(to_managers[0].raw)["plain"]


def test_a_price_changing_beyond_the_factor_holds_the_list(app: App) -> None:
    """A price more than three times the old one (or under a third) holds the list."""
    partner(app, SUPPLIER, "supplier")
    load(app, FIRST)
    jumped = FIRST.replace(b"A-1;Drum;10.00", b"A-1;Drum;30.01").replace(
        b"B-2;Pad;20.00", b"B-2;Pad;6"
    )
    report = load(app, jumped, "jumped.csv")
    assert [(r.kind, r.count) for r in report.held] == [(HoldKind.PRICE_FACTOR, 2)]
    assert active_price(app, "A-1") == Decimal("10.00")
    within = FIRST.replace(b"A-1;Drum;10.00", b"A-1;Drum;30.00")
    assert load(app, within, "within.csv").held == ()
    assert active_price(app, "A-1") == Decimal("30.00")


def test_release_applies_a_held_version_and_reject_refuses_one(app: App) -> None:
    """Release makes a held version active (the old one replaced); reject leaves the active
    list alone; neither works on a version that is not held."""
    partner(app, SUPPLIER, "supplier")
    load(app, FIRST)
    cut = b"sku;price\nA-1;12.00\n"
    held = load(app, cut, "cut.csv").price_list_id
    release_price_list(app.uow, held, now=START)
    assert active_price(app, "A-1") == Decimal("12.00")
    assert active_price(app, "B-2") is None
    again = load(app, b"sku;price\nZ-9;1\n", "other.csv").price_list_id
    reject_price_list(app.uow, again, now=START)
    assert active_price(app, "A-1") == Decimal("12.00")
    with app.uow() as uow:
        assert [v.status for v in uow.versions.history(1)] == ["rejected", "active", "replaced"]
    with pytest.raises(VersionError, match="is rejected, not held"):
        release_price_list(app.uow, again, now=START)
    with pytest.raises(VersionError, match="no price list version 99"):
        reject_price_list(app.uow, 99, now=START)


def test_a_supplier_format_from_the_configuration_names_its_columns(app: App) -> None:
    """A supplier's own headers, currency and VAT-inclusive prices come from its settings."""
    partner(app, SUPPLIER, "supplier")
    form = SupplierFormat({"sku": "Part No", "price": "Netto"}, "USD", vat_included=True)
    settings = PriceListSettings(vat_percent=Decimal(21), suppliers={SUPPLIER: form})
    payload = b"Code;Part No;Price;Netto\nx;K-1;999;121.00\ny;K-2;999;10.00\n"
    report = load(app, payload, settings=settings)
    assert report.imported == 2
    with app.uow() as uow:
        offers = uow.prices.offers(["K-1", "K-2"])
    assert offers["K-1"][0].price.amount == Decimal("100.00")
    assert offers["K-1"][0].price.currency == "USD"
    assert offers["K-2"][0].price.amount == Decimal("8.26")  # 10 / 1.21 = 8.264..., half-up


def test_suppliers_with_old_lists_are_listed_as_stale(app: App) -> None:
    """A supplier whose active list is older than the given days is stale; a newer one not."""
    partner(app, SUPPLIER, "supplier")
    load(app, FIRST)
    later = START + timedelta(days=15)
    (row,) = stale(app.uow, now=later, days=14)
    assert (row["supplier"], row["age_days"], row["source"]) == (SUPPLIER, 15, "list.csv")
    assert stale(app.uow, now=later, days=20) == []


def test_offers_are_read_once_per_transaction_and_again_after_a_change_in_it(
    app: App,
) -> None:
    """A SKU's offers are read from the database once per transaction (a batch's orders
    share SKUs), asked again only for SKUs not read yet, and read anew once the transaction
    itself changes the lists: an order after a new list in the same batch gets its prices."""
    partner(app, SUPPLIER, "supplier")
    load(app, FIRST)
    sent: list[str] = []

    def note(*args: object) -> None:
        if "FROM price_items" in str(args[2]):
            sent.append(str(args[2]))

    event.listen(app.engine, "before_cursor_execute", note)
    try:
        with app.uow() as uow:
            first = uow.prices.offers(["A-1", "B-2", "ZZ-9"])
            assert [offer.price.amount for offer in first["A-1"]] == [Decimal("10.00")]
            assert first["ZZ-9"] == ()
            again = uow.prices.offers(["A-1", "ZZ-9"])
            assert again["A-1"] == first["A-1"]
            assert len(sent) == 1
            assert [o.price.amount for o in uow.prices.offers(["C-3"])["C-3"]] == [Decimal("30.00")]
            assert len(sent) == 2
            supplier = uow.partners.by_address(SUPPLIER)
            assert supplier is not None
            import_price_list(
                uow, supplier, "list.csv", FIRST.replace(b"10.00", b"11.00"),
                default_currency="EUR", now=app.clock.now(), settings=app.price_lists,
            )  # fmt: skip
            changed = uow.prices.offers(["A-1"])
            assert [offer.price.amount for offer in changed["A-1"]] == [Decimal("11.00")]
            assert uow.partners.take_active(supplier.id)
            assert uow.prices.offers(["A-1"]) == {"A-1": ()}
            uow.rollback()
            assert [o.price.amount for o in uow.prices.offers(["A-1"])["A-1"]] == [Decimal("10.00")]
    finally:
        event.remove(app.engine, "before_cursor_execute", note)


def test_stale_lists_are_mailed_to_each_manager_in_their_language(app: App) -> None:
    """Managers get one mail each, in their language, naming the supplier with a stale list."""
    partner(app, SUPPLIER, "supplier")
    load(app, FIRST)
    for address, language in (("boss@desk.example", "ru"), ("chef@desk.example", "ro")):
        add_partner(app.uow, name=f"M {language}", role="manager", addresses=[address],
                    language=language, group="", currency="EUR", now=START)  # fmt: skip
    later = START + timedelta(days=15)
    assert report_stale_lists(app.uow, app.replies, now=later, days=20) == 0
    assert report_stale_lists(app.uow, app.replies, now=later, days=14) == 2
    with app.uow() as uow:
        mails = {m.recipient: m for m in uow.session.scalars(select(OutboundMessage))}
    assert set(mails) == {"boss@desk.example", "chef@desk.example"}
    assert mails["boss@desk.example"].subject.startswith("Устаревшие прайс-листы")
    assert mails["chef@desk.example"].subject.startswith("Liste de prețuri")
    assert SUPPLIER in parts(mails["chef@desk.example"].raw)["plain"]


def test_the_active_lists_are_read_again_after_a_change_in_the_same_transaction(
    app: App,
) -> None:
    """The active lists' ids are read once per transaction (the catalogue asks for them per
    message), and again once the transaction itself imports a list, holds, rejects or
    replaces one, or cuts a supplier off: a batch that takes a supplier's list and then an
    order reads the order against the new list."""
    partner(app, SUPPLIER, "supplier")
    load(app, FIRST)
    with app.uow() as uow:
        first = uow.prices.active_version()
        assert uow.prices.active_version() == first
        supplier = uow.partners.by_address(SUPPLIER)
        assert supplier is not None
        import_price_list(
            uow, supplier, "list.csv", FIRST.replace(b"10.00", b"11.00"), default_currency="EUR",
            now=app.clock.now(), settings=app.price_lists,
        )  # fmt: skip
        second = uow.prices.active_version()
        assert second != first
        assert len(second) == len(first)
        assert uow.partners.take_active(supplier.id)
        assert len(uow.prices.active_version()) == len(first) - 1
        uow.rollback()
        assert uow.prices.active_version() == first  # a new transaction reads again
