"""A partner's terms of business: auto-agree, credit limit and time zone."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import available_timezones

from mailbot.services.partners.registry import PartnerError
from mailbot.storage.models import Partner


@dataclass(frozen=True, slots=True)
class Terms:
    """What to change; None leaves a term as it is. `credit_limit` "" removes the limit."""

    auto_agree: bool | None = None
    credit_limit: str | None = None
    timezone: str | None = None


def check_timezone(name: str) -> str:
    if name and name not in available_timezones():
        raise PartnerError(f"unknown time zone {name!r}")
    return name


def parse_credit_limit(text: str) -> Decimal | None:
    """A credit limit: an amount of 0 (nothing on credit) or more, or "" for no limit."""
    if not text.strip():
        return None
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise PartnerError(f"a credit limit must be an amount of 0 or more, not {text!r}")
    return amount


def apply_terms(partner: Partner, terms: Terms) -> None:
    if terms.auto_agree is not None:
        partner.auto_agree = terms.auto_agree
    if terms.credit_limit is not None:
        partner.credit_limit = parse_credit_limit(terms.credit_limit)
    if terms.timezone is not None:
        partner.timezone = check_timezone(terms.timezone)
