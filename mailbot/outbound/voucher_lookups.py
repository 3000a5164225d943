"""What the replies say about a typed code before its terms are judged: unknown, looks
mistyped, limits reached (the values of `services.vouchers.redemptions.Refusal`), read as
another code, and a check that reserves nothing. Every refusal has a message id (a test
checks); the words of each language are in its catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from mailbot.outbound.translations import N_, PACKAGE

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
}


def lookup_words(language: str) -> dict[str, str]:
    """`LOOKUP_WORDS` in `language` (English when it has no catalogue)."""
    translate = PACKAGE.translations(language).gettext
    return {key: translate(message) for key, message in LOOKUP_WORDS.items()}
