"""What the scheduler runs on each tick, as one call: `run_due_jobs(app, now)`.

The tick runs due deadlines, cuts off partners whose contract has ended, and once a day, from
`scheduler.digest_time` local time on, the managers' digest and the stale price list report.
A daily job records its day in the same transaction as its mail, so a restart does not send
it again and of two instances only one sends it. `mailbot jobs run-due --now` calls the same
function, which is how tests travel in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from mailbot.domain.deadlines import daily_moment
from mailbot.services.partners.contracts import end_contracts
from mailbot.services.pricelists.versions import queue_stale_report
from mailbot.services.schedule.deadlines import Acted, run_due
from mailbot.services.schedule.digest import build_digest, digest_since, queue_digest

if TYPE_CHECKING:
    from mailbot.bootstrap import App


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did; a daily job's count is None when it was not due or already done."""

    now: datetime
    deadlines: list[Acted] = field(default_factory=list)
    cut_off: list[str] = field(default_factory=list)
    digest: int | None = None
    stale_report: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "now": self.now.isoformat(),
            "deadlines": [acted.as_row() for acted in self.deadlines],
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
        found += [f"cut off {name}: contract ended" for name in self.cut_off]
        if self.digest is not None:
            found.append(f"digest sent to {self.digest} manager(s)")
        if self.stale_report is not None:
            found.append(f"stale price list report: {self.stale_report} mail(s)")
        return found or ["nothing due"]


def run_due_jobs(app: App, now: datetime) -> TickReport:
    """Run everything due at `now`; safe to run from several instances at once."""
    acted = run_due(app.uow, now, settings=app.deadlines, replies=app.replies)
    cut = end_contracts(app.uow, app.replies, now)
    digest = stale = None
    scheduler = app.config.scheduler
    zone = ZoneInfo(scheduler.timezone)
    today = now.astimezone(zone).date()
    if daily_moment(today, scheduler.digest_time, zone) <= now:
        digest = _daily_digest(app, now, today)
        stale = _daily_stale_report(app, now, today)
    return TickReport(now, acted, cut, digest, stale)


def _daily_digest(app: App, now: datetime, today: date) -> int | None:
    with app.uow() as uow:
        if not uow.daily_runs.take("digest", today, now):
            return None
        digest = build_digest(uow, since=digest_since(uow, now, before=today), now=now)
        queued = queue_digest(uow, app.replies, digest, now=now)
        uow.commit()
        return queued


def _daily_stale_report(app: App, now: datetime, today: date) -> int | None:
    with app.uow() as uow:
        if not uow.daily_runs.take("stale_price_lists", today, now):
            return None
        days = app.config.price_lists.stale_days
        queued = queue_stale_report(uow, app.replies, now=now, days=days)
        uow.commit()
        return queued
