"""What a partner asked for, line by line, as the parsers read it: requested and rejected lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Rejection(StrEnum):
    """Why a line of an order or a price list was not taken. Templates show each in words."""

    MISSING_SKU = "missing_sku"
    UNREADABLE_QUANTITY = "unreadable_quantity"
    NON_POSITIVE_QUANTITY = "non_positive_quantity"
    FRACTIONAL_QUANTITY = "fractional_quantity"
    QUANTITY_TOO_LARGE = "quantity_too_large"
    UNKNOWN_SKU = "unknown_sku"
    OUT_OF_STOCK = "out_of_stock"
    INSUFFICIENT_STOCK = "insufficient_stock"
    NO_OFFER_IN_CURRENCY = "no_offer_in_currency"
    MISSING_PRICE = "missing_price"
    UNREADABLE_PRICE = "unreadable_price"
    NEGATIVE_PRICE = "negative_price"
    UNKNOWN_CURRENCY = "unknown_currency"
    DUPLICATE_SKU = "duplicate_sku"
    TOO_MANY_ROWS = "too_many_rows"
    UNREADABLE_FILE = "unreadable_file"
    TOO_MANY_FILES = "too_many_files"
    WINMAIL_DAT = "winmail_dat"  # Outlook's TNEF wrapper, which hides the real attachments
    NO_COLUMNS = "no_columns"
    # Questions rather than refusals: the reader was not sure, so it asks instead of guessing.
    AMBIGUOUS_SKU = "ambiguous_sku"
    UNCLEAR_QUANTITY = "unclear_quantity"

    @property
    def is_question(self) -> bool:
        """Whether the reply asks the partner about the line rather than refusing it."""
        return self in _QUESTIONS


_QUESTIONS = frozenset({Rejection.AMBIGUOUS_SKU, Rejection.UNCLEAR_QUANTITY})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a line came from: an attachment's file name or "body", and the row (from 1).

    Row 0 stands for the whole file, for problems with a file rather than one of its rows.
    """

    source: str
    row: int


@dataclass(frozen=True, slots=True)
class RequestedLine:
    """One order line: the SKU and a number, not yet judged by the rules. `written` is how the
    partner wrote the SKU when the reader matched it to a catalogue SKU written otherwise."""

    sku: str
    quantity: Decimal
    origin: Origin
    written: str = ""


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A line that was not taken, with the reason and the text a person wrote there."""

    origin: Origin
    reason: Rejection
    sku: str = ""
    text: str = ""
    detail: str = ""
