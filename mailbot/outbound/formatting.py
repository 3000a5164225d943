"""Template filters that format values for one reader: their language, locale and time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Final

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.domain.money import Money
from mailbot.outbound.phrases import PLACE_BODY, PLACE_FILE, REASONS
from mailbot.outbound.translations import PACKAGE, Catalogues

# Babel takes 10-30 µs per amount and a quote formats three per line, while a reader's
# prices, totals and quantities come back again and again; this many are remembered.
_REMEMBERED: Final = 4096


def locale_for(language: str) -> Locale:
    """The Babel locale of the package's readers of `language` (see `Catalogues.locale`)."""
    return PACKAGE.locale(language)


class Formatter:
    """Formats money, numbers, times and rejection reasons for readers of one language, in
    the words of `catalogues` (the package's unless a deployment adds its own)."""

    def __init__(self, language: str, zone: tzinfo, catalogues: Catalogues = PACKAGE) -> None:
        self.language = language
        self.locale = catalogues.locale(language)
        self.gettext = catalogues.translations(language).gettext
        self.zone = zone
        # Keyed on the value's text: Decimal("-0.00") == Decimal("0.00"), but Babel shows the
        # sign, and str() is how Babel itself reads an int or a float.
        self._currency = lru_cache(maxsize=_REMEMBERED)(self._format_currency)
        self._decimal = lru_cache(maxsize=_REMEMBERED)(self._format_decimal)
        # A list of orders shows a time a row; its days, and its zone's offsets, repeat.
        self._date = lru_cache(maxsize=_REMEMBERED)(self._format_date)
        self._offset = lru_cache(maxsize=_REMEMBERED)(self._format_offset)

    def filters(self) -> dict[str, Callable[..., Any]]:
        """The Jinja2 filters, by name."""
        return {
            "money": self.money,
            "number": self.number,
            "percent": self.percent,
            "date": self.day,
            "datetime": self.moment,
            "reason": self.reason,
            "where": self.where,
        }

    def money(self, value: Money) -> str:
        """An amount in its currency, rounded to the minor unit: "€1,234.50", "1 234,50 €"."""
        rounded = value.rounded()
        return self._currency(str(rounded.amount), rounded.currency)

    def number(self, value: int | Decimal | float) -> str:
        """A number with the locale's grouping and decimal signs."""
        return self._decimal(str(value))

    def percent(self, value: Decimal, signed: bool = True) -> str:
        """A percentage given in percent (12.5 is 12.5%), signed: "+12.5%", "−40 %"."""
        shown = format_percent(abs(value) / 100, locale=self.locale, decimal_quantization=False)
        if not signed or not value:
            return shown
        return ("+" if value > 0 else "\u2212") + shown

    def day(self, value: date, pattern: str = "long") -> str:
        """A calendar date in words, or in a Babel `pattern` ("dd.MM.yyyy"); a datetime is
        first moved into the reader's zone."""
        if isinstance(value, datetime):
            value = self._local(value).date()
        return self._date(value, pattern)

    def moment(self, value: datetime) -> str:
        """A moment in the reader's zone with its offset: "5 March 2024, 16:07 GMT+02:00"."""
        local = self._local(value)
        day = self._date(local.date(), "long")
        clock = format_time(local, "short", locale=self.locale)
        return f"{day}, {clock} {self._offset(local.utcoffset())}"

    def reason(self, value: RejectedLine | Rejection) -> str:
        """Why a line was rejected, as words in the reader's language."""
        if isinstance(value, Rejection):
            return self.gettext(REASONS[value].plain)
        phrase = REASONS[value.reason]
        if value.detail and phrase.with_detail:
            return self.gettext(phrase.with_detail) % {"detail": self._detail(value.detail)}
        return self.gettext(phrase.plain)

    def where(self, value: RejectedLine | Origin) -> str:
        """Where a line came from: "order.csv, row 4" or "message text, line 2"."""
        origin = value.origin if isinstance(value, RejectedLine) else value
        if origin.source == "body":
            return self.gettext(PLACE_BODY) % {"row": origin.row}
        if origin.row == 0:  # the file as a whole
            return origin.source
        return self.gettext(PLACE_FILE) % {"source": origin.source, "row": origin.row}

    def _format_currency(self, amount: str, currency: str) -> str:
        return format_currency(Decimal(amount), currency, locale=self.locale)

    def _format_decimal(self, number: str) -> str:
        return format_decimal(Decimal(number), locale=self.locale)

    def _format_date(self, value: date, pattern: str) -> str:
        return format_date(value, pattern, locale=self.locale)

    def _format_offset(self, offset: timedelta | None) -> str:
        """The zone as "GMT+02:00" (Babel's "OOOO"), which depends on the offset alone."""
        moment = datetime(2000, 1, 1, tzinfo=timezone(offset or timedelta(0)))
        return format_datetime(moment, "OOOO", locale=self.locale)

    def _local(self, value: datetime) -> datetime:
        # SQLite hands back naive datetimes even for aware columns; mailbot stores UTC only.
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.zone)

    def _detail(self, detail: str) -> str:
        # Details are mostly counts ("3", "10000"); show them as the locale writes numbers.
        try:
            number = Decimal(detail)
        except InvalidOperation:
            return detail
        return self.number(number) if number.is_finite() else detail
