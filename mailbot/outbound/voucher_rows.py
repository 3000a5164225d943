"""Voucher outcomes as rows a reply can show, in the client's language.

Each code gets a row: applied (how much off, on which lines), refused (every failed rule with
the actual and required values and the gap, and what would qualify) or skipped (why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Literal

from mailbot.domain.money import Money
from mailbot.domain.vouchers import Check, Rule, Suggestion, VoucherResults
from mailbot.domain.vouchers.outcomes import Value
from mailbot.outbound.formatting import FALLBACK_LANGUAGE, Formatter
from mailbot.outbound.voucher_phrases import VOUCHER_WORDS, VoucherWords

Status = Literal["applied", "refused", "skipped"]


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
    """Every code of `results` as a row in `language` (English when it has no words):
    applied codes first, then refused, then skipped."""
    words = VOUCHER_WORDS.get(language, VOUCHER_WORDS[FALLBACK_LANGUAGE])
    # Only dates are shown without a time, so the zone does not matter.
    shown = _Shown(Formatter(language, UTC), words, language)
    rows = [
        shown.applied(voucher.code, voucher.discount, voucher.positions, voucher.free_shipping)
        for voucher in results.applied
    ]
    rows += [
        VoucherRow(
            voucher.code, "refused", words.refused, tuple(map(shown.failure, voucher.failures))
        )
        for voucher in results.refused
    ]
    rows += [
        VoucherRow(
            voucher.code,
            "skipped",
            words.skips[voucher.reason].format(others=shown.value(voucher.others)),
        )
        for voucher in results.skipped
    ]
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class _Shown:
    formatter: Formatter
    words: VoucherWords
    language: str

    def applied(
        self, code: str, discount: Money, positions: tuple[int, ...], free_shipping: bool
    ) -> VoucherRow:
        parts = []
        if discount.amount > 0:
            listed = self.words.separator.join(str(position) for position in positions)
            words = self.words.applied_one if len(positions) == 1 else self.words.applied
            parts.append(words.format(amount=self.formatter.money(discount), positions=listed))
        if free_shipping:
            parts.append(self.words.free_shipping)
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
            what = self.words.rules[check.rule].format(subject=check.subject)
            if check.rule is Rule.ORDER_TOTAL and check.suggestion is not None:
                what += self.scope(check.suggestion)  # "order total of brand BPW"
            problem = check.problem
            text = (
                "" if problem is None else self.words.problems[problem].format(what=what, **values)
            )
        if check.suggestion is None:
            return text
        change = self.suggestion(check.suggestion)
        return f"{text}; {self.words.to_qualify.format(change=change)}"

    def suggestion(self, suggestion: Suggestion) -> str:
        return self.words.actions[suggestion.action].format(
            amount=self.value(suggestion.amount),
            basis=self.words.basis.get(suggestion.basis, suggestion.basis),
            scope=self.scope(suggestion),
            target=suggestion.target,
        )

    def scope(self, suggestion: Suggestion) -> str:
        """The lines a change concerns: " of brand BPW in category brakes"."""
        return "".join(
            self.words.scopes[part.rule][part.invert].format(values=self.value(part.values))
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
        return self.words.separator.join(self.value(part) for part in value)
