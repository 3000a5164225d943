"""Money: a `Decimal` amount with an explicit currency, rounded to the currency's minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import get_currency_precision, is_currency


class CurrencyError(ValueError):
    """Raised for a currency code that ISO 4217 does not know."""


@cache
def _currencies() -> frozenset[str]:
    """ISO 4217 codes that are or were some country's money: not XXX ("no currency"), XTS
    (testing), gold or funds, which Babel also knows."""
    tenders = get_global("territory_currencies").values()
    return frozenset(code for used in tenders for code, *_, tender in used if tender)


def is_currency_code(code: str) -> bool:
    """Whether `code` is an ISO 4217 code of money, upper-case as ISO writes it ("EUR")."""
    return code in _currencies() and is_currency(code)


def iso_currency(text: str) -> str:
    """The ISO 4217 code written in `text` (any case, spaces around), or CurrencyError saying
    what is allowed. One rule for every place a currency is given: options, config, terms."""
    code = text.strip().upper()
    if not is_currency_code(code):
        raise CurrencyError(f"{text.strip()!r} is not an ISO 4217 currency code (such as EUR)")
    return code


@cache
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency`, e.g. Decimal("0.01") for EUR, Decimal("1") for JPY."""
    if not is_currency(currency):
        raise CurrencyError(f"unknown currency {currency!r}")
    return Decimal(1).scaleb(-get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def rounded(self) -> Money:
        """This amount rounded half-up to the currency's minor unit."""
        return Money(self.amount.quantize(minor_unit(self.currency), ROUND_HALF_UP), self.currency)

    def rounded_up(self) -> Money:
        """This amount rounded up (towards +infinity) to the currency's minor unit."""
        return Money(self.amount.quantize(minor_unit(self.currency), ROUND_CEILING), self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * factor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyError(f"cannot combine {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
