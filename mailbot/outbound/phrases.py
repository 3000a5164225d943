"""Short phrases the reply templates show through filters: a message id per rejection reason.

The ids live in code rather than in templates so that a test can check that every `Rejection`
has words: a new reason cannot reach a partner as a bare enum value. The words of each
language are in its catalogue (`mailbot/locale`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mailbot.domain.lines import Rejection
from mailbot.outbound.translations import N_


@dataclass(frozen=True, slots=True)
class Phrase:
    """A reason's message id; `with_detail` is used when the line carries a detail
    (`%(detail)s`)."""

    plain: str
    with_detail: str = ""


P = Phrase

REASONS: Final[Mapping[Rejection, Phrase]] = {
    Rejection.UNREADABLE_FILE: P(
        N_("the file could not be read"), N_("the file could not be read (%(detail)s)")
    ),
    Rejection.TOO_MANY_FILES: P(
        N_("not read: too many files"),
        N_("not read: at most %(detail)s files are read from one message"),
    ),
    Rejection.WINMAIL_DAT: P(
        N_(
            "Outlook packed the attachments into its own winmail.dat format, which we cannot "
            "open: please send the file again as an ordinary attachment (in Outlook, write the "
            "message as HTML or plain text instead of Rich Text)"
        )
    ),
    Rejection.MISSING_SKU: P(N_("no SKU given")),
    Rejection.UNREADABLE_QUANTITY: P(N_("the quantity could not be read")),
    Rejection.NON_POSITIVE_QUANTITY: P(N_("the quantity must be greater than zero")),
    Rejection.FRACTIONAL_QUANTITY: P(N_("the quantity must be a whole number")),
    Rejection.QUANTITY_TOO_LARGE: P(
        N_("the quantity is too large"), N_("the quantity is above the maximum of %(detail)s")
    ),
    Rejection.UNKNOWN_SKU: P(N_("unknown SKU")),
    Rejection.OUT_OF_STOCK: P(N_("out of stock")),
    Rejection.INSUFFICIENT_STOCK: P(
        N_("not enough in stock"), N_("not enough in stock: only %(detail)s available")
    ),
    Rejection.NO_OFFER_IN_CURRENCY: P(
        N_("not offered in the currency of the order"), N_("not offered in %(detail)s")
    ),
    Rejection.MISSING_PRICE: P(N_("no price given")),
    Rejection.UNREADABLE_PRICE: P(N_("the price could not be read")),
    Rejection.NEGATIVE_PRICE: P(N_("the price is negative")),
    Rejection.UNKNOWN_CURRENCY: P(N_("unknown currency"), N_("unknown currency “%(detail)s”")),
    Rejection.DUPLICATE_SKU: P(N_("the SKU appears more than once")),
    Rejection.TOO_MANY_ROWS: P(
        N_("too many rows"), N_("too many rows: at most %(detail)s are read")
    ),
    # The parser's detail for NO_COLUMNS is an English sentence; the headers it saw are
    # in the line's text, which the templates show next to the reason.
    Rejection.NO_COLUMNS: P(N_("no SKU and quantity columns found")),
    Rejection.AMBIGUOUS_SKU: P(
        N_("this fits more than one item: which one do you mean?"),
        N_("this fits more than one item: which one do you mean, %(detail)s?"),
    ),
    Rejection.UNCLEAR_QUANTITY: P(
        N_("how many do you need? Please write the quantity as one number")
    ),
}

# Where a line came from: the message text, or a row of a named file.
PLACE_BODY: Final = N_("message text, line %(row)s")
PLACE_FILE: Final = N_("%(source)s, row %(row)s")
