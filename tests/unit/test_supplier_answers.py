"""Reading a supplier's answer to an order file: confirmed, quantities, shipped with a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mailbot.outbound.order_sheets import OrderFileLine, order_files
from mailbot.parsers.supplier_answers import Shipment, read_supplier_answer
from mailbot.parsers.tables import TableLimits, read_rows


@pytest.mark.parametrize("word", ["CONFIRMED", "ok", "Подтверждаем.", "Confirmăm!", "confirmat"])
def test_a_confirming_word_alone_confirms(word: str) -> None:
    """The confirming words of each language, alone on the first line, confirm everything."""
    answer = read_supplier_answer(f"\n{word}\nBest regards, Ion")
    assert answer.confirmed
    assert not answer.quantities


def test_a_word_inside_a_sentence_is_not_a_confirmation() -> None:
    """ "We cannot confirm yet" says nothing mailbot acts on."""
    assert read_supplier_answer("We cannot confirm yet, sorry.").empty


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SHIPPED 2026-11-25 DHL", Shipment(date(2026, 11, 25), "DHL", "2026-11-25")),
        ("отгружено 25.11.2026 DPD", Shipment(date(2026, 11, 25), "DPD", "25.11.2026")),
        ("Expediat: 5/12/2026, curier Fan", Shipment(date(2026, 12, 5), "curier Fan", "5/12/2026")),
        ("shipped 2026-11-25", Shipment(date(2026, 11, 25), "", "2026-11-25")),
        ("SHIPPED tomorrow by DHL", Shipment(None, "by DHL", "tomorrow")),
        ("SHIPPED 31.02.2026 DHL", Shipment(None, "DHL", "31.02.2026")),
    ],
)  # fmt: skip
def test_shipped_lines_give_the_date_and_the_method(line: str, expected: Shipment) -> None:
    """A shipped line gives its date (None when unreadable, with what was written) and method."""
    assert read_supplier_answer(f"Hello,\n{line}\n").shipment == expected


def test_lines_in_the_body_are_confirmed_quantities() -> None:
    """ "SKU x N" lines are quantities; a shipped line beside them is not read as one."""
    answer = read_supplier_answer("Partial:\nBPW-0310 x 1\nSAF-2234 x 0\nSHIPPED 2026-11-25 DHL")
    assert [(q.sku, q.quantity) for q in answer.quantities] == [
        ("BPW-0310", Decimal(1)),
        ("SAF-2234", Decimal(0)),
    ]
    assert answer.shipment is not None


@pytest.mark.parametrize("language", ["en", "ru", "ro"])
def test_the_order_file_sent_back_gives_its_confirmed_column(language: str) -> None:
    """The order file with its confirmed column filled is read by that column; blanks are
    left out (confirmed as ordered), whatever the language of the headers."""
    lines = [OrderFileLine("BPW-0310", "Drum", 4), OrderFileLine("SAF-2234", "Spring", 16)]
    _, (name, _, payload) = order_files("ORD-2026-000001", lines, language)
    rows = list(read_rows(name, payload, TableLimits()))
    filled = [rows[0], (2, (*rows[1][1][:3], "3")), rows[2]]
    answer = read_supplier_answer("", [(name, filled)])
    assert [(q.sku, q.quantity) for q in answer.quantities] == [("BPW-0310", Decimal(3))]
    assert answer.unreadable == ()


def test_a_sheet_of_its_own_gives_its_quantity_column() -> None:
    """A sheet without the confirmed column is read by its SKU and quantity columns."""
    rows = [(1, ("Part No", "Qty")), (2, ("BPW-0310", "2"))]
    answer = read_supplier_answer("", [("mine.csv", rows)])
    assert [(q.sku, q.quantity) for q in answer.quantities] == [("BPW-0310", Decimal(2))]


def test_an_unreadable_quantity_is_reported() -> None:
    """A confirmed quantity that is not a number is kept as unreadable, not dropped."""
    rows = [(1, ("SKU", "Confirmed quantity")), (2, ("BPW-0310", "some"))]
    answer = read_supplier_answer("", [("back.csv", rows)])
    assert [(line.sku, line.text) for line in answer.unreadable] == [("BPW-0310", "some")]


def test_formula_like_text_is_escaped_in_the_csv_order_file() -> None:
    """A SKU or name starting like a formula gets a leading quote in the CSV file."""
    lines = [OrderFileLine("=HYPERLINK(1)", "+cmd", 1)]
    (_, _, _), (_, _, payload) = order_files("ORD-2026-000001", lines, "en")
    text = payload.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert "'+cmd" in text
