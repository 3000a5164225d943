"""What the scheduler runs on each tick, as one call: `Jobs.run_due(now)`.

The tick runs due deadlines, releases the vouchers a shop or a till reserved (no order) whose
hold ran out, cuts off partners whose contract has ended, and once a day, from
`scheduler.digest_time` local time on, the managers' digest and the stale price list report.
A daily job records its day in the same transaction as its mail, so a restart does not send
it again and of two instances only one sends it. `mailbot jobs run-due --now` calls the same
method, which is how tests travel in time; `Jobs.rehearse` runs it on units of work the caller
rolls back (`--dry-run`), to tell what a tick would do without doing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from mailbot.domain.deadlines import DeadlineSettings, daily_moment
from mailbot.services.outbox.replies import Replies
from mailbot.services.partners.contracts import end_contracts
from mailbot.services.pricelists.versions import queue_stale_report
from mailbot.services.schedule.deadlines import Acted, run_due
from mailbot.services.schedule.digest import build_digest, digest_since, queue_digest
from mailbot.services.vouchers.channel_sales import release_lapsed
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did; a daily job's count is None when it was not due or already done."""

    now: datetime
    deadlines: list[Acted] = field(default_factory=list)
    cut_off: list[str] = field(default_factory=list)
    digest: int | None = None
    stale_report: int | None = None
    holds_released: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "now": self.now.isoformat(),
            "deadlines": [acted.as_row() for acted in self.deadlines],
            "holds_released": self.holds_released,
            "cut_off": self.cut_off,
            "digest_mails": self.digest,
            "stale_report_mails": self.stale_report,
        }

    def lines(self) -> list[str]:
        """The report for people, one line per thing done."""
        found = [
            f"deadline {a.deadline_id} {a.order} {a.kind}: {a.stage}: {a.summary}"
            for a in self.deadlines
        ]
        if self.holds_released:
            found.append(f"released {self.holds_released} voucher hold(s) of shops and tills")
        found += [f"cut off {name}: contract ended" for name in self.cut_off]
        if self.digest is not None:
            found.append(f"digest sent to {self.digest} manager(s)")
        if self.stale_report is not None:
            found.append(f"stale price list report: {self.stale_report} mail(s)")
        return found or ["nothing due"]


@dataclass(frozen=True, slots=True)
class Rehearsal:
    """What a tick would do: its report, and the mail it would queue (none was)."""

    report: TickReport
    mail: list[dict[str, object]]

    def as_dict(self) -> dict[str, object]:
        return {"dry_run": True, **self.report.as_dict(), "mail": self.mail}

    def lines(self) -> list[str]:
        """The report for people, each line saying what would be done."""
        found = [f"would: {line}" for line in self.report.lines() if line != "nothing due"]
        found += [f"would mail: {m['kind']} to {m['recipient']}: {m['subject']}" for m in self.mail]
        return found or ["nothing due"]


@dataclass(frozen=True, slots=True)
class DailyJobs:
    """When the daily jobs run: from `at` local time in `zone`; stale lists are `stale_days` old."""

    at: time
    zone: ZoneInfo
    stale_days: int


@dataclass(frozen=True, slots=True)
class Jobs:
    """The scheduler's work, with what it needs: a unit of work per transaction, the outbox
    writer, the deadline settings and the daily jobs' times."""

    uow: Callable[[], UnitOfWork]
    replies: Replies
    deadlines: DeadlineSettings
    daily: DailyJobs

    def run_due(self, now: datetime) -> TickReport:
        """Run everything due at `now`; safe to run from several instances at once."""
        acted = run_due(self.uow, now, settings=self.deadlines, replies=self.replies)
        released = release_lapsed(self.uow, now)
        cut = end_contracts(self.uow, self.replies, now)
        digest = stale = None
        today = now.astimezone(self.daily.zone).date()
        if daily_moment(today, self.daily.at, self.daily.zone) <= now:
            digest = self._daily_digest(now, today)
            stale = self._daily_stale_report(now, today)
        return TickReport(now, acted, cut, digest, stale, released)

    def rehearse(self, trial: Callable[[], UnitOfWork], now: datetime) -> Rehearsal:
        """Run what is due at `now` on `trial`'s units of work, which the caller rolls back
        afterwards (`storage.unit_of_work.rehearsal`): what would be done and mailed."""
        with trial() as unit:
            last = unit.outbox.last_id()
        report = replace(self, uow=trial).run_due(now)
        with trial() as unit:
            mail: list[dict[str, object]] = [
                {
                    "kind": m.kind,
                    "recipient": m.recipient,
                    "subject": m.subject,
                    "order": m.order_id,
                }
                for m in unit.outbox.written_after(last)
            ]
        return Rehearsal(report, mail)

    def _daily_digest(self, now: datetime, today: date) -> int | None:
        with self.uow() as uow:
            if not uow.daily_runs.take("digest", today, now):
                return None
            digest = build_digest(uow, since=digest_since(uow, now, before=today), now=now)
            queued = queue_digest(uow, self.replies, digest, now=now)
            uow.commit()
            return queued

    def _daily_stale_report(self, now: datetime, today: date) -> int | None:
        with self.uow() as uow:
            if not uow.daily_runs.take("stale_price_lists", today, now):
                return None
            days = self.daily.stale_days
            queued = queue_stale_report(uow, self.replies, now=now, days=days)
            uow.commit()
            return queued
