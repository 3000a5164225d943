"""parse_decimal: numbers as partners write them in quantities and prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.parsers.numbers import PLAIN_DECIMAL, _tolerant_decimal, parse_decimal
from tests.strategies import written_decimals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", "5"),
        ("5.0", "5"),
        ("5,0", "5"),
        (" 4 ", "4"),
        ("1e9", "1000000000"),
        ("1E9", "1000000000"),
        ("2.5e-3", "0.0025"),
        ("-3", "-3"),
        ("+7", "7"),
        ("−2", "-2"),
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1\u202f234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1'234.50", "1234.50"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        (".5", "0.5"),
        ("5.", "5"),
    ],
)
def test_accepted_notations(text: str, expected: str) -> None:
    """Decimal commas and points, thousands groups, signs and exponents all read."""
    assert parse_decimal(text) == Decimal(expected)


def test_a_single_separator_is_the_decimal_one() -> None:
    """A lone separator is the decimal one: "1,234" and "1.234" are both 1.234."""
    assert parse_decimal("1,234") == Decimal("1.234")
    assert parse_decimal("1.234") == Decimal("1.234")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "five",
        "1.2.3",
        "1,2,3",
        "1.234.56",
        "1 23",
        "1,,2",
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "12 EUR",
        "€12",
        "1e999999",
        "1e101",
        "--3",
        "3-",
        "1" * 65,
    ],
)
def test_rejected_text(text: str) -> None:
    """Text that is not exactly one number (or one too large to handle) gives None."""
    assert parse_decimal(text) is None


@given(written_decimals())
def test_round_trip_in_every_notation(written: tuple[Decimal, str]) -> None:
    """Any Decimal written in an accepted notation reads back as the same value."""
    value, text = written
    assert parse_decimal(text) == value


@given(st.from_regex(PLAIN_DECIMAL, fullmatch=True))
def test_plain_numbers_read_as_the_full_parser_reads_them(text: str) -> None:
    """The shortcut for "123.45" and "123" gives what the full parser gives, exponent too."""
    assert PLAIN_DECIMAL.fullmatch(text)
    shortcut, full = parse_decimal(text), _tolerant_decimal(text)
    assert shortcut is not None
    assert full is not None
    assert shortcut.as_tuple() == full.as_tuple()


@pytest.mark.parametrize(
    ("text", "expected"), [("007.50", "7.50"), ("0.0", "0.0"), ("1" * 32, "1" * 32)]
)
def test_plain_numbers_keep_their_places(text: str, expected: str) -> None:
    """Leading zeros go and trailing ones stay, as in Decimal: "007.50" is 7.50, not 7.5."""
    read = parse_decimal(text)
    assert read is not None
    assert read.as_tuple() == Decimal(expected).as_tuple()
