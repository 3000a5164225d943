"""Order lines read against the catalogue: SKUs in any notation, quantities in any wording."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mailbot.domain.lines import Rejection
from mailbot.parsers.catalogue import Catalogue, exact_key, sku_key
from mailbot.parsers.order_lines import OrderLines, order_lines_from_rows
from mailbot.parsers.order_text import order_lines_from_text
from tests.strategies import catalogue_skus, notations

CATALOGUE = Catalogue(
    [
        "BPW-0310-0100",
        "BPW-0389-0100",
        "SAF 2234",
        "SAF 6343",
        "SAF 8880",
        "KNORR K012345",
        "KNORR K063007",
        "8200 123 456",
        "03.112.36.07.0",
        "05.630.59.90.0",
        "WK 940/20",
        "WVA 29030",
        "4228374118",
        "24231995",
        "ZF 0501 215 163",
        "SAF 4412",
        "SAF-44.12",
    ]
)


def read(text: str) -> list[tuple[str, Decimal]]:
    return [(line.sku, line.quantity) for line in order_lines_from_text(text, CATALOGUE).lines]


@pytest.mark.parametrize(
    ("line", "sku", "quantity"),
    [
        ("WVA 29030 x 3", "WVA 29030", 3),
        ("4228374118 x 2", "4228374118", 2),
        ("KNORR K063007 x 2", "KNORR K063007", 2),
        ("WK 940/20 x 2", "WK 940/20", 2),
        ("WK 940/20 - 2 buc", "WK 940/20", 2),
        ("8 pcs BPW-0389-0100", "BPW-0389-0100", 8),
        ("BPW-0389-0100 Brake drum, qty: 8", "BPW-0389-0100", 8),
        ("SAF 2234 — 4 шт.", "SAF 2234", 4),
        ("SAF 2234 buc. 2", "SAF 2234", 2),
        ("1) SAF6343 Bush 4 pcs", "SAF 6343", 4),
        ("2. 0563059900 - 2,00", "05.630.59.90.0", 2),
        ("Volvo 24231995 x 1", "24231995", 1),
        ("SAF-8880 x 6", "SAF 8880", 6),
        ("КNОRR К012345 x 3", "KNORR K012345", 3),
        ("K012345 x 3", "KNORR K012345", 3),
        ("8200-123-456 Filter 5 pcs", "8200 123 456", 5),
        ("03.112.36.07.0 x 2 à 45.50 EUR", "03.112.36.07.0", 2),
        ("ZF 0501 215 163 set of 4, qty 2", "ZF 0501 215 163", 2),
        ("Кол-во: 7 — bpw-0310-0100", "BPW-0310-0100", 7),
        ("2x WVA 29030", "WVA 29030", 2),
        ("- SAF 2234 Втулка рессоры 12", "SAF 2234", 12),
    ],
)
def test_clerk_notations_read_as_the_catalogue_item(line: str, sku: str, quantity: int) -> None:
    """Each way a clerk writes an item reads as that catalogue SKU and quantity."""
    assert read(f"Hello,\n\n{line}\n\nBest regards,\nIon Popescu\ntel. 0745 123 454") == [
        (sku, Decimal(quantity))
    ]


def test_notation_read_otherwise_keeps_what_was_written() -> None:
    """A SKU matched in another notation remembers how it was written, for the quote to say."""
    (line,) = order_lines_from_text("SAF6343 x 2", CATALOGUE).lines
    assert (line.sku, line.written) == ("SAF 6343", "SAF6343")
    (exact,) = order_lines_from_text("saf 6343 x 2", CATALOGUE).lines
    assert exact.written == ""


def test_item_over_two_lines() -> None:
    """A SKU and name on one line and "qty 4" on the next are one item."""
    assert read("BPW-0310-0100 Brake drum 420 mm\nqty 4\nSAF 2234 x 1") == [
        ("BPW-0310-0100", Decimal(4)),
        ("SAF 2234", Decimal(1)),
    ]


def test_two_items_on_one_line() -> None:
    """Two items on one line each get their own quantity, whichever side it stands on."""
    assert read("BPW-0310-0100 x 2, SAF 2234 x 4") == [
        ("BPW-0310-0100", Decimal(2)),
        ("SAF 2234", Decimal(4)),
    ]
    assert read("2 x BPW-0310-0100, 4 x SAF 2234") == [
        ("BPW-0310-0100", Decimal(2)),
        ("SAF 2234", Decimal(4)),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("SAF4412 x 2", Rejection.AMBIGUOUS_SKU),
        ("SAF 2234 2-3 шт", Rejection.UNCLEAR_QUANTITY),
        ("SAF 2234 — as many as you have", Rejection.UNCLEAR_QUANTITY),
        ("BPW-0310-0100 сколько есть", Rejection.UNCLEAR_QUANTITY),
        ("WVA 29030 x 2 or 3 x", Rejection.UNCLEAR_QUANTITY),
        ("WVA 29030 please", Rejection.UNCLEAR_QUANTITY),
    ],
)
def test_unsure_lines_are_asked_not_guessed(line: str, reason: Rejection) -> None:
    """A SKU that fits two items or a quantity that cannot be told is a question, not a line."""
    result = order_lines_from_text(line, CATALOGUE)
    assert result.lines == ()
    assert [rejected.reason for rejected in result.rejected] == [reason]
    assert reason.is_question


def test_ambiguous_sku_names_the_candidates() -> None:
    """The question about a SKU that fits two items names both."""
    (asked,) = order_lines_from_text("SAF4412 x 2", CATALOGUE).rejected
    assert asked.detail == "SAF 4412 / SAF-44.12"
    assert asked.sku == "SAF4412"


def test_exact_notation_of_a_colliding_sku_is_not_ambiguous() -> None:
    """Written exactly as one of two colliding SKUs, the line is that SKU."""
    assert read("SAF-44.12 x 2") == [("SAF-44.12", Decimal(2))]


@pytest.mark.parametrize(
    "line",
    [
        "Întocmit: Victor Rusu, tel. 0745 123 454",
        "Date: 03.12.2026",
        "Total: 28 pcs",
        "CUI RO12345678, Str. Fabricii 12, Cluj",
        "Итого: 5 позиций",
        "Please deliver by 15.12, thank you!",
    ],
)
def test_signatures_and_footers_are_not_lines(line: str) -> None:
    """Phones, dates, addresses, totals and footers are neither lines nor rejections."""
    result = order_lines_from_text(line, CATALOGUE)
    assert (result.lines, result.rejected) == ((), ())


def test_unknown_sku_in_clerk_notation_is_reported() -> None:
    """An SKU-shaped word the catalogue does not know, with a quantity, is kept as a line."""
    (line,) = order_lines_from_text("WVA 29031 x 3", CATALOGUE).lines
    assert (line.sku, line.quantity) == ("WVA 29031", Decimal(3))


def test_table_columns_told_by_content() -> None:
    """An item column before the SKU column does not fool the reader: the SKUs are found."""
    rows = [
        (1, ("Purchase order 118", "", "", "", "")),
        (2, ("Pos", "Item", "SKU", "Make", "Qty")),
        (3, ("1", "ABS sensor", "4228374118", "WABCO", "2")),
        (4, ("2", "Brake drum", "bpw 0310 0100", "BPW", "4")),
        (5, ("Întocmit: Victor Rusu, tel. 0745 123 454", "", "", "", "")),
    ]
    result = order_lines_from_rows(rows, "po.xlsx", catalogue=CATALOGUE)
    assert [(line.sku, line.quantity, line.origin.row) for line in result.lines] == [
        ("4228374118", Decimal(2), 3),
        ("BPW-0310-0100", Decimal(4), 4),
    ]
    assert result.rejected == ()


def test_headerless_table_read_by_content() -> None:
    """Without any header the SKU and quantity columns are found from the cells."""
    rows = [
        (1, ("Comanda nr. 5 din 02.12.2026", "", "")),
        (2, ("1", "SAF6343", "4")),
        (3, ("2", "Volvo 24231995", "1")),
    ]
    result = order_lines_from_rows(rows, "c.csv", catalogue=CATALOGUE)
    assert [(line.sku, line.quantity) for line in result.lines] == [
        ("SAF 6343", Decimal(4)),
        ("24231995", Decimal(1)),
    ]


def test_keys_ignore_separators_case_and_lookalikes() -> None:
    """The match key drops separators and reads Cyrillic look-alikes as Latin."""
    assert sku_key("кnоrr к-012.345") == sku_key("KNORR K012345") == "KNORRK012345"


@given(st.data(), st.lists(catalogue_skus, min_size=1, max_size=30, unique=True))
def test_any_notation_reads_as_its_item_or_is_asked(data: st.DataObject, skus: list[str]) -> None:
    """A catalogue SKU written in any supported notation comes back as that item or as a
    question naming it, never as another item."""
    catalogue = Catalogue(skus)
    sku = data.draw(st.sampled_from(skus))
    written = data.draw(notations(sku))
    quantity = data.draw(st.integers(min_value=1, max_value=999))
    others = {exact_key(other) for other in skus if other != sku}
    assume(exact_key(written) not in others)  # written exactly as another item: that item
    result = order_lines_from_text(f"Hello,\n{written} x {quantity}\nThanks", catalogue)
    if result.lines:
        assert [(line.sku, line.quantity) for line in result.lines] == [(sku, Decimal(quantity))]
        assert result.rejected == ()
    else:
        (asked,) = result.rejected
        assert asked.reason is Rejection.AMBIGUOUS_SKU
        assert sku in asked.detail.split(" / ")


@pytest.mark.parametrize(("written", "quantity"), [("-3", "-3"), ("1e9", "1E+9"), ("2.5", "2.5")])
def test_odd_quantities_after_x_are_kept_for_the_domain(written: str, quantity: str) -> None:
    """A negative, huge or fractional number after "x" is the line's quantity, for the quote
    to refuse with its reason rather than ask about."""
    (line,) = order_lines_from_text(f"SAF 2234 x {written}", CATALOGUE).lines
    assert line.quantity == Decimal(quantity)


def test_a_counted_line_without_a_sku_is_reported() -> None:
    """A short line counting pieces of something with no SKU is refused as such, not dropped;
    a totals line is not."""
    result = order_lines_from_text("Brake drums for the BPW axle — 4 pcs\nTotal: 28 pcs", CATALOGUE)
    assert result.lines == ()
    assert [(r.reason, r.text) for r in result.rejected] == [
        (Rejection.MISSING_SKU, "Brake drums for the BPW axle — 4 pcs")
    ]


HELD_OUT = Catalogue(
    [
        ("LF 3349", "Fleetguard"),
        ("29030", "Febi"),
        ("WVA 29030", "Textar"),
        ("C 4", "Mann"),
        ("950364001", "Haldex"),
        ("35283", "Febi"),
        ("24231995", "Volvo"),
        ("WK 940/20", "Mann"),
        ("HU 719/7x", "Mann"),
    ]
)


def held_out(text: str) -> OrderLines:
    return order_lines_from_text(text, HELD_OUT)


@pytest.mark.parametrize(
    ("line", "sku", "quantity"),
    [
        ("four pieces of HU 719/7x", "HU 719/7x", 4),
        ("LF 3349 — две штуки", "LF 3349", 2),
        ("a dozen LF 3349", "LF 3349", 12),
        ("and one Haldex 950364001 please", "950364001", 1),
        ("LF 3349 - 2no.", "LF 3349", 2),
        ("LF3349 - 12.40 ea - qty 10", "LF 3349", 10),
        ("24231995x2", "24231995", 2),
        ("Air filter C 4 qty 3", "C 4", 3),
        ("Filtru aer C 4 - două bucăți", "C 4", 2),
        ("Febi 29030 x 1", "29030", 1),
        ("Сайлентблок 35283 — 1 000 шт", "35283", 1000),
        ("HU 719/7x x 2", "HU 719/7x", 2),
    ],
)
def test_held_out_notations(line: str, sku: str, quantity: int) -> None:
    """Counts in words, "no." and "ea", glued quantities, a short SKU on a counting line, a
    brand that settles which SKU is meant, and thousands grouped by spaces read right."""
    result = held_out(line)
    assert [(found.sku, found.quantity) for found in result.lines] == [(sku, Decimal(quantity))]
    assert result.rejected == ()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("LF 3349 - 2 cutii a câte 12 buc", Rejection.UNCLEAR_QUANTITY),
        ("LF 3349 - 2 boxes of 10", Rejection.UNCLEAR_QUANTITY),
        ("LF 3349 x 1,000", Rejection.UNCLEAR_QUANTITY),
        ("LF 3349 - 1.000 buc", Rejection.UNCLEAR_QUANTITY),
        ("29030 x 2", Rejection.AMBIGUOUS_SKU),
    ],
)
def test_held_out_questions(line: str, reason: Rejection) -> None:
    """Boxes or pieces, a thousand or one, Febi's 29030 or WVA 29030: asked, never guessed."""
    result = held_out(line)
    assert result.lines == ()
    assert [rejected.reason for rejected in result.rejected] == [reason]


def test_a_short_sku_in_an_address_is_not_an_order_line() -> None:
    """ "bl. C 4, ap. 5" in an address is neither a line nor a question."""
    result = held_out("Str. Fabricii 12, bl. C 4, ap. 5, Cluj")
    assert (result.lines, result.rejected) == ((), ())


def test_a_count_before_the_second_sku_is_its_own() -> None:
    """In "change WK 940/20 to 6 pcs and add 2 x LF 3349", 6 is the first item's, 2 the second's."""
    result = held_out("Please change the WK 940/20 to 6 pcs and add 2 x LF 3349.")
    assert [(line.sku, line.quantity) for line in result.lines] == [
        ("WK 940/20", Decimal(6)),
        ("LF 3349", Decimal(2)),
    ]


def test_unknown_sku_after_a_brand_word_is_reported() -> None:
    """ "WK 940 x 2" (a SKU cut short) is reported as unknown, not dropped."""
    (line,) = held_out("WK 940 x 2").lines
    assert (line.sku, line.quantity) == ("WK 940", Decimal(2))


def test_a_totals_line_is_not_an_order_line() -> None:
    """ "Итого: 7 шт. на сумму 45 600,00 руб." is neither a line nor a rejection."""
    result = held_out("Итого: 7 шт. на сумму 45 600,00 руб.")
    assert (result.lines, result.rejected) == ((), ())


def test_merged_header_cells_do_not_hide_the_quantity_column() -> None:
    """A header shifted by a merged cell over words is overruled by the column of numbers."""
    rows = [
        (1, ("Line", "Part", "Qty", "Notes")),
        (2, ("1", "LF 3349", "Oil filter", "2", "")),
        (3, ("2", "C 4", "Air filter", "5", "urgent")),
    ]
    result = order_lines_from_rows(rows, "body", catalogue=HELD_OUT)
    assert [(line.sku, line.quantity) for line in result.lines] == [
        ("LF 3349", Decimal(2)),
        ("C 4", Decimal(5)),
    ]
