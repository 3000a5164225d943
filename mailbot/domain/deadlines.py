"""Deadlines: when something is due, counted in business hours, and the stages that follow.

Pure: every function takes the moments it needs and returns values. Business hours are
counted in real elapsed time inside each day's opening hours, in the calendar's time zone, so
a daylight saving change moves the UTC instant of "09:00" but never the length of an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class DeadlineKind(StrEnum):
    CLIENT_AGREEMENT = "client_agreement"
    SUPPLIER_CONFIRMATION = "supplier_confirmation"
    SHIPPING = "shipping"


class DeadlineStatus(StrEnum):
    OPEN = "open"  # waiting for someone; its stage says what happens next
    DONE = "done"  # the awaited step happened, nothing waits any more, or the quote expired
    CANCELLED = "cancelled"  # the partner it waited on was cut off


class Stage(StrEnum):
    """What happens next to an open deadline."""

    REMIND = "remind"  # the party that must act is reminded
    ESCALATE = "escalate"  # every manager is told
    EXPIRE = "expire"  # a quote nobody agreed to expires


@dataclass(frozen=True, slots=True)
class Calendar:
    """When hours count: opening hours on open weekdays (0 = Monday) in `zone`; with
    `business_hours` off, every hour counts."""

    zone: ZoneInfo
    business_hours: bool = True
    opens: time = time(9)
    closes: time = time(18)
    days: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if self.business_hours and not (self.opens < self.closes and self.days):
            raise ValueError("business hours need opens < closes and at least one open day")

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The open hours of `day` as aware UTC moments, or None on a closed day."""
        if day.weekday() not in self.days:
            return None
        opens = datetime.combine(day, self.opens, self.zone)
        closes = datetime.combine(day, self.closes, self.zone)
        return _utc(opens), _utc(closes)

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` is inside opening hours (both ends included)."""
        if not self.business_hours:
            return True
        window = self.window(moment.astimezone(self.zone).date())
        return window is not None and window[0] <= moment <= window[1]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo("UTC"))


def add_hours(start: datetime, hours: float, calendar: Calendar) -> datetime:
    """`start` moved by `hours` that count (negative: back), as an aware UTC moment.

    With business hours a positive shift ends inside opening hours (at the latest at closing
    time), a negative one too (at the earliest at opening time).
    """
    start = _utc(start)
    if not calendar.business_hours:
        return start + timedelta(hours=hours)
    left = timedelta(hours=abs(hours))
    forward = hours >= 0
    day = start.astimezone(calendar.zone).date()
    step = timedelta(days=1 if forward else -1)
    first = True
    while True:
        if not first:
            # Whole weeks at once: a long window over short opening hours stays quick.
            week = _open_time(calendar, day, step)
            while week and left > week:
                left -= week
                day += 7 * step
                week = _open_time(calendar, day, step)
        first = False
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            if forward and max(opens, start) <= closes:
                begin = max(opens, start)
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
            elif not forward and min(closes, start) >= opens:
                end = min(closes, start)
                if end - left >= opens:
                    return end - left
                left -= end - opens
        day += step


def _open_time(calendar: Calendar, day: date, step: timedelta) -> timedelta:
    """The open time of the seven days from `day` on, going by `step`."""
    total = timedelta(0)
    for n in range(7):
        window = calendar.window(day + n * step)
        if window is not None:
            total += window[1] - window[0]
    return total


@dataclass(frozen=True, slots=True)
class StagePolicy:
    """When each stage comes, in hours that count relative to the due moment."""

    calendar: Calendar
    reminder_before: float = 8
    escalation_after: float = 4
    expiry_after: float = 24


def stages(kind: DeadlineKind) -> tuple[Stage, ...]:
    """The stages of a deadline of `kind`, in order."""
    if kind is DeadlineKind.CLIENT_AGREEMENT:
        return (Stage.REMIND, Stage.ESCALATE, Stage.EXPIRE)
    return (Stage.REMIND, Stage.ESCALATE)


def stage_time(
    stage: Stage, *, due_at: datetime, opened_at: datetime, policy: StagePolicy
) -> datetime:
    """When `stage` of a deadline due at `due_at` comes; a reminder never before the opening."""
    calendar = policy.calendar
    if stage is Stage.REMIND:
        return max(_utc(opened_at), add_hours(due_at, -policy.reminder_before, calendar))
    after = policy.escalation_after if stage is Stage.ESCALATE else policy.expiry_after
    return add_hours(due_at, after, calendar)


def next_stage(
    kind: DeadlineKind,
    done: Stage | None,
    *,
    due_at: datetime,
    opened_at: datetime,
    policy: StagePolicy,
) -> tuple[Stage, datetime] | None:
    """The stage after `done` (None: the first) with its time, or None when none is left."""
    order = stages(kind)
    index = 0 if done is None else order.index(done) + 1
    if index >= len(order):
        return None
    stage = order[index]
    return stage, stage_time(stage, due_at=due_at, opened_at=opened_at, policy=policy)


def stage_to_act(
    kind: DeadlineKind,
    pending: Stage,
    *,
    now: datetime,
    due_at: datetime,
    opened_at: datetime,
    policy: StagePolicy,
) -> Stage | None:
    """The stage to act on at `now` when `pending` is the next one: the latest of `pending`
    and the stages after it whose time has come, or None while `pending` has not come.

    After downtime several stages can be due at once; the earlier ones are overtaken (a
    reminder to answer by a time already past, an escalation of a quote that expires now)
    and are skipped, not sent late.
    """
    order = stages(kind)
    chosen = None
    for stage in order[order.index(pending) :]:
        if stage_time(stage, due_at=due_at, opened_at=opened_at, policy=policy) > now:
            break
        chosen = stage
    return chosen


def due_time(opened_at: datetime, hours: float, calendar: Calendar) -> datetime:
    """When a window of `hours` that count, opened at `opened_at`, is due."""
    return add_hours(opened_at, hours, calendar)


def daily_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of local time `at` on `day` in `zone` (a digest's time of day)."""
    return _utc(datetime.combine(day, at, zone))


@dataclass(frozen=True, slots=True)
class DeadlineSettings:
    """The configured windows, stages and lease."""

    policy: StagePolicy
    agreement_hours: float
    supplier_confirmation_hours: float
    shipping_days: int
    lease: timedelta

    def due(self, kind: DeadlineKind, opened_at: datetime) -> datetime:
        """When a window of `kind` opened at `opened_at` is due (not for shipping: the
        supplier's promised date is its due moment)."""
        hours = {
            DeadlineKind.CLIENT_AGREEMENT: self.agreement_hours,
            DeadlineKind.SUPPLIER_CONFIRMATION: self.supplier_confirmation_hours,
        }[kind]
        return add_hours(opened_at, hours, self.policy.calendar)

    def zone_of(self, partner_timezone: str) -> ZoneInfo:
        """The zone a partner's days are judged in: its own when set, else the desk's."""
        return ZoneInfo(partner_timezone) if partner_timezone else self.policy.calendar.zone
