"""Deadlines in business hours and the stages that follow them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.domain.deadlines import (
    Calendar,
    DeadlineKind,
    Stage,
    StagePolicy,
    add_hours,
    daily_moment,
    next_stage,
    stage_to_act,
)
from tests.strategies import business_calendars, moments, window_hours

BUCHAREST = ZoneInfo("Europe/Bucharest")
OFFICE = Calendar(BUCHAREST)  # 09:00-18:00, Monday to Friday


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BUCHAREST)  # type: ignore[misc]


def test_friday_afternoon_runs_over_the_weekend() -> None:
    """8 business hours from Friday 16:00 end on Monday 15:00: 2 on Friday, 6 on Monday."""
    due = add_hours(local(2026, 11, 20, 16, 0), 8, OFFICE)
    assert due == local(2026, 11, 23, 15, 0)
    assert due.tzinfo is not None
    assert due.utcoffset() == timedelta(0)


def test_forty_eight_business_hours() -> None:
    """48 business hours are five days and three hours of a 9-hour, Monday-Friday week."""
    assert add_hours(local(2026, 11, 20, 16, 0), 48, OFFICE) == local(2026, 11, 30, 10, 0)


def test_start_at_night_counts_from_opening() -> None:
    """A window opened at 22:00 starts counting at 09:00 the next working day."""
    assert add_hours(local(2026, 11, 23, 22, 0), 1, OFFICE) == local(2026, 11, 24, 10, 0)


def test_plain_hours_when_business_hours_are_off() -> None:
    """With business hours off every hour counts, nights and weekends too."""
    always = Calendar(BUCHAREST, business_hours=False)
    start = local(2026, 11, 20, 16, 0)
    assert add_hours(start, 48, always) == start + timedelta(hours=48)


def test_autumn_clock_change_keeps_local_opening_hours() -> None:
    """Across the end of summer time (25 October 2026) Monday still opens at 09:00 local:
    8 hours from Friday 16:00 EEST end Monday 15:00 EET, 13:00 UTC, not 12:00."""
    due = add_hours(local(2026, 10, 23, 16, 0), 8, OFFICE)
    assert due == datetime(2026, 10, 26, 13, 0, tzinfo=UTC)
    assert due.astimezone(BUCHAREST).hour == 15


def test_spring_clock_change_keeps_local_opening_hours() -> None:
    """Across the start of summer time (29 March 2026) Monday 09:00 local is 06:00 UTC."""
    due = add_hours(local(2026, 3, 27, 18, 0), 1, OFFICE)
    assert due == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_going_back_stops_at_opening() -> None:
    """2 business hours before Monday 10:00 is Friday 17:00."""
    assert add_hours(local(2026, 11, 23, 10, 0), -2, OFFICE) == local(2026, 11, 20, 17, 0)


def test_a_calendar_without_open_days_is_refused() -> None:
    """Opening hours must open before they close, on at least one day."""
    with pytest.raises(ValueError, match="opens < closes"):
        Calendar(BUCHAREST, opens=time(18), closes=time(9))


POLICY = StagePolicy(OFFICE, reminder_before=2, escalation_after=1, expiry_after=2)


def test_client_agreement_stages_in_order() -> None:
    """A quote is reminded before it is due, escalated after, then expires."""
    opened, due = local(2026, 11, 20, 16, 0), local(2026, 11, 23, 15, 0)
    kind = DeadlineKind.CLIENT_AGREEMENT
    seen: list[tuple[Stage, datetime]] = []
    done: Stage | None = None
    while step := next_stage(kind, done, due_at=due, opened_at=opened, policy=POLICY):
        seen.append(step)
        done = step[0]
    assert seen == [
        (Stage.REMIND, local(2026, 11, 23, 13, 0)),
        (Stage.ESCALATE, local(2026, 11, 23, 16, 0)),
        (Stage.EXPIRE, local(2026, 11, 23, 17, 0)),
    ]


def test_supplier_deadlines_do_not_expire() -> None:
    """A supplier's confirmation is reminded and escalated, nothing after that."""
    due = local(2026, 11, 23, 15, 0)
    kind = DeadlineKind.SUPPLIER_CONFIRMATION
    after = next_stage(kind, Stage.ESCALATE, due_at=due, opened_at=due, policy=POLICY)
    assert after is None


def test_reminder_never_before_the_opening() -> None:
    """A window shorter than the reminder offset reminds at once, not in the past."""
    opened = local(2026, 11, 23, 10, 0)
    due = add_hours(opened, 1, OFFICE)
    step = next_stage(DeadlineKind.SHIPPING, None, due_at=due, opened_at=opened, policy=POLICY)
    assert step == (Stage.REMIND, opened)


# The quote of test_client_agreement_stages_in_order: reminded Monday 13:00, escalated 16:00,
# expired 17:00 local.
OPENED, DUE = local(2026, 11, 20, 16, 0), local(2026, 11, 23, 15, 0)
AGREEMENT = DeadlineKind.CLIENT_AGREEMENT


def act_on(pending: Stage, now: datetime, kind: DeadlineKind = AGREEMENT) -> Stage | None:
    return stage_to_act(kind, pending, now=now, due_at=DUE, opened_at=OPENED, policy=POLICY)


def test_nothing_to_act_on_before_the_pending_stage_comes() -> None:
    """A minute before the reminder's time there is no stage to act on."""
    assert act_on(Stage.REMIND, local(2026, 11, 23, 12, 59)) is None
    assert act_on(Stage.ESCALATE, local(2026, 11, 23, 15, 59)) is None


def test_each_stage_on_time_is_acted_on_in_turn() -> None:
    """Ticks on time act on each stage at its moment, one after the other."""
    assert act_on(Stage.REMIND, local(2026, 11, 23, 13, 0)) is Stage.REMIND
    assert act_on(Stage.REMIND, local(2026, 11, 23, 15, 59)) is Stage.REMIND
    assert act_on(Stage.ESCALATE, local(2026, 11, 23, 16, 0)) is Stage.ESCALATE
    assert act_on(Stage.EXPIRE, local(2026, 11, 23, 17, 0)) is Stage.EXPIRE


def test_a_reminder_overtaken_by_the_escalation_is_skipped() -> None:
    """A tick after the escalation's time escalates instead of reminding to answer by a time
    already past."""
    assert act_on(Stage.REMIND, local(2026, 11, 23, 16, 30)) is Stage.ESCALATE


def test_after_a_day_down_only_the_expiry_is_acted_on() -> None:
    """A day after the due moment reminder, escalation and expiry are all due: only the expiry
    is acted on, from the reminder as from the escalation."""
    tuesday = local(2026, 11, 24, 16, 0)
    assert act_on(Stage.REMIND, tuesday) is Stage.EXPIRE
    assert act_on(Stage.ESCALATE, tuesday) is Stage.EXPIRE


def test_a_late_supplier_deadline_is_escalated_not_reminded() -> None:
    """A supplier's deadline has no expiry: long after it the escalation is the latest stage."""
    later = local(2026, 12, 1, 10, 0)
    assert act_on(Stage.REMIND, later, DeadlineKind.SUPPLIER_CONFIRMATION) is Stage.ESCALATE


def test_daily_moment_is_local() -> None:
    """The digest's 07:00 is 05:00 UTC in Bucharest's winter and 04:00 in its summer."""
    assert daily_moment(local(2026, 11, 23).date(), time(7), BUCHAREST).hour == 5
    assert daily_moment(local(2026, 6, 1).date(), time(7), BUCHAREST).hour == 4


@given(business_calendars(), moments, window_hours)
def test_due_is_never_in_closed_hours(calendar: Calendar, start: datetime, hours: float) -> None:
    """Whatever the opening hours, a due moment falls inside them."""
    due = add_hours(start, hours, calendar)
    assert calendar.is_open(due)
    assert due >= start


@given(business_calendars(), moments, window_hours, window_hours)
def test_due_grows_with_the_window(
    calendar: Calendar, start: datetime, first: float, second: float
) -> None:
    """A longer window is never due earlier."""
    short, long = sorted((first, second))
    assert add_hours(start, short, calendar) <= add_hours(start, long, calendar)


@given(business_calendars(), moments, st.floats(min_value=0.25, max_value=200))
def test_back_and_forth_meet(calendar: Calendar, start: datetime, hours: float) -> None:
    """Going forward some business hours and back the same lands within the same open hours
    as the start moved to opening time: the counted time is exact, daylight saving or not."""
    hours = round(hours, 2)
    due = add_hours(start, hours, calendar)
    back = add_hours(due, -hours, calendar)
    assert calendar.is_open(back)
    assert add_hours(back, hours, calendar) == due
