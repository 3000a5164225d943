"""What the replies say about a typed code before its terms are judged: unknown, looks
mistyped, limits reached (the values of `services.vouchers.look_up.Refusal`), read as another
code, and a check that reserves nothing; and, for a code in a mail without order lines, that it
is valid and what it gives. Every refusal has a message id (a test checks); the words
of each language are in its catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Final

from mailbot.domain.vouchers import VoucherTerms
from mailbot.domain.vouchers.benefits import Fixed, Percent
from mailbot.outbound.formatting import Formatter
from mailbot.outbound.translations import N_, PACKAGE
from mailbot.outbound.voucher_phrases import FREE_SHIPPING

LOOKUP_WORDS: Final[Mapping[str, str]] = {
    "unknown": N_("unknown code: please check it"),
    "looks mistyped": N_("this code looks mistyped: please check each character"),
    "issued to another client": N_("this code was issued to another client"),
    "campaign closed": N_("this campaign has ended"),
    "code already used": N_("this code has already been used"),
    "limit reached": N_("this code has reached its limit of uses"),
    "already used by your company": N_("your company has already used this code"),
    "budget exhausted": N_("this campaign's budget is used up"),
    "budget kept in another currency": N_("this code applies to orders in another currency"),
    "corrected": N_("you wrote %(typed)s; read as %(code)s"),
    "did you mean": N_("did you mean %(code)s?"),
    "valid": N_("valid: %(benefit)s"),
    "with order lines": N_(
        "write it in a mail with your order lines (SKU and quantity): it is judged on them and "
        "applied in the quote"
    ),
}
PERCENT_OFF: Final = N_("%(percent)s off")
PERCENT_OFF_CAPPED: Final = N_("%(percent)s off, at most %(amount)s")
AMOUNT_OFF: Final = N_("%(amount)s off")


def lookup_words(language: str) -> dict[str, str]:
    """`LOOKUP_WORDS` in `language` (English when it has no catalogue)."""
    translate = PACKAGE.translations(language).gettext
    return {key: translate(message) for key, message in LOOKUP_WORDS.items()}


def benefit_words(terms: VoucherTerms, language: str) -> str:
    """What a voucher gives, in `language`: "10% off, at most €50.00", "€20.00 off", "free
    shipping"."""
    translate = PACKAGE.translations(language).gettext
    formatter = Formatter(language, UTC)  # no times are shown
    benefit = terms.benefit
    if isinstance(benefit, Percent):
        percent = formatter.percent(benefit.value, signed=False)
        if benefit.max_discount is None:
            return translate(PERCENT_OFF) % {"percent": percent}
        cap = formatter.money(benefit.max_discount)
        return translate(PERCENT_OFF_CAPPED) % {"percent": percent, "amount": cap}
    if isinstance(benefit, Fixed):
        return translate(AMOUNT_OFF) % {"amount": formatter.money(benefit.value)}
    return translate(FREE_SHIPPING)
