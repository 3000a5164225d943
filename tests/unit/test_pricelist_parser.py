"""Price lists from table rows: prices, currencies, stock, and every rejected row numbered."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.parsers.pricelists import (
    PriceRow,
    _marked_price,
    _price,
    currency_code,
    parse_delivery_days,
    parse_stock,
    price_rows,
    says_available,
)
from mailbot.parsers.tables import TableLimits, read_rows
from tests.workbooks import Cell, xlsx_bytes

# Price cells as suppliers write them, and odd text around digits.
PRICE_CELLS = st.one_of(
    st.from_regex(r"[0-9]{1,7}([.,][0-9]{1,4})?", fullmatch=True),
    st.text(alphabet="0123456789 .,'\u00a0-−+€$£₽eEкрубRONlei²٣", max_size=14),
    st.text(max_size=8),
)

HEADER = ["Артикул", "Наименование", "Бренд", "Цена", "Валюта", "Остаток"]


def read(
    table: Sequence[Sequence[str]], default: str = "EUR", custom: dict[str, str] | None = None
) -> list[PriceRow | RejectedLine]:
    rows = list(enumerate(table, start=1))
    return list(price_rows(rows, "price.xlsx", default_currency=default, custom=custom))


def one(cells: Sequence[str], header: Sequence[str] = ("SKU", "Price")) -> PriceRow | RejectedLine:
    (outcome,) = read([header, cells])
    return outcome


def test_supplier_workbook_reads_into_price_rows() -> None:
    """A supplier's XLSX (Russian headers, numbers as numbers) gives one PriceRow a row."""
    table: list[Sequence[Cell]] = [
        HEADER,
        ["BPW-0310", "Рессора задняя BPW", "BPW", 212.4, "EUR", 35],
        ["MAN-81.43701", "Стремянка М24", "MAN", 18.1, "EUR", 0],
    ]
    rows = read_rows("price.xlsx", xlsx_bytes(table), TableLimits())
    assert list(price_rows(rows, "price.xlsx", default_currency="RON")) == [
        PriceRow("BPW-0310", "Рессора задняя BPW", Decimal("212.4"), "EUR", 35, "BPW", "", 2),
        PriceRow("MAN-81.43701", "Стремянка М24", Decimal("18.1"), "EUR", 0, "MAN", "", 3),
    ]


@pytest.mark.parametrize(
    ("cell", "price", "currency"),
    [
        ("12.50", "12.50", "EUR"),
        ("12,50", "12.50", "EUR"),
        ("1 234,50", "1234.50", "EUR"),
        ("1\u00a0234,50", "1234.50", "EUR"),
        ("1,234.50", "1234.50", "EUR"),
        ("1.234,50", "1234.50", "EUR"),
        ("€12.50", "12.50", "EUR"),
        ("12,50 €", "12.50", "EUR"),
        ("12.50 EUR", "12.50", "EUR"),
        ("USD 7", "7", "USD"),
        ("$7.95", "7.95", "USD"),
        ("1 234,50 руб.", "1234.50", "RUB"),
        ("99 lei", "99", "RON"),
        ("45 mdl", "45", "MDL"),
    ],
)
def test_price_notations(cell: str, price: str, currency: str) -> None:
    """Decimal commas, thousands groups and a currency in the cell all read as written."""
    outcome = one(["BPW-0310", cell])
    assert isinstance(outcome, PriceRow)
    assert (outcome.price, outcome.currency) == (Decimal(price), currency)


def test_currency_column_and_default() -> None:
    """The currency column names the row's currency; without one the default applies."""
    header = ["SKU", "Price", "Currency"]
    with_column = one(["A-1", "5", "usd"], header)
    without = one(["A-1", "5", ""], header)
    assert isinstance(with_column, PriceRow)
    assert with_column.currency == "USD"
    assert isinstance(without, PriceRow)
    assert without.currency == "EUR"


def test_currency_in_the_cell_wins_over_the_column() -> None:
    """A currency written in the price cell wins over the currency column."""
    outcome = one(["A-1", "12.50 EUR", "USD"], ["SKU", "Price", "Currency"])
    assert isinstance(outcome, PriceRow)
    assert outcome.currency == "EUR"


@pytest.mark.parametrize(
    ("cells", "reason", "text"),
    [
        (["", "12.50"], Rejection.MISSING_SKU, "12.50"),
        (["A-1", ""], Rejection.MISSING_PRICE, ""),
        (["A-1", "0"], Rejection.MISSING_PRICE, "0"),
        (["A-1", "on request"], Rejection.UNREADABLE_PRICE, "on request"),
        (["A-1", "12.50 EUR/pcs"], Rejection.UNREADABLE_PRICE, "12.50 EUR/pcs"),
        (["A-1", "-5"], Rejection.NEGATIVE_PRICE, "-5"),
        (["A-1", "12.50 XYZ"], Rejection.UNKNOWN_CURRENCY, "XYZ"),
        (["A-1", "12.50 Dollars"], Rejection.UNKNOWN_CURRENCY, "Dollars"),
    ],
)
def test_bad_rows_are_rejected_with_their_row(
    cells: list[str], reason: Rejection, text: str
) -> None:
    """Each kind of bad row is a RejectedLine with its reason, row number and text."""
    outcome = one(cells)
    assert isinstance(outcome, RejectedLine)
    assert (outcome.reason, outcome.origin, outcome.text) == (
        reason,
        Origin("price.xlsx", 2),
        text,
    )


def test_unknown_default_currency_is_reported() -> None:
    """A default currency that ISO 4217 does not know rejects rows that rely on it."""
    (outcome,) = read([["SKU", "Price"], ["A-1", "5"]], default="EURO")
    assert isinstance(outcome, RejectedLine)
    assert outcome.reason is Rejection.UNKNOWN_CURRENCY


def test_duplicate_sku_with_another_price_is_rejected_and_the_first_kept() -> None:
    """A SKU repeated with another price is DUPLICATE_SKU, with the same price skipped."""
    outcomes = read(
        [
            ["SKU", "Price"],
            ["BPW-0310", "10.00"],
            ["bpw-0310", "10.0"],
            ["Bpw-0310", "11.00"],
            ["SAF-2234", "7.95"],
        ]
    )
    assert [o.row if isinstance(o, PriceRow) else o.origin.row for o in outcomes] == [2, 4, 5]
    duplicate = outcomes[1]
    assert isinstance(duplicate, RejectedLine)
    assert (duplicate.reason, duplicate.sku, duplicate.detail) == (
        Rejection.DUPLICATE_SKU,
        "Bpw-0310",
        "row 2 has 10.00 EUR",
    )


@pytest.mark.parametrize(
    ("cell", "stock"),
    [
        ("", None),
        ("35", 35),
        ("35.0", 35),
        ("yes", None),
        ("In stock", None),
        ("да", None),
        ("есть", None),
        ("в наличии", None),
        ("da", None),
        ("în stoc", None),
        ("TRUE", None),
        ("no", 0),
        ("Out of stock", 0),
        ("нет", 0),
        ("0", 0),
        ("-", 0),
        ("nu", 0),
        ("stoc epuizat", 0),
        (">10", 10),
        ("10+", 10),
        ("более 10", 10),
        ("<5", 4),
        ("-3", 0),
        ("call us", None),
    ],
)
def test_stock_words_and_counts(cell: str, stock: int | None) -> None:
    """Stock is a count; words for yes mean available (None), words for no mean 0."""
    assert parse_stock(cell) == stock


def test_stock_brand_category_and_name_columns_fill_the_row() -> None:
    """Name, brand, category and stock come from their columns when present."""
    header = ["Cod", "Denumire", "Marcă", "Categorie", "Preț", "Stoc"]
    outcome = one(["KNORR-K012", "Etrier", "Knorr-Bremse", "Frâne", "389", "în stoc"], header)
    assert outcome == PriceRow(
        "KNORR-K012", "Etrier", Decimal(389), "EUR", None, "Knorr-Bremse", "Frâne", 2, True
    )


@pytest.mark.parametrize(
    "header",
    ["Delivery days", "Lead time", "Срок поставки", "Срок, дней", "Termen de livrare", "Termen"],
)
def test_delivery_days_column_in_every_language(header: str) -> None:
    """A delivery-days column is read under its English, Russian and Romanian names."""
    outcome = one(["BPW-0310", "84.00", "2-3"], ["SKU", "Price", header])
    assert isinstance(outcome, PriceRow)
    assert outcome.delivery_days == 3


@pytest.mark.parametrize(
    ("cell", "days"),
    [
        ("3", 3),
        ("0", 0),
        ("3 days", 3),
        ("2-3 дня", 3),
        ("3-5 zile lucrătoare", 5),
        ("1 week", 7),
        ("1,5 недели", 11),
        ("2 săptămâni", 14),
        ("48h", 2),
        ("36 часов", 2),
        ("", None),
        ("on request", None),
        ("99999", None),
    ],
)
def test_delivery_days_notations(cell: str, days: int | None) -> None:
    """Delivery times become whole days: ranges take the longer end, weeks and hours convert."""
    assert parse_delivery_days(cell) == days


def test_available_without_a_count_is_told_from_not_stated() -> None:
    """A word for yes marks a row in stock without a count; an empty or unclear cell does not."""
    header = ["SKU", "Price", "Stock"]
    rows = [one(["A-1", "1", cell], header) for cell in ("yes", "", "call us", "12")]
    read_as = [(r.stock, r.in_stock) for r in rows if isinstance(r, PriceRow)]
    assert read_as == [(None, True), (None, None), (None, None), (12, None)]
    assert [says_available(cell) for cell in ("În stoc", "+", "5", "")] == [
        True,
        True,
        False,
        False,
    ]


def test_headings_totals_and_empty_rows_are_skipped() -> None:
    """Empty rows, group headings (a name, no SKU or price) and totals are no rows at all."""
    outcomes = read(
        [
            ["SKU", "Name", "Price"],
            [],
            ["", "Brakes", ""],
            ["BPW-0310", "Drum", "10"],
            ["", "Total", "10"],
        ]
    )
    assert [o.sku for o in outcomes if isinstance(o, PriceRow)] == ["BPW-0310"]
    assert len(outcomes) == 1


def test_partner_mapping_names_the_columns() -> None:
    """A supplier's own header names are used through its mapping."""
    outcomes = read([["Teil", "Preis"], ["A-1", "5"]], custom={"sku": "Teil", "price": "Preis"})
    assert [o.price for o in outcomes if isinstance(o, PriceRow)] == [Decimal(5)]


def test_table_without_sku_and_price_columns_is_one_rejection() -> None:
    """Without SKU and price headers the whole table is one NO_COLUMNS rejection."""
    (outcome,) = read([["Teil", "Preis"], ["A-1", "5"]])
    assert isinstance(outcome, RejectedLine)
    assert outcome.reason is Rejection.NO_COLUMNS
    assert "Teil; Preis" in outcome.detail


def test_rows_stream_one_at_a_time() -> None:
    """Price rows come out as the table rows go in: the first is ready before the rest."""
    consumed: list[int] = []

    def rows() -> Iterator[tuple[int, list[str]]]:
        yield 1, ["SKU", "Price"]
        for number in range(2, 100_000):
            consumed.append(number)
            yield number, [f"SKU-{number}", "1.00"]

    outcomes = price_rows(rows(), "big.csv", default_currency="EUR")
    first = next(outcomes)
    assert isinstance(first, PriceRow)
    assert first.sku == "SKU-2"
    assert len(consumed) <= 25  # the header search looks at 20 rows ahead, no more


@pytest.mark.parametrize(
    ("text", "code"),
    [("EUR", "EUR"), ("eur", "EUR"), ("€", "EUR"), ("руб.", "RUB"), ("lei", "RON"), ("Ron", "RON")],
)
def test_currency_codes(text: str, code: str) -> None:
    """ISO codes in any case, signs and local words name their currency."""
    assert currency_code(text) == code


def test_currency_words_that_are_not_codes() -> None:
    """Text that is neither a code nor a known sign has no code."""
    assert currency_code("Dollars") is None
    assert currency_code("") is None


@given(PRICE_CELLS)
def test_price_cells_read_alike_with_and_without_the_shortcut(text: str) -> None:
    """A price cell that starts and ends with a digit reads as the full pattern reads it."""
    assert repr(_price(text)) == repr(_marked_price(text.strip()))


@given(PRICE_CELLS)
def test_a_rows_price_is_what_the_price_parser_reads(text: str) -> None:
    """A row's price is what _price reads in its cell, whichever path the row takes."""
    price, marked = _price(text)
    outcomes = read([["SKU", "Price"], ["A-1", text]])
    prices = [o.price.as_tuple() for o in outcomes if isinstance(o, PriceRow)]
    if price is None or price <= 0:
        assert prices == []
    elif not marked:
        assert prices == [price.as_tuple()]
    else:  # a currency written in the cell may be one ISO 4217 does not know
        assert prices in ([], [price.as_tuple()])


def test_currency_is_checked_in_every_row() -> None:
    """A currency known or unknown in one row is judged the same in every later row."""
    header = ["SKU", "Price", "Currency"]
    rows = [["A-1", "5", "XYZ"], ["A-2", "6", "usd"], ["A-3", "7", "XYZ"], ["A-4", "8", ""]]
    outcomes = read([header, *rows], default="RON")
    rejected = [o.origin.row for o in outcomes if isinstance(o, RejectedLine)]
    currencies = [o.currency for o in outcomes if isinstance(o, PriceRow)]
    assert (rejected, currencies) == ([2, 4], ["USD", "RON"])


def test_rows_shorter_than_the_header_read_missing_cells_as_empty() -> None:
    """A row that stops before the stock or currency column reads them as not given."""
    header = ["SKU", "Price", "Name", "Stock", "Currency"]
    (short, full) = read([header, ["A-1", "5"], ["A-2", "6", "Drum", "4", "USD"]])
    assert isinstance(short, PriceRow)
    assert isinstance(full, PriceRow)
    assert (short.name, short.stock, short.in_stock, short.currency) == ("", None, None, "EUR")
    assert (full.name, full.stock, full.currency) == ("Drum", 4, "USD")
