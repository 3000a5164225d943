"""How well mailbot read the reading corpus: one score for the benchmark and the test alike.

A priced line is right when it has an expected line's catalogue SKU and quantity; each priced
line answers for one expected line at most, and a priced line that answers for none is wrong.
An expected line or an ask that ends neither priced nor among the order's rejected lines was
dropped silently. An ask is asked when it is rejected as `ambiguous_sku` or `unclear_quantity`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tests.reading_corpus import LOOK_ALIKES, CorpusMail, ExpectedLine

ASK_REASONS = frozenset({"ambiguous_sku", "unclear_quantity"})
GOAL = 0.95
_LATIN = {cyrillic: latin for latin, cyrillic in LOOK_ALIKES.items()}


@dataclass(frozen=True)
class PricedLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class RejectedLine:
    sku: str
    text: str
    reason: str


@dataclass(frozen=True)
class Reading:
    """What mailbot made of one mail: the order's priced and rejected lines (none when no order
    was made)."""

    priced: tuple[PricedLine, ...] = ()
    rejected: tuple[RejectedLine, ...] = ()


def reading_of(detail: Mapping[str, object] | None) -> Reading:
    """The reading in an order as `mailbot.read_models.order_detail` gives it, or an empty
    one when no order was made."""
    if detail is None:
        return Reading()
    lines = detail["lines"]
    rejected = detail["rejected"]
    assert isinstance(lines, list)
    assert isinstance(rejected, list)
    return Reading(
        tuple(PricedLine(str(line["sku"]), int(line["quantity"])) for line in lines),
        tuple(
            RejectedLine(str(line["sku"] or ""), str(line["text"] or ""), str(line["reason"]))
            for line in rejected
        ),
    )


def _key(text: str) -> str:
    """`text` compared as a clerk's SKU: any case, no separators, look-alike letters as Latin."""
    return re.sub(r"[\W_]+", "", text.upper().translate(_LATIN))


@dataclass(frozen=True)
class MailScore:
    """One mail's expectation against its reading."""

    mail: CorpusMail
    reading: Reading
    right: tuple[ExpectedLine, ...]
    wrong: tuple[PricedLine, ...]
    silent: tuple[str, ...]  # the written SKUs of expected lines and asks that vanished
    asked: tuple[str, ...]
    rejected_instead: tuple[str, ...]  # asks rejected with another reason than an ask's
    noise: tuple[RejectedLine, ...]  # rejected lines that name no line of the order

    @property
    def fully_right(self) -> bool:
        return (
            len(self.right) == len(self.mail.expected)
            and not self.wrong
            and len(self.asked) == len(self.mail.asks)
        )

    def describe(self) -> str:
        """The mail's name, what was expected and what was read, for a failure report."""
        expected = ", ".join(f"{e.written!r}={e.sku} x{e.quantity}" for e in self.mail.expected)
        priced = ", ".join(f"{p.sku} x{p.quantity}" for p in self.reading.priced)
        rejected = ", ".join(f"{r.sku or r.text!r}: {r.reason}" for r in self.reading.rejected)
        out = [
            f"{self.mail.name}: {len(self.right)}/{len(self.mail.expected)} right",
            f"  expected: {expected or '-'}; asks: {', '.join(self.mail.asks) or '-'}",
            f"  priced: {priced or '-'}; rejected: {rejected or '-'}",
        ]
        if self.wrong:
            out.append(f"  WRONG: {', '.join(f'{p.sku} x{p.quantity}' for p in self.wrong)}")
        if self.silent:
            out.append(f"  SILENT: {', '.join(self.silent)}")
        return "\n".join(out)


def _names(line: RejectedLine, keys: set[str]) -> bool:
    """Whether a rejected line names one of the SKU `keys`."""
    read = _key(line.sku)
    # The reader may also give the SKU without the brand the clerk wrote in front of it.
    text = _key(line.text)
    return any(key in read or key in text or (len(read) >= 4 and read in key) for key in keys)


def names_any(line: RejectedLine, *written: str) -> bool:
    """Whether a rejected line names one of the `written` SKUs, as a clerk may write them."""
    return _names(line, {_key(text) for text in written} - {""})


def rejected_as(reading: Reading, *written: str) -> tuple[str, ...]:
    """The reasons of the rejected lines that name one of the `written` SKUs."""
    return tuple(line.reason for line in reading.rejected if names_any(line, *written))


def score_mail(mail: CorpusMail, reading: Reading) -> MailScore:
    """Match the reading against the mail's expectation."""
    unused = list(reading.priced)
    right, missed = [], []
    for line in mail.expected:
        found = PricedLine(line.sku, line.quantity)
        if found in unused:
            unused.remove(found)
            right.append(line)
        else:
            missed.append(line)
    wrong_skus = {_key(line.sku) for line in unused}
    silent = [
        line.written
        for line in missed
        if _key(line.sku) not in wrong_skus and not rejected_as(reading, line.written, line.sku)
    ]
    asked, instead = [], []
    for ask in mail.asks:
        reasons = rejected_as(reading, ask)
        if ASK_REASONS & set(reasons):
            asked.append(ask)
        elif reasons:
            instead.append(ask)
        elif not any(_key(ask) in _key(line.sku) or _key(line.sku) in _key(ask) for line in unused):
            silent.append(ask)
    named = {_key(line.written) for line in mail.expected} | {_key(sku) for sku in mail.asks}
    named |= {_key(line.sku) for line in mail.expected}
    noise = [line for line in reading.rejected if not _names(line, named - {""})]
    return MailScore(mail, reading, tuple(right), tuple(unused), tuple(silent), tuple(asked),
                     tuple(instead), tuple(noise))  # fmt: skip


@dataclass(frozen=True)
class Score:
    """The corpus's figures."""

    mails: tuple[MailScore, ...]

    @property
    def expected(self) -> int:
        return sum(len(m.mail.expected) for m in self.mails)

    @property
    def right(self) -> int:
        return sum(len(m.right) for m in self.mails)

    @property
    def automation(self) -> float:
        """The share of expected lines priced right."""
        return self.right / self.expected if self.expected else 1.0

    @property
    def wrong(self) -> int:
        return sum(len(m.wrong) for m in self.mails)

    @property
    def silent(self) -> int:
        return sum(len(m.silent) for m in self.mails)

    @property
    def asks(self) -> int:
        return sum(len(m.mail.asks) for m in self.mails)

    @property
    def asked(self) -> int:
        return sum(len(m.asked) for m in self.mails)

    @property
    def rejected_instead(self) -> int:
        return sum(len(m.rejected_instead) for m in self.mails)

    @property
    def fully_right(self) -> int:
        return sum(m.fully_right for m in self.mails)

    @property
    def noise(self) -> int:
        """Rejected lines that are no line of the order: signatures, dates, footers."""
        return sum(len(m.noise) for m in self.mails)

    @property
    def meets_goal(self) -> bool:
        """At least `GOAL` priced right, none wrong, none silent, every ask asked."""
        return (
            self.automation >= GOAL
            and not self.wrong
            and not self.silent
            and self.asked == self.asks
        )

    def by_shape(self) -> dict[str, tuple[int, int, int]]:
        """Per shape of mail: mails, expected lines, lines priced right."""
        shapes: dict[str, tuple[int, int, int]] = {}
        for m in self.mails:
            mails, expected, right = shapes.get(m.mail.shape, (0, 0, 0))
            expected += len(m.mail.expected)
            shapes[m.mail.shape] = (mails + 1, expected, right + len(m.right))
        return dict(sorted(shapes.items()))

    def failures(self, limit: int | None = None) -> str:
        """The mails not read fully right, each with what was expected and what was read."""
        failing = [m for m in self.mails if not m.fully_right or m.silent]
        shown = "\n".join(m.describe() for m in failing[:limit])
        more = len(failing) - len(failing[:limit])
        return shown + (f"\n... and {more} more" if more > 0 else "")

    def as_json(self) -> dict[str, object]:
        return {
            "mails": len(self.mails),
            "expected_lines": self.expected,
            "priced_right": self.right,
            "automation": self.automation,
            "wrong_lines": self.wrong,
            "silent_drops": self.silent,
            "asks": self.asks,
            "asked": self.asked,
            "rejected_instead_of_asked": self.rejected_instead,
            "mails_fully_right": self.fully_right,
            "rejected_non_lines": self.noise,
            "by_shape": {
                shape: {"mails": mails, "expected": expected, "right": right}
                for shape, (mails, expected, right) in self.by_shape().items()
            },
        }

    def summary(self) -> str:
        return (
            f"{self.right}/{self.expected} lines priced right ({100 * self.automation:.1f} %), "
            f"{self.wrong} wrong, {self.silent} silent, {self.asked}/{self.asks} asks asked, "
            f"{self.fully_right}/{len(self.mails)} mails fully right"
        )


def score(mails: Sequence[CorpusMail], readings: Sequence[Reading]) -> Score:
    """Score each mail against its reading."""
    return Score(tuple(score_mail(m, r) for m, r in zip(mails, readings, strict=True)))
