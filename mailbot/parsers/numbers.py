"""Numbers as people write them in order lines and price lists: "5", "5,0", "1 234,50", "1e9"."""

from __future__ import annotations

import re
from decimal import Decimal

# Longer "numbers" are not quantities or prices; the cap also keeps Decimal work bounded.
_MAX_LENGTH = 64
# An exponent beyond this is no real number of pieces or money, and later arithmetic on
# Decimal("1e999999999") (quantize, int()) would be slow or fail.
_MAX_EXPONENT = 100

_SPACES = "\u0020\u00a0\u2007\u2009\u202f"
_SHAPE = re.compile(
    rf"(?P<sign>[+-]?)(?P<mantissa>[\d.,'’{_SPACES}]+)(?:[eE](?P<exponent>[+-]?\d{{1,4}}))?"
)
_PLAIN = re.compile(r"\d+(?:[.,]\d*)?|[.,]\d+")
# "123.45" and "123", what most cells hold: Decimal() reads these exactly as parse_decimal
# does (the same value and exponent), and the lengths keep them within _MAX_LENGTH.
PLAIN_DECIMAL = re.compile(r"[0-9]{1,32}(?:\.[0-9]{1,31})?")
_GROUPED = {
    separator: re.compile(
        rf"\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+(?:[{decimals}]\d*)?",
    )
    for separator, decimals in (
        (",", "."),
        (".", ","),
        (" ", ".,"),
        ("'", ".,"),
    )
}


def parse_decimal(text: str) -> Decimal | None:
    """The number written in `text`, or None when it is not one number.

    Accepted: an optional sign, digits with "." or "," as the decimal separator, thousands
    grouped by spaces, apostrophes, "," (with "." decimals) or "." (with "," decimals), and an
    exponent ("1e9"). A single separator is always the decimal one: "1,234" is 1.234.
    """
    stripped = text.strip()
    if PLAIN_DECIMAL.fullmatch(stripped):  # the common case, without the parser
        return Decimal(stripped)
    return _tolerant_decimal(stripped.replace("\u2212", "-"))


def _tolerant_decimal(stripped: str) -> Decimal | None:
    """parse_decimal for every accepted notation, on text already stripped."""
    if not stripped or len(stripped) > _MAX_LENGTH:
        return None
    match = _SHAPE.fullmatch(stripped)
    if match is None:
        return None
    digits = _digits(match["mantissa"])
    exponent = int(match["exponent"] or 0)
    if digits is None or abs(exponent) > _MAX_EXPONENT:
        return None
    return Decimal(f"{match['sign']}{digits}e{exponent}")


def _digits(mantissa: str) -> str | None:
    """The mantissa with grouping removed and "." as the decimal point, if it is well formed."""
    unified = mantissa.replace("’", "'")
    for space in _SPACES:
        unified = unified.replace(space, " ")
    if _PLAIN.fullmatch(unified):
        return _point(unified.replace(",", "."))
    for separator, pattern in _GROUPED.items():
        if pattern.fullmatch(unified):
            return _point(unified.replace(separator, "").replace(",", "."))
    return None


def _point(digits: str) -> str:
    """Decimal() rejects "5." and ".5"; give both sides of the point a digit."""
    if digits.startswith("."):
        digits = "0" + digits
    if digits.endswith("."):
        digits += "0"
    return digits
