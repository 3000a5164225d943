"""Header recognition: which column holds what, in English, Russian and Romanian."""

from __future__ import annotations

import pytest
from hypothesis import given

from mailbot.parsers.columns import (
    ColumnMapping,
    Field,
    find_header,
    header_key,
    is_total_row,
    map_columns,
    recognise,
)
from tests.strategies import skus

ORDER = (Field.SKU, Field.QUANTITY)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("SKU", Field.SKU),
        ("Article", Field.SKU),
        ("Art.", Field.SKU),
        ("Part Number", Field.SKU),
        ("part no.", Field.SKU),
        ("Code", Field.SKU),
        ("Item", Field.SKU),
        ("Артикул", Field.SKU),
        ("Код", Field.SKU),
        ("Каталожный номер", Field.SKU),
        ("Cod", Field.SKU),
        ("Cod articol", Field.SKU),
        ("Articol", Field.SKU),
        ("Qty", Field.QUANTITY),
        ("Quantity", Field.QUANTITY),
        ("PCS", Field.QUANTITY),
        ("Кол-во", Field.QUANTITY),
        ("Количество", Field.QUANTITY),
        ("Кол.", Field.QUANTITY),
        ("Cantitate", Field.QUANTITY),
        ("Cant.", Field.QUANTITY),
        ("Name", Field.NAME),
        ("Description", Field.NAME),
        ("Наименование", Field.NAME),
        ("Название", Field.NAME),
        ("Описание", Field.NAME),
        ("Denumire", Field.NAME),
        ("Descriere", Field.NAME),
        ("Produs", Field.NAME),
        ("Price", Field.PRICE),
        ("Unit price", Field.PRICE),
        ("Цена", Field.PRICE),
        ("Стоимость", Field.PRICE),
        ("Preț", Field.PRICE),
        ("Pret", Field.PRICE),
        ("Currency", Field.CURRENCY),
        ("Валюта", Field.CURRENCY),
        ("Monedă", Field.CURRENCY),
        ("Moneda", Field.CURRENCY),
        ("Stock", Field.STOCK),
        ("Availability", Field.STOCK),
        ("In stock", Field.STOCK),
        ("Остаток", Field.STOCK),
        ("Наличие", Field.STOCK),
        ("Stoc", Field.STOCK),
        ("Disponibil", Field.STOCK),
        ("Brand", Field.BRAND),
        ("Бренд", Field.BRAND),
        ("Марка", Field.BRAND),
        ("Производитель", Field.BRAND),
        ("Marcă", Field.BRAND),
        ("Producător", Field.BRAND),
        ("Category", Field.CATEGORY),
        ("Категория", Field.CATEGORY),
        ("Группа", Field.CATEGORY),
        ("Categorie", Field.CATEGORY),
        ("Voucher", Field.VOUCHER),
        ("Promo", Field.VOUCHER),
        ("Promo code", Field.VOUCHER),
        ("Code promo", Field.VOUCHER),
        ("Промокод", Field.VOUCHER),
        ("Ваучер", Field.VOUCHER),
        ("Cupon", Field.VOUCHER),
    ],
)
def test_aliases_in_three_languages(header: str, field: Field) -> None:
    """Each alias names its field, whatever its case, spaces, punctuation or diacritics."""
    assert recognise(header) is field
    assert recognise(f"  {header.upper()}  ") is field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Цена, руб.", Field.PRICE),
        ("Price (EUR)", Field.PRICE),
        ("Кол-во, шт.", Field.QUANTITY),
        ("Qty: pcs", Field.QUANTITY),
        ("Артикул / Article", Field.SKU),
        ("Cod articol / Артикул", Field.SKU),
    ],
)
def test_qualified_and_bilingual_headers(header: str, field: Field) -> None:
    """A unit or currency after a comma or in brackets, and "A / B" headers, still match."""
    assert recognise(header) is field


@pytest.mark.parametrize("header", ["Menge", "Total", "Notes", "", "Дата", "Sum"])
def test_unknown_headers_name_nothing(header: str) -> None:
    """Headers outside the alias lists are not guessed at."""
    assert recognise(header) is None


def test_header_key_ignores_case_space_punctuation_and_diacritics() -> None:
    """Preț and PRET, Кол-во and колво, Part No. and partno give the same key."""
    assert header_key("Preț") == header_key("PRET")
    assert header_key("Кол-во") == header_key("колво")
    assert header_key("Part No.") == "partno"


def test_code_is_a_sku_but_promo_code_is_a_voucher() -> None:
    """Code, Код and Cod are SKU columns; a "Promo code" column beside them is the voucher."""
    mapping = map_columns(["Code", "Qty", "Promo code"])
    assert mapping.columns == {Field.SKU: 0, Field.QUANTITY: 1, Field.VOUCHER: 2}
    mapping = map_columns(["Промокод", "Код", "Количество"])
    assert mapping.columns == {Field.VOUCHER: 0, Field.SKU: 1, Field.QUANTITY: 2}


def test_first_column_wins_for_a_field_named_twice() -> None:
    """Where two columns name the same field, the first one is used."""
    assert map_columns(["Артикул", "Код", "Кол-во"]).columns[Field.SKU] == 0


def test_header_found_below_a_title() -> None:
    """A title and an empty row above the header are passed over; the row number is kept."""
    rows = [(1, ["Заказ ООО Вектор"]), (2, []), (3, ["Артикул", "Наименование", "Кол-во"])]
    found = find_header(rows, ORDER)
    assert found == (3, ColumnMapping({Field.SKU: 0, Field.NAME: 1, Field.QUANTITY: 2}))


def test_header_needs_every_required_field() -> None:
    """A row naming the SKU but no quantity is not an order header."""
    assert find_header([(1, ["SKU", "Description"])], ORDER) is None
    assert find_header([(1, ["SKU", "Price"])], (Field.SKU, Field.PRICE)) is not None


def test_header_is_only_looked_for_in_the_first_twenty_rows() -> None:
    """A header on row 21 is not found: tables start near the top."""
    rows = [(n, ["note"]) for n in range(1, 21)] + [(21, ["SKU", "Qty"])]
    assert find_header(rows, ORDER) is None
    assert find_header(rows[1:], ORDER) == (21, ColumnMapping({Field.SKU: 0, Field.QUANTITY: 1}))


def test_partner_mapping_takes_precedence() -> None:
    """A partner's own header names win over the built-in aliases, matched the same way."""
    custom = {"sku": "Part No", "quantity": "Menge"}
    rows = [(1, ["Item", "PART NO.", "Qty", "menge"])]
    assert find_header(rows, ORDER, custom) == (
        1,
        ColumnMapping({Field.SKU: 1, Field.QUANTITY: 3}),
    )


def test_partner_mapping_adds_to_the_aliases() -> None:
    """Fields the partner does not map are still found by the built-in aliases."""
    found = find_header([(1, ["Artikelnummer", "Qty", "Preis"])], ORDER, {"sku": "Artikelnummer"})
    assert found == (1, ColumnMapping({Field.SKU: 0, Field.QUANTITY: 1}))


def test_partner_mapping_with_an_unknown_field_is_refused() -> None:
    """A mapping naming a field that does not exist is a configuration error."""
    with pytest.raises(ValueError, match="colour"):
        map_columns(["SKU"], {"colour": "Farbe"})


def test_mapping_reads_cells_safely() -> None:
    """A short row gives "" for a column it does not reach."""
    mapping = ColumnMapping({Field.SKU: 0, Field.QUANTITY: 3})
    assert mapping.cell([" A-1 "], Field.SKU) == "A-1"
    assert mapping.cell(["A-1"], Field.QUANTITY) == ""
    assert mapping.cell(["A-1"], Field.PRICE) == ""


def test_total_rows_are_told_apart() -> None:
    """Rows saying Итого, Total: or Всего are totals; a row with a real SKU is not."""
    assert is_total_row(["", "Итого", "28"], "")
    assert is_total_row(["Total:", "", "28"], "Total:")
    assert is_total_row(["", "ВСЕГО", "3"], "")
    assert not is_total_row(["BPW-0310", "Total brake kit", "2"], "BPW-0310")


@given(skus)
def test_a_sku_ending_in_a_digit_is_never_a_total(sku: str) -> None:
    """SKUs such as BPW-0310 are never read as totals, even beside a "Total" cell."""
    assert not is_total_row([sku, "Total", "28"], sku)
