"""Where voucher codes come from: tokens of the subject and body, and a spreadsheet's voucher
column, with SKUs and ordinary words kept out by the serial-shape check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.parsers.message import Attachment, ParsedMessage
from mailbot.parsers.order_files import FileLimits
from mailbot.parsers.order_lines import order_lines_from_rows
from mailbot.parsers.voucher_tokens import cell_codes, code_tokens, is_serial_shape
from mailbot.services.orders.taking import OrderRules, PricingSettings, read_order
from tests.workbooks import xlsx_bytes

SERIAL = "WIN-7K3M-Q9TX-4"


@pytest.mark.parametrize(
    "typed",
    [
        SERIAL,
        "win 7k3m q9tx 4",
        "WIN7K3MQ9TX4",
        "win-7k3m q9tx-4",
        "WIN7K3M Q9TX4",
        "WIN 7K3MQ9TX4",
    ],
)
def test_serial_codes_are_found_however_grouped(typed: str) -> None:
    """A serial code typed with spaces or dashes inside is one token, as written."""
    found = code_tokens("", f"Hello, please apply {typed} to this order. Thanks")
    assert typed in found
    assert is_serial_shape(typed)
    assert "7k3m" not in [token.casefold() for token in found]


def test_tokens_keep_order_of_appearance_and_come_once() -> None:
    """Subject before body, each token once however it is cased or grouped."""
    found = code_tokens(
        "Order with WINTER25", f"SAF-2234 x 3\nCode: winter25, {SERIAL}, win 7k3m q9tx 4"
    )
    assert found == ["Order", "with", "WINTER25", "SAF-2234", "Code", SERIAL]


def test_skus_and_words_are_tokens_but_not_serial_shaped() -> None:
    """SKUs and words are returned, for promotional codes, but fail the serial-shape check."""
    found = code_tokens("order", "SAF-2234 x 3, BPW-0310; заказ")
    assert found == ["order", "SAF-2234", "BPW-0310", "заказ"]
    assert not any(is_serial_shape(token) for token in found)


def test_short_and_long_words_are_not_tokens() -> None:
    """Words under 4 or over 32 characters are never codes."""
    long_word = "A" * 33
    assert code_tokens("Hi", f"x12 abc {long_word} ABCD") == ["ABCD"]


def test_an_ordinary_word_does_not_swallow_the_code_after_it() -> None:
    """ "apply win 7k3m" has twelve characters but is not the code that follows it."""
    assert code_tokens("", "apply win 7k3m q9tx 4") == ["apply", "win 7k3m q9tx 4"]


def test_serial_shape_reads_look_alikes_but_not_wrong_lengths() -> None:
    """O, I and L in the random part count as 0 and 1; 11 or 13 characters do not fit."""
    assert is_serial_shape("WIN-7K3M-Q9TO-L")
    assert not is_serial_shape("WIN-7K3M-Q9TX")
    assert not is_serial_shape("WIN-7K3M-Q9TX-44")
    assert not is_serial_shape("W1N-7K3M-Q9TX-4")
    assert not is_serial_shape("WIN-7K3M-Q9TX-U")


@given(st.text(max_size=200), st.text(max_size=200))
def test_tokens_are_word_like_and_distinct(subject: str, body: str) -> None:
    """Every token is 4 to 32 characters of letters, digits, dashes (and spaces in a serial)."""
    found = code_tokens(subject, body)
    keys = ["".join(token.split()).replace("-", "").upper() for token in found]
    assert len(keys) == len(set(keys))
    for token in found:
        assert is_serial_shape(token) or (4 <= len(token) <= 32 and " " not in token)


def test_voucher_cells_may_hold_several_codes() -> None:
    """Commas, semicolons and line breaks split codes in one cell; spaces inside stay."""
    assert cell_codes(["WINTER25, win 7k3m q9tx 4", "", "A1;B2\nC3"]) == [
        "WINTER25",
        "win 7k3m q9tx 4",
        "A1",
        "B2",
        "C3",
    ]


def test_a_row_with_only_a_code_is_no_line_and_no_rejection() -> None:
    """A voucher row (a label and a code, no quantity) gives the code and rejects nothing."""
    table = [
        ["SKU", "Qty", "Promo code"],
        ["BPW-0310", "2", ""],
        ["Voucher:", "", "WINTER25"],
        ["SAF-2234", "1", ""],
    ]
    result = order_lines_from_rows(enumerate(table, start=1), "order.csv")
    assert [(line.sku, line.quantity) for line in result.lines] == [
        ("BPW-0310", Decimal(2)),
        ("SAF-2234", Decimal(1)),
    ]
    assert result.rejected == ()
    assert result.codes == ("WINTER25",)


def test_read_order_carries_the_codes_of_a_spreadsheet() -> None:
    """An XLSX order with a voucher column on one row and SKUs on others yields lines and codes."""
    table = [
        ["Артикул", "Количество", "Промокод"],
        ["BPW-0310", "2", ""],
        ["", "", f"{SERIAL}; WINTER25"],
        ["SAF-2234", "1", ""],
    ]
    sheet = Attachment("заказ.xlsx", "application/vnd.ms-excel", xlsx_bytes(table))
    message = ParsedMessage("<1@x>", "a@b.example", "", (), (), "Order", None, "", (), "", (sheet,))
    rules = OrderRules(PricingSettings(), max_quantity=1000, max_attachments=5, files=FileLimits())
    order = read_order(message, rules)
    assert [line.sku for line in order.lines.lines] == ["BPW-0310", "SAF-2234"]
    assert order.lines.rejected == ()
    assert order.problems == ()
    assert order.codes == (SERIAL, "WINTER25")
