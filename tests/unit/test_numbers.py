"""parse_decimal: numbers as partners write them in quantities and prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from mailbot.parsers.numbers import parse_decimal
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
