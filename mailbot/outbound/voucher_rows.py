"""Voucher outcomes as rows a reply can show, in the client's language.

Each code gets a row: applied (how much off, on which lines), refused (every failed rule with
the actual and required values and the gap, and what would qualify) or skipped (why).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import UTC, date
from typing import Literal

from mailbot.domain.money import Money
from mailbot.domain.vouchers import Check, Rule, Suggestion, VoucherResults
from mailbot.domain.vouchers.outcomes import Value
from mailbot.outbound import voucher_phrases as words
from mailbot.outbound.formatting import Formatter
from mailbot.outbound.translations import PACKAGE, Plural

# "valid": a usable code in a mail without order lines, where there is nothing to judge it on.
Status = Literal["applied", "refused", "skipped", "valid"]


@dataclass(frozen=True, slots=True)
class VoucherRow:
    """One code's outcome in words: a summary line and, for a refused code, one line per
    failed rule (each with what would qualify, where something would)."""

    code: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    discount: Money | None = None


def voucher_rows(results: VoucherResults, language: str) -> tuple[VoucherRow, ...]:
    """Every code of `results` as a row in `language` (English when it has no catalogue):
    applied codes first, then refused, then skipped."""
    # Only dates are shown without a time, so the zone does not matter.
    shown = _Shown(Formatter(language, UTC), PACKAGE.translations(language), language)
    _ = shown.translations.gettext
    rows = [
        shown.applied(voucher.code, voucher.discount, voucher.positions, voucher.free_shipping)
        for voucher in results.applied
    ]
    rows += [
        VoucherRow(
            voucher.code, "refused", _(words.REFUSED), tuple(map(shown.failure, voucher.failures))
        )
        for voucher in results.refused
    ]
    rows += [
        VoucherRow(
            voucher.code,
            "skipped",
            _(words.SKIPS[voucher.reason]) % {"others": shown.value(voucher.others)},
        )
        for voucher in results.skipped
    ]
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class _Shown:
    formatter: Formatter
    translations: gettext.NullTranslations
    language: str

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def applied(
        self, code: str, discount: Money, positions: tuple[int, ...], free_shipping: bool
    ) -> VoucherRow:
        parts = []
        if discount.amount > 0:
            listed = words.SEPARATOR.join(str(position) for position in positions)
            applied = words.APPLIED.translate(self.translations, len(positions))
            parts.append(applied % {"amount": self.formatter.money(discount), "positions": listed})
        if free_shipping:
            parts.append(self._(words.FREE_SHIPPING))
        return VoucherRow(code, "applied", "; ".join(parts), discount=discount)

    def failure(self, check: Check) -> str:
        """One failed rule in words: the manager's message for the language if there is one."""
        values = {
            "actual": self.value(check.actual),
            "required": self.value(check.required),
            "gap": self.value(check.gap),
        }
        override = check.message.get(self.language)
        if override:
            text = override.format(**values)
        else:
            what = self._(words.RULES[check.rule]) % {"subject": check.subject}
            if check.rule is Rule.ORDER_TOTAL and check.suggestion is not None:
                what += self.scope(check.suggestion)  # "order total of brand BPW"
            text = "" if check.problem is None else self.problem(check) % {"what": what, **values}
        if check.suggestion is None:
            return text
        change = self.suggestion(check.suggestion)
        return f"{text}; {self._(words.TO_QUALIFY) % {'change': change}}"

    def problem(self, check: Check) -> str:
        """The words of a failed rule's problem, in the plural its count needs."""
        assert check.problem is not None
        message = words.PROBLEMS[check.problem]
        if isinstance(message, Plural):
            count = check.actual if isinstance(check.actual, int) else 0
            return message.translate(self.translations, count)
        return self._(message)

    def suggestion(self, suggestion: Suggestion) -> str:
        basis = words.BASIS.get(suggestion.basis)
        return self._(words.ACTIONS[suggestion.action]) % {
            "amount": self.value(suggestion.amount),
            "basis": self._(basis) if basis else suggestion.basis,
            "scope": self.scope(suggestion),
            "target": suggestion.target,
        }

    def scope(self, suggestion: Suggestion) -> str:
        """The lines a change concerns: " of brand BPW in category brakes"."""
        return "".join(
            self._(words.SCOPES[part.rule][part.invert]) % {"values": self.value(part.values)}
            for part in suggestion.scope
        )

    def value(self, value: Value) -> str:
        """A rule's value as the reader's locale writes it; a (low, high) pair as a range."""
        if value is None:
            return "…"
        if isinstance(value, Money):
            return self.formatter.money(value)
        if isinstance(value, int):
            return self.formatter.number(value)
        if isinstance(value, date):
            return self.formatter.day(value)
        if isinstance(value, str):
            return value
        if len(value) == 2 and not any(isinstance(part, str) for part in value):
            return " – ".join(self.value(part) for part in value)
        return words.SEPARATOR.join(self.value(part) for part in value)
