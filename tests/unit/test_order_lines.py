"""Order lines from spreadsheet rows and from message bodies."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import html2text
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.lines import Origin, RejectedLine, Rejection, RequestedLine
from mailbot.parsers.order_lines import (
    OrderLines,
    combine,
    order_lines_from_rows,
)
from mailbot.parsers.order_text import order_lines_from_text
from mailbot.parsers.tables import TableLimits, TooManyRows, read_rows
from tests.strategies import LINE_SHAPES, PROSE, line_shapes, plain, prose, quantities, skus
from tests.workbooks import RUSSIAN, Cell, csv_bytes, ods_bytes, xls_bytes, xlsx_bytes

WESTERN = [
    ["Part number", "Description", "Quantity"],
    ["BPW-0310", "Tambour arrière", "4"],
    ["SAF-2234", "Bague élastique", "16"],
    ["MAN-81.43701", "Étrier M24", "8"],
]
WESTERN_NUMBERS: list[Sequence[Cell]] = [WESTERN[0]]
WESTERN_NUMBERS += [(sku, name, int(quantity)) for sku, name, quantity in WESTERN[1:]]
EXPECTED = [
    ("BPW-0310", Decimal(4), 2),
    ("SAF-2234", Decimal(16), 3),
    ("MAN-81.43701", Decimal(8), 4),
]


def numbered(table: Sequence[Sequence[str]]) -> list[tuple[int, Sequence[str]]]:
    return list(enumerate(table, start=1))


def summary(result: OrderLines) -> list[tuple[str, Decimal, int]]:
    return [(line.sku, line.quantity, line.origin.row) for line in result.lines]


def body(text: str) -> list[tuple[str, Decimal]]:
    return [(line.sku, line.quantity) for line in order_lines_from_text(text).lines]


@pytest.mark.parametrize(
    ("filename", "payload"),
    [
        ("order.csv", csv_bytes(RUSSIAN)),
        ("order.csv", csv_bytes(RUSSIAN, encoding="utf-8-sig")),
        ("order.csv", csv_bytes(RUSSIAN, encoding="cp1251")),
        ("order.csv", csv_bytes(RUSSIAN, encoding="koi8_r", delimiter="\t")),
        ("order.csv", csv_bytes(WESTERN, encoding="latin-1", delimiter=",")),
        ("order.csv", csv_bytes(WESTERN, encoding="cp1252", delimiter="|")),
        ("order.xlsx", xlsx_bytes(RUSSIAN)),
        ("order.xlsx", xlsx_bytes(WESTERN_NUMBERS)),
        ("order.ods", ods_bytes(RUSSIAN)),
        ("order.xls", xls_bytes(RUSSIAN)),
    ],
    ids=[
        "utf-8",
        "utf-8-bom",
        "cp1251",
        "koi8-r",
        "latin-1",
        "cp1252",
        "xlsx",
        "xlsx-en",
        "ods",
        "xls",
    ],
)
def test_same_order_in_every_format_gives_the_same_lines(filename: str, payload: bytes) -> None:
    """One order as CSV (five encodings, four delimiters), XLSX, ODS or XLS: the same lines."""
    result = order_lines_from_rows(read_rows(filename, payload, TableLimits()), filename)
    assert summary(result) == EXPECTED
    assert result.rejected == ()
    assert {line.origin.source for line in result.lines} == {filename}


def test_numbers_in_workbook_cells_are_quantities() -> None:
    """Quantities stored as numbers in a workbook (4.0) read as whole numbers."""
    table: list[Sequence[Cell]] = [["Cod articol", "Denumire", "Cantitate"], ["BPW-0310", "Arc", 2]]
    rows = read_rows("comanda.xlsx", xlsx_bytes(table), TableLimits())
    assert summary(order_lines_from_rows(rows, "comanda.xlsx")) == [("BPW-0310", Decimal(2), 2)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", "5"),
        ("5.0", "5.0"),
        ("5,0", "5.0"),
        ("1e9", "1E+9"),
        ("-3", "-3"),
        ("2.5", "2.5"),
        ("0", "0"),
        ("4 шт.", "4"),
        ("2 pcs", "2"),
        ("3 buc", "3"),
    ],
)
def test_quantity_cells_become_decimals_unjudged(text: str, expected: str) -> None:
    """Any number is taken as written (negative, fractional, huge): the domain judges it."""
    result = order_lines_from_rows(numbered([["SKU", "Qty"], ["BPW-0310", text]]), "o.csv")
    assert result.lines == (RequestedLine("BPW-0310", Decimal(expected), Origin("o.csv", 2)),)


def test_rejected_rows_keep_their_row_numbers_and_text() -> None:
    """A quantity without SKU, an unreadable quantity and a missing one are each reported."""
    table = [
        ["Артикул", "Наименование", "Кол-во"],
        ["BPW-0310", "Рессора", "4"],
        ["", "Втулка", "16"],
        ["SAF-2234", "Втулка", "шестнадцать"],
        [],
        ["", "", ""],
        ["MAN-81.43701", "Стремянка", ""],
    ]
    result = order_lines_from_rows(numbered(table), "заказ.csv")
    assert summary(result) == [("BPW-0310", Decimal(4), 2)]
    assert result.rejected == (
        RejectedLine(Origin("заказ.csv", 3), Rejection.MISSING_SKU, "", "Втулка; 16"),
        RejectedLine(
            Origin("заказ.csv", 4),
            Rejection.UNREADABLE_QUANTITY,
            "SAF-2234",
            "шестнадцать",
            "not a number",
        ),
        RejectedLine(
            Origin("заказ.csv", 7), Rejection.UNREADABLE_QUANTITY, "MAN-81.43701", "", "no quantity"
        ),
    )


def test_total_rows_and_name_only_rows_are_not_lines() -> None:
    """A "Total" row under the table and a row with only a name are skipped, not rejected."""
    table = [
        ["SKU", "Name", "Qty"],
        ["BPW-0310", "Drum", "4"],
        ["", "Brakes", ""],
        ["", "Total", "4"],
    ]
    result = order_lines_from_rows(numbered(table), "o.csv")
    assert summary(result) == [("BPW-0310", Decimal(4), 2)]
    assert result.rejected == ()


def test_voucher_column_values_are_kept_as_codes() -> None:
    """Codes in a voucher column are collected for later, in order."""
    table = [["SKU", "Qty", "Promo code"], ["A-1", "1", "SPRING25"], ["", "", "WELCOME10"]]
    result = order_lines_from_rows(numbered(table), "o.csv")
    assert result.codes == ("SPRING25", "WELCOME10")
    assert summary(result) == [("A-1", Decimal(1), 2)]


def test_partner_mapping_reads_its_own_headers() -> None:
    """A partner's "Part No"/"Menge" headers are read through its own mapping."""
    table = [["Pos", "Part No", "Menge"], ["1", "BPW-0310", "4"]]
    result = order_lines_from_rows(
        numbered(table), "b.csv", {"sku": "Part No", "quantity": "Menge"}
    )
    assert summary(result) == [("BPW-0310", Decimal(4), 2)]


def test_headerless_two_column_table_is_sku_and_quantity() -> None:
    """Without a header, two columns of SKU and number are read as such."""
    result = order_lines_from_rows(numbered([["BPW-0310", "4"], ["12345", "16"]]), "o.csv")
    assert summary(result) == [("BPW-0310", Decimal(4), 1), ("12345", Decimal(16), 2)]


def test_unknown_header_over_two_columns_is_skipped() -> None:
    """An unrecognised header ("Teil;Menge") above SKU-and-number rows is not a line."""
    table = [["Teil", "Menge"], ["BPW-0310", "4"], ["SAF-2234", "viele"]]
    result = order_lines_from_rows(numbered(table), "o.csv")
    assert summary(result) == [("BPW-0310", Decimal(4), 2)]
    assert [r.reason for r in result.rejected] == [Rejection.UNREADABLE_QUANTITY]


def test_table_without_usable_columns_is_one_rejection() -> None:
    """A table with no usable columns is one NO_COLUMNS rejection naming its headers."""
    table = [[], ["Teil", "Beschreibung", "Menge"], ["BPW-0310", "Trommel", "4"]]
    result = order_lines_from_rows(numbered(table), "bestellung.csv")
    assert result.lines == ()
    (rejected,) = result.rejected
    assert rejected.reason is Rejection.NO_COLUMNS
    assert rejected.origin == Origin("bestellung.csv", 2)
    assert "Teil; Beschreibung; Menge" in rejected.detail


def test_empty_table_is_one_rejection() -> None:
    """An empty file says it is empty."""
    (rejected,) = order_lines_from_rows([], "empty.csv").rejected
    assert (rejected.reason, rejected.detail) == (Rejection.NO_COLUMNS, "the table is empty")


def test_row_limit_errors_pass_through() -> None:
    """A CSV past the row limit raises TooManyRows while its lines are read."""
    rows = read_rows("big.csv", csv_bytes([["SKU", "Qty"]] + [["A-1", "1"]] * 10), TableLimits(5))
    with pytest.raises(TooManyRows):
        order_lines_from_rows(rows, "big.csv")


def test_parts_combine_in_order() -> None:
    """Attachments and body combine into one result, lines, rejections and codes in order."""
    first = order_lines_from_rows(numbered([["SKU", "Qty", "Voucher"], ["A-1", "1", "X1"]]), "a")
    second = order_lines_from_text("B-2 x 2\nC-3 x abc")
    both = combine(first, second)
    assert both == first.merge(second) == OrderLines.combine(first, second)
    assert [line.sku for line in both.lines] == ["A-1", "B-2"]
    assert both.codes == ("X1",)
    assert combine() == OrderLines()


@pytest.mark.parametrize("shape", LINE_SHAPES)
def test_body_line_shapes(shape: str) -> None:
    """Every supported way of writing a line in a body reads as that SKU and quantity."""
    text = "Hello,\n\n" + shape.format(sku="BPW-0310", quantity="5") + "\n\nThanks"
    assert order_lines_from_text(text).lines == (
        RequestedLine("BPW-0310", Decimal(5), Origin("body", 3)),
    )


@pytest.mark.parametrize("line", [p for p in PROSE if p])
def test_prose_is_not_an_order_line(line: str) -> None:
    """Greetings, dates, phones, URLs, addresses and quoted lines are not order lines."""
    assert order_lines_from_text(line) == OrderLines()


@pytest.mark.parametrize(
    ("line", "quantity"),
    [
        ("BPW-0310 x -3", "-3"),
        ("BPW-0310 x 1e9", "1E+9"),
        ("BPW-0310 x 2.5", "2.5"),
        ("BPW-0310 x 0", "0"),
        ("-3 x BPW-0310", "-3"),
    ],
)
def test_odd_quantities_are_kept_for_the_domain(line: str, quantity: str) -> None:
    """Negative, huge, fractional and zero quantities are lines with that number."""
    assert body(line) == [("BPW-0310", Decimal(quantity))]


def test_order_shaped_line_with_unreadable_number_is_rejected() -> None:
    """An order-shaped line whose number cannot be read ("x 1,2,3") is rejected, not lost."""
    result = order_lines_from_text("BPW-0310 x 1,2,3")
    assert result.rejected == (
        RejectedLine(
            Origin("body", 1), Rejection.UNREADABLE_QUANTITY, "BPW-0310", "1,2,3", "not a number"
        ),
    )


def test_sample_order_body() -> None:
    """The partner's sample order mail gives its three lines and nothing else."""
    text = (
        "Hello,\n\nplease send:\n\nBPW-0310 x 2\n5 x SAF-2234\nMAN-81.43701; 10\n\n"
        "Voucher: WELCOME10\n\nThanks,\nSam\n"
    )
    result = order_lines_from_text(text)
    assert [(line.sku, line.quantity, line.origin.row) for line in result.lines] == [
        ("BPW-0310", Decimal(2), 5),
        ("SAF-2234", Decimal(5), 6),
        ("MAN-81.43701", Decimal(10), 7),
    ]
    assert result.rejected == ()


def test_html_table_rendered_by_html2text_with_header() -> None:
    """An HTML table with a header row, rendered with pipes by html2text, reads by header."""
    html = (
        "<p>Добрый день!</p><table>"
        "<tr><th>Наименование</th><th>Артикул</th><th>Кол-во</th></tr>"
        "<tr><td>Рессора</td><td>BPW-0310</td><td>4</td></tr>"
        "<tr><td>Втулка</td><td>12345</td><td>16</td></tr>"
        "<tr><td>Итого</td><td></td><td>20</td></tr>"
        "</table><p>Спасибо</p>"
    )
    text = html2text.HTML2Text().handle(html)
    assert "|" in text
    assert body(text) == [("BPW-0310", Decimal(4)), ("12345", Decimal(16))]
    assert order_lines_from_text(text).rejected == ()


def test_html_table_without_header_reads_line_by_line() -> None:
    """A headerless two-column HTML table reads each row as SKU and quantity."""
    html = (
        "<table><tr><td>BPW-0310</td><td>4</td></tr><tr><td>SAF-2234</td><td>16</td></tr></table>"
    )
    text = html2text.HTML2Text().handle(html)
    assert body(text) == [("BPW-0310", Decimal(4)), ("SAF-2234", Decimal(16))]


def test_table_pasted_from_a_spreadsheet_with_tabs() -> None:
    """Rows pasted from a spreadsheet (TAB separated, with a header) read by the header."""
    text = "Cod articol\tDenumire\tCantitate\nBPW-0310\tArc foi spate\t2\nKNORR-K012\tEtrier\t1\n"
    result = order_lines_from_text(text)
    assert [(line.sku, line.quantity, line.origin.row) for line in result.lines] == [
        ("BPW-0310", Decimal(2), 2),
        ("KNORR-K012", Decimal(1), 3),
    ]


def test_body_table_voucher_column_gives_codes() -> None:
    """A voucher column in a body table is collected like one in an attachment."""
    text = "| SKU | Qty | Voucher |\n|---|---|---|\n| BPW-0310 | 2 | SPRING25 |\n"
    result = order_lines_from_text(text)
    assert result.codes == ("SPRING25",)
    assert body(text) == [("BPW-0310", Decimal(2))]


@given(st.text())
def test_any_text_is_read_without_error(text: str) -> None:
    """No body text makes the reader raise."""
    order_lines_from_text(text)


@given(st.lists(st.tuples(skus, quantities, line_shapes, prose), max_size=12))
def test_every_written_line_comes_back(
    written: list[tuple[str, Decimal, str, str]],
) -> None:
    """Lines written in any supported shape among prose all come back, in order, numbered."""
    lines: list[str] = []
    expected: list[tuple[str, Decimal, int]] = []
    for sku, quantity, shape, filler in written:
        lines.append(shape.format(sku=sku, quantity=plain(quantity)))
        expected.append((sku, quantity, len(lines)))
        lines.append(filler)
    result = order_lines_from_text("\n".join(lines))
    assert summary(result) == expected
    assert result.rejected == ()
