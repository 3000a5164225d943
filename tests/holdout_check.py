"""Judging the held-out mails of `tests/holdout_orders.py`: the reading score, and what it does
not say (needless questions, refused known lines, unknown SKUs not reported, non-lines rejected).
Shared by `bench/holdout.py` and `tests/integration/test_holdout_reading.py`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.bootstrap import App
from mailbot.parsers.message import parse_message
from mailbot.services.orders.taking import read_order
from mailbot.services.pricelists.catalogue import CatalogueCache
from tests.holdout_mail import DESK, Holdout
from tests.reading_desk import read_mail
from tests.reading_score import (
    ASK_REASONS,
    MailScore,
    Reading,
    RejectedLine,
    names_any,
    rejected_as,
    score,
)


@dataclass(frozen=True)
class Verdict:
    """One held-out mail's score and what the corpus score does not say: lines a person would
    price that were asked about or refused (SKU as written, reasons), unknown SKUs reported or
    not, and rejected lines that are no order line."""

    score: MailScore
    unknown: tuple[str, ...]
    needless_asks: tuple[tuple[str, tuple[str, ...]], ...]
    refused: tuple[tuple[str, tuple[str, ...]], ...]
    unknown_reported: tuple[str, ...]
    unknown_silent: tuple[str, ...]
    noise: tuple[str, ...]

    @property
    def no_order(self) -> bool:
        """Whether the mail was answered "no order lines found" (nothing priced)."""
        return not self.score.reading.priced and bool(self.score.mail.expected)

    @property
    def silent(self) -> int:
        """Lines that vanished: neither priced nor listed in the quote or the no-order answer."""
        return len(self.score.silent) + len(self.unknown_silent)

    @property
    def clean(self) -> bool:
        s = self.score
        return (
            len(s.right) == len(s.mail.expected)
            and not s.wrong
            and not s.silent
            and len(s.asked) == len(s.mail.asks)
            and not self.unknown_silent
            and not self.noise
        )

    def describe(self) -> str:
        """The mail's name, its expectation, its reading and each problem on its own line."""
        s = self.score
        # The score's first three lines: the mail, what was expected, what was read.
        out = s.describe().splitlines()[:3]
        if self.no_order:
            out.append("  NO ORDER: answered 'no order lines found' with the lines listed above")
        if s.silent:
            out.append(f"  SILENT DROP: {', '.join(s.silent)}")
        out += [f"  WRONG: {p.sku} x{p.quantity}" for p in s.wrong]
        out += [f"  NEEDLESS ASK: {w!r} ({', '.join(r)})" for w, r in self.needless_asks]
        out += [f"  REFUSED: {w!r} ({', '.join(r)})" for w, r in self.refused]
        out += [f"  ASK NOT ASKED: {a!r}" for a in s.mail.asks if a not in s.asked]
        out += [f"  unknown, reported: {u!r}" for u in self.unknown_reported]
        out += [
            f"  UNKNOWN NOT REPORTED: {u!r}" for u in self.unknown if u not in self.unknown_reported
        ]
        out += [f"  NOT A LINE, REJECTED: {n}" for n in self.noise]
        return "\n".join(out)


def judge(holdout: Holdout, reading: Reading, mail_score: MailScore) -> Verdict:
    """What went wrong in one mail beyond the corpus score."""
    asks, refused = [], []
    for line in mail_score.mail.expected:
        if line in mail_score.right:
            continue
        reasons = rejected_as(reading, line.written, line.sku)
        if ASK_REASONS & set(reasons):
            asks.append((line.written, reasons))
        elif reasons:
            refused.append((line.written, reasons))
    reported = tuple(u for u in holdout.unknown if rejected_as(reading, u))
    # An unknown SKU not reported was either priced as another item (then among the wrong
    # lines) or dropped; the mail's wrong lines cannot say which unknown they came from.
    silent = () if mail_score.wrong else tuple(u for u in holdout.unknown if u not in reported)
    noise = tuple(
        f"{line.sku or line.text!r}: {line.reason}"
        for line in mail_score.noise
        if not names_any(line, *holdout.unknown)
    )
    return Verdict(
        mail_score, holdout.unknown, tuple(asks), tuple(refused), reported, silent, noise
    )


def _no_order_answer(app: App, holdout: Holdout, reading: Reading) -> Reading:
    """The lines a mail answered "no order lines found" lists in that answer (its questions and
    refusals): the processor hands the order's rejected lines to the `no_order` reply, and the
    order is read here again as the processor reads it, since no order is stored to look at."""
    if reading.rejected:
        return reading
    with app.uow() as uow:
        catalogue = CatalogueCache().current(uow)
    order = read_order(parse_message(holdout.mail.raw, {DESK}), app.rules, catalogue)
    rejected = tuple(
        RejectedLine(line.sku or "", line.text or "", str(line.reason))
        for line in order.lines.rejected
    )
    return Reading((), rejected)


def judge_all(app: App, mails: Sequence[Holdout]) -> list[Verdict]:
    """The held-out `mails` through `app`'s desk (its catalogue already set up), judged."""
    readings = [read_mail(app, h.mail.raw)[0] for h in mails]
    readings = [
        r if r.priced else _no_order_answer(app, h, r) for h, r in zip(mails, readings, strict=True)
    ]
    result = score([h.mail for h in mails], readings)
    return [judge(h, r, s) for h, r, s in zip(mails, readings, result.mails, strict=True)]


def figures(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """The held-out set's counts."""
    scores = [v.score for v in verdicts]
    return {
        "mails": len(verdicts),
        "mails_clean": sum(v.clean for v in verdicts),
        "expected_lines": sum(len(s.mail.expected) for s in scores),
        "priced_right": sum(len(s.right) for s in scores),
        "priced_wrong": sum(len(s.wrong) for s in scores),
        "silent_drops": sum(v.silent for v in verdicts),
        "no_order_mails": sum(v.no_order for v in verdicts if v.score.mail.expected),
        "lines_in_no_order_mails": sum(len(v.score.mail.expected) for v in verdicts if v.no_order),
        "needless_asks": sum(len(v.needless_asks) for v in verdicts),
        "refused_known_lines": sum(len(v.refused) for v in verdicts),
        "asks": sum(len(s.mail.asks) for s in scores),
        "asked": sum(len(s.asked) for s in scores),
        "asks_rejected_instead": sum(len(s.rejected_instead) for s in scores),
        "unknown_skus": sum(len(v.unknown) for v in verdicts),
        "unknown_reported": sum(len(v.unknown_reported) for v in verdicts),
        "non_lines_rejected": sum(len(v.noise) for v in verdicts),
    }


def summary(label: str, counts: dict[str, int]) -> str:
    """One set's figures in a paragraph."""
    share = 100 * counts["priced_right"] / max(counts["expected_lines"], 1)
    return (
        f"{label}: {counts['mails']} mails, {counts['priced_right']}/{counts['expected_lines']} "
        f"lines priced right ({share:.1f} %), {counts['priced_wrong']} priced wrong, "
        f"{counts['silent_drops']} silent drops, {counts['no_order_mails']} mails answered "
        f"'no order lines found' ({counts['lines_in_no_order_mails']} lines to price), "
        f"{counts['needless_asks']} needless asks, {counts['refused_known_lines']} known lines "
        f"refused, {counts['asked']}/{counts['asks']} asks asked "
        f"({counts['asks_rejected_instead']} rejected instead), {counts['unknown_reported']}/"
        f"{counts['unknown_skus']} unknown SKUs reported, {counts['non_lines_rejected']} "
        f"non-lines rejected, {counts['mails_clean']}/{counts['mails']} mails clean"
    )
