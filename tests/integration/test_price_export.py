"""A client's own price list, on SQLite and PostgreSQL: final prices, one row per SKU, escaping."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from python_calamine import CalamineWorkbook

from mailbot.bootstrap import App
from mailbot.demo import seed_demo
from mailbot.domain.lines import Origin, RequestedLine
from mailbot.parsers.order_lines import OrderLines
from mailbot.services.orders.taking import ReadOrder, price_order
from mailbot.services.partners.registry import add_partner
from mailbot.services.pricelists.export import price_list_files
from mailbot.services.pricelists.importing import import_price_list
from mailbot.storage.models import Partner

FLEET = "buying@fleetparts.example"  # demo client, group "fleet", English, EUR
VECTOR = "zakaz@vector-trans.example"  # demo client, group "fleet", Russian, EUR
RIVAL = "sales@rival-parts.example"
# Cheaper BPW drum (but out of stock), cheaper SAF spring in stock, a USD-only SKU, a SKU only
# here whose name and brand look like formulas.
RIVAL_LIST = (
    "sku;name;brand;category;price;currency;stock\n"
    "BPW-0310;Brake drum;BPW;brakes;70.00;EUR;0\n"
    "saf-2234;Air spring;SAF;suspension;40.00;EUR;3\n"
    "US-1;Import part;ACME;misc;10.00;USD;5\n"
    'EVIL-1;"=HYPERLINK(""http://x.example"",""click"")";+cmd;@sum;5.00;EUR;\n'
)


def client(app: App, address: str) -> Partner:
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        return partner


def set_formats(app: App, address: str, formats: str) -> None:
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        partner.price_list_formats = formats
        uow.commit()


def with_rival(app: App) -> None:
    seed_demo(app)
    now = app.clock.now()
    add_partner(app.uow, name="Rival", role="supplier", addresses=[RIVAL], language="en",
                group="", currency="EUR", now=now)  # fmt: skip
    with app.uow() as uow:
        rival = uow.partners.by_address(RIVAL)
        assert rival is not None
        payload = RIVAL_LIST.encode()
        import_price_list(uow, rival, "rival.csv", payload, default_currency="EUR", now=now)
        uow.commit()


def xlsx_rows(payload: bytes) -> list[list[object]]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(payload)).get_sheet_by_index(0)
    return [list(row) for row in sheet.to_python(skip_empty_area=False)]


def quoted_unit_price(app: App, address: str, sku: str) -> str:
    """What a quote for one unit of `sku` charges `address`, as the order path computes it."""
    with app.uow() as uow:
        partner = uow.partners.by_address(address)
        assert partner is not None
        line = RequestedLine(sku=sku, quantity=Decimal(1), origin=Origin("body", 1))
        quote = price_order(uow, partner, ReadOrder(OrderLines((line,)), ()), app.rules)
    (quoted,) = quote.lines
    return str(quoted.unit_price.amount)


def test_export_lists_each_sku_once_at_the_price_a_quote_gives(app: App) -> None:
    """One row per SKU in the client's currency, priced and stocked as a one-unit quote is."""
    with_rival(app)
    with app.uow() as uow:
        export = price_list_files(uow, client(app, FLEET), app.rules.pricing, now=app.clock.now())
    (sheet,) = export.files
    assert sheet.filename == "prices-2026-11-20.xlsx"
    header, *rows = xlsx_rows(sheet.payload)
    assert header == ["SKU", "Name", "Brand", "Category", "Price", "Currency", "Availability",
                      "Stock"]  # fmt: skip
    skus = [row[0] for row in rows]
    assert skus == ["BPW-0310", "DAF-1643", "EVIL-1", "KNORR-K012", "MAN-81.43701",
                    "saf-2234", "WABCO-4324"]  # fmt: skip
    assert export.items == len(rows)
    by_sku = {row[0]: row for row in rows}
    assert "US-1" not in by_sku  # quoted in EUR only
    for sku in ("BPW-0310", "DAF-1643", "saf-2234", "EVIL-1"):
        assert Decimal(str(by_sku[sku][4])) == Decimal(quoted_unit_price(app, FLEET, sku)), sku
    # The rival's cheaper drum is out of stock, so the demo supplier's counted stock is shown.
    assert by_sku["BPW-0310"][6:] == ["in stock", 12.0]
    assert by_sku["saf-2234"][6:] == ["in stock", 3.0]
    assert by_sku["WABCO-4324"][6:] == ["out of stock", 0.0]
    assert by_sku["EVIL-1"][6] == "not stated"
    assert by_sku["EVIL-1"][7] in ("", None)


def test_xlsx_writes_formula_like_text_as_strings(app: App) -> None:
    """Supplier text that starts like a formula is a plain string cell, never a formula."""
    with_rival(app)
    with app.uow() as uow:
        export = price_list_files(uow, client(app, FLEET), app.rules.pricing, now=app.clock.now())
    workbook = openpyxl.load_workbook(io.BytesIO(export.files[0].payload))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]  # type: ignore[union-attr]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    evil = next(row for row in workbook.active.iter_rows(values_only=True) if row[0] == "EVIL-1")  # type: ignore[union-attr]
    assert evil[1:4] == ('=HYPERLINK("http://x.example","click")', "+cmd", "@sum")
    money = workbook.active["E2"]  # type: ignore[index]
    assert isinstance(money.value, float)
    assert "EUR" in money.number_format


def test_csv_is_in_the_clients_language_with_formulas_escaped(app: App) -> None:
    """A Russian client's CSV: BOM, ";", decimal commas, Russian header, formulas quoted."""
    with_rival(app)
    set_formats(app, VECTOR, "xlsx,csv")
    with app.uow() as uow:
        export = price_list_files(uow, client(app, VECTOR), app.rules.pricing, now=app.clock.now())
    assert [f.filename for f in export.files] == ["prices-2026-11-20.xlsx", "prices-2026-11-20.csv"]
    payload = export.files[1].payload
    assert payload.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig")), delimiter=";"))
    assert header[:5] == ["Артикул", "Наименование", "Бренд", "Категория", "Цена"]
    evil = next(row for row in rows if row[0] == "EVIL-1")
    assert evil[1:4] == ['\'=HYPERLINK("http://x.example","click")', "'+cmd", "'@sum"]
    drum = next(row for row in rows if row[0] == "BPW-0310")
    assert drum[4] == quoted_unit_price(app, VECTOR, "BPW-0310").replace(".", ",")
    assert drum[5:] == ["EUR", "в наличии", "12"]
    assert [row[0] for row in rows] == [row[0] for row in xlsx_rows(export.files[0].payload)[1:]]
