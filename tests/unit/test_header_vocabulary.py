"""Headers as clerks write them: the vocabulary, inflections, abbreviations, typos and which
column wins when two claim one field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.parsers.columns import Field, map_columns, recognise, score_header
from mailbot.parsers.header_match import header_strengths
from mailbot.parsers.header_words import VOCABULARY
from tests.strategies import one_slip

REAL_HEADERS = [
    ("Articol/Cod", Field.SKU),
    ("Арт.", Field.SKU),
    ("Артикл", Field.SKU),
    ("Cod piesă", Field.SKU),
    ("Код товара", Field.SKU),
    ("Каталожный №", Field.SKU),
    ("Кат. №", Field.SKU),
    ("Nr. catalog", Field.SKU),
    ("Part #", Field.SKU),
    ("Cod produs", Field.SKU),
    ("Cantitate comandată", Field.QUANTITY),
    ("К-во", Field.QUANTITY),
    ("Колличество", Field.QUANTITY),
    ("Кол.", Field.QUANTITY),
    ("Заказ, шт", Field.QUANTITY),
    ("Заказано", Field.QUANTITY),
    ("Quanity", Field.QUANTITY),
    ("Qty.", Field.QUANTITY),
    ("Order quantity", Field.QUANTITY),
    ("Buc.", Field.QUANTITY),
    ("Cant.", Field.QUANTITY),
    ("Nr. buc", Field.QUANTITY),
    ("Denumire piesă", Field.NAME),
    ("Наименование детали", Field.NAME),
    ("Item description", Field.NAME),
    ("Наименование", Field.NAME),
    ("Denumire", Field.NAME),
    ("Make", Field.BRAND),
    ("Brand", Field.BRAND),
    ("Марка", Field.BRAND),
    ("Pos", Field.POSITION),
    ("Nr.", Field.POSITION),
    ("№ п/п", Field.POSITION),
    ("Nr. crt.", Field.POSITION),
]


@pytest.mark.parametrize(("header", "field"), REAL_HEADERS)
def test_headers_from_real_orders_are_recognised(header: str, field: Field) -> None:
    """Each header that once left a whole file unread names its field, in any case."""
    assert recognise(header) is field
    assert recognise(f" {header.upper()} ") is field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Количества", Field.QUANTITY),
        ("Cantitatea", Field.QUANTITY),
        ("Articolului", Field.SKU),
        ("Артикула", Field.SKU),
        ("Quantities", Field.QUANTITY),
        ("Denumirea", Field.NAME),
        ("Наименования", Field.NAME),
    ],
)
def test_inflected_words_name_their_field(header: str, field: Field) -> None:
    """Russian, Romanian and English word endings do not hide a header."""
    assert recognise(header) is field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Арт.", Field.SKU),
        ("Artic.", Field.SKU),
        ("Колич.", Field.QUANTITY),
        ("Cantit.", Field.QUANTITY),
        ("Наимен.", Field.NAME),
        ("Denum.", Field.NAME),
        ("Descr.", Field.NAME),
    ],
)
def test_words_cut_short_with_a_dot_name_their_field(header: str, field: Field) -> None:
    """An abbreviation with a dot reads as the word it begins."""
    assert recognise(header) is field


@pytest.mark.parametrize(("header", "cut"), [("Колич", "Колич."), ("Наимен", "Наимен.")])
def test_only_a_dot_makes_an_abbreviation(header: str, cut: str) -> None:
    """Without its dot, the beginning of a word is not taken for the word."""
    assert recognise(header) is None
    assert recognise(cut) is not None


@pytest.mark.parametrize(
    "header", ["Price", "Цена", "Preț", "Sum", "Сумма", "Total", "Unit price", "Цена, руб."]
)
def test_prices_and_totals_are_never_the_quantity(header: str) -> None:
    """A price or total column is never offered as the quantity, however it matches."""
    assert Field.QUANTITY not in header_strengths(header)
    assert Field.SKU not in header_strengths(header)


@pytest.mark.parametrize("header", ["Pos", "Nr.", "№ п/п", "Nr. crt.", "№", "#", "No."])
def test_position_columns_are_never_the_sku_or_quantity(header: str) -> None:
    """A line-number column names the position and nothing the order needs."""
    assert set(header_strengths(header)) == {Field.POSITION}


@pytest.mark.parametrize("header", ["Unit", "U.M.", "Ед. изм.", "UM", "Unitate"])
def test_units_of_measure_are_never_the_quantity(header: str) -> None:
    """A column of units ("pcs", "kg") is the unit, not the quantity beside it."""
    assert set(header_strengths(header)) == {Field.UNIT}


def test_sku_column_beats_an_item_column() -> None:
    """In Pos | Item | SKU | Make | Qty the SKU is "SKU", not "Item" which comes first."""
    mapping = map_columns(["Pos", "Item", "SKU", "Make", "Qty"])
    assert mapping.columns == {
        Field.POSITION: 0,
        Field.SKU: 2,
        Field.BRAND: 3,
        Field.QUANTITY: 4,
    }


def test_item_alone_is_still_the_sku() -> None:
    """Where no column names the SKU outright, "Item" does."""
    assert map_columns(["Item", "Description", "Qty"]).columns == {
        Field.SKU: 0,
        Field.NAME: 1,
        Field.QUANTITY: 2,
    }


def test_an_exact_header_beats_a_typo_to_its_left() -> None:
    """Two columns claim the SKU: the one spelt right wins over the misspelt one."""
    scores = score_header(["Артикл", "Артикул", "Кол-во"])
    assert scores[Field.SKU] == (1, 1.0)
    assert scores[Field.QUANTITY] == (2, 1.0)


def test_strengths_order_the_ways_a_header_matches() -> None:
    """An alias is stronger than a part of a header, an inflection, an abbreviation or typo."""
    exact = header_strengths("Количество")[Field.QUANTITY]
    qualified = header_strengths("Количество, ед.")[Field.QUANTITY]
    inflected = header_strengths("Количества")[Field.QUANTITY]
    cut = header_strengths("Колич.")[Field.QUANTITY]
    typo = header_strengths("Колличество")[Field.QUANTITY]
    assert exact == 1.0
    assert exact > qualified > inflected > cut > typo > 0


def test_a_weak_alias_is_weaker_than_a_strong_one() -> None:
    """ "Item" names the SKU less strongly than "SKU" or "Article" do."""
    assert header_strengths("Item")[Field.SKU] < header_strengths("Article")[Field.SKU]


def test_score_header_gives_columns_and_strengths() -> None:
    """Each field comes with its column and strength; a partner's own header counts as 1."""
    scores = score_header(["Nr. crt.", "Cod piesă", "Denumire", "Cantit.", "Menge"])
    assert {name: index for name, (index, _) in scores.items()} == {
        Field.POSITION: 0,
        Field.SKU: 1,
        Field.NAME: 2,
        Field.QUANTITY: 3,
    }
    assert scores[Field.SKU][1] == 1.0
    assert 0 < scores[Field.QUANTITY][1] < 1
    assert score_header(["SKU", "Menge"], {"quantity": "Menge"})[Field.QUANTITY] == (1, 1.0)


def test_long_text_is_not_a_header() -> None:
    """A sentence-long cell names no field, even when it holds a header word."""
    assert header_strengths("Cantitate " + "foarte " * 20) == {}


# Single words of six letters or more that name a field outright: one slip in a shorter word
# can make another field's word ("units" of the quantity is one letter from "unit").
LONG_ALIASES = sorted(
    (name, field)
    for field, languages in VOCABULARY.items()
    for words in languages.values()
    for name in words.names
    if " " not in name and len(name) >= 6
)


@given(st.sampled_from(LONG_ALIASES).flatmap(lambda a: st.tuples(one_slip(a[0]), st.just(a[1]))))
def test_a_slip_in_a_long_alias_keeps_its_field(typo_and_field: tuple[str, Field]) -> None:
    """One letter missing, added, changed or swapped in a long alias still names its field."""
    typo, field = typo_and_field
    assert recognise(typo) is field


OTHER_WORDS = [
    *("Comments", "Comment", "Observații", "Observatii", "Примечание", "Примечания"),
    *("Total", "Date", "Дата", "Data", "Notes", "Remarks", "Sum", "Сумма", "Suma", "Valoare"),
    *("Amount", "Client", "Клиент", "Адрес", "Adresa", "Telefon", "Телефон", "Email"),
    *("Итого", "Всего", "Discount", "Скидка", "Reducere", "VAT", "НДС", "TVA"),
]


@given(
    st.sampled_from(OTHER_WORDS),
    st.sampled_from(["{}", " {} ", "{}:", "{}.", "{} (EUR)", "{}, lei"]),
    st.sampled_from([str.upper, str.lower, str.title, str]),
)
def test_other_words_name_no_sku_or_quantity(word: str, shape: str, case: object) -> None:
    """Comments, dates, totals and contact columns are never offered as SKU or quantity."""
    assert callable(case)
    header = shape.format(case(word))
    assert not {Field.SKU, Field.QUANTITY} & set(header_strengths(header))
