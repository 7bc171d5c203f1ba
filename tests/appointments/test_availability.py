"""The pure availability logic: plain values in, slots out, no database."""

from datetime import date, datetime, time, timedelta, timezone as dt_timezone

import pytest

from appointments.availability import (
    BookingRules,
    ProviderSchedule,
    explain_unavailable,
    find_slots,
    first_available,
    first_step_at_or_after,
)
from clinic.hours import PRACTICE_TIME_ZONE, Holiday, PracticeHours, TimeBlock
from tests.factories import at

NY = PRACTICE_TIME_ZONE
MONDAY = date(2027, 3, 1)
WEEKDAYS_9_TO_5 = {weekday: (TimeBlock(time(9), time(12)), TimeBlock(time(13), time(17))) for weekday in range(5)}
RULES = BookingRules(duration=timedelta(minutes=30), step=timedelta(minutes=15), minimum_notice=timedelta(hours=2), horizon_days=60)
LONG_AGO = datetime(2027, 1, 1, 8, tzinfo=NY)


def starts(slots):
    return [slot.starts_at.astimezone(NY).strftime("%H:%M") for slot in slots]


def slots_on(day, *, practice=None, schedules=None, rules=RULES, now=LONG_AGO):
    practice = practice or PracticeHours(WEEKDAYS_9_TO_5)
    schedules = schedules or [ProviderSchedule(1, WEEKDAYS_9_TO_5)]
    return find_slots(practice=practice, schedules=schedules, rules=rules, now=now, first_day=day, days=1)


def test_slots_are_office_hours_intersected_with_provider_hours():
    provider = ProviderSchedule(1, {0: (TimeBlock(time(10), time(14)),)})
    found = starts(slots_on(MONDAY, schedules=[provider]))
    # 10:00-12:00 and 13:00-14:00 are shared; a 30-minute visit must fit entirely.
    assert found == ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "13:00", "13:15", "13:30"]


def test_two_blocks_a_day_leave_the_lunch_break_free():
    found = starts(slots_on(MONDAY))
    assert "11:30" in found and "11:45" not in found and "12:30" not in found and "13:00" in found


def test_time_off_and_existing_appointments_are_taken_out():
    provider = ProviderSchedule(
        1, WEEKDAYS_9_TO_5, time_off=[(at(MONDAY, 9), at(MONDAY, 10))], busy=[(at(MONDAY, 14), at(MONDAY, 15))]
    )
    found = starts(slots_on(MONDAY, schedules=[provider]))
    assert found[0] == "10:00"
    assert "13:30" in found and "13:45" not in found and "14:30" not in found and "15:00" in found


def test_a_closed_holiday_has_no_slots_and_special_hours_narrow_them():
    closed = PracticeHours(WEEKDAYS_9_TO_5, [Holiday("Closed", MONDAY, MONDAY)])
    assert slots_on(MONDAY, practice=closed) == []
    short = PracticeHours(WEEKDAYS_9_TO_5, [Holiday("Short", MONDAY, MONDAY, (TimeBlock(time(9), time(10)),))])
    assert starts(slots_on(MONDAY, practice=short)) == ["09:00", "09:15", "09:30"]


def test_minimum_notice_and_horizon():
    now = at(MONDAY, 9, 5)
    assert starts(slots_on(MONDAY, now=now))[0] == "11:15"  # 09:05 + 2 hours, on the next step
    far = MONDAY + timedelta(days=61)
    while far.weekday() >= 5:
        far += timedelta(days=1)
    assert slots_on(far, now=now) == []
    assert slots_on(MONDAY - timedelta(days=7), now=now) == []  # the past


@pytest.mark.parametrize("day", [date(2027, 3, 15), date(2027, 11, 8)])  # Mondays after the changes
def test_slots_keep_wall_clock_times_after_dst_changes(day):
    found = slots_on(day, now=at(day - timedelta(days=3), 9))
    assert starts(found)[0] == "09:00"
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in found)


@pytest.mark.parametrize("day, offset", [(date(2027, 3, 14), -4), (date(2027, 11, 7), -5)])
def test_slots_on_a_sunday_when_clocks_change(day, offset):
    sunday = {6: (TimeBlock(time(9), time(12)),)}
    found = slots_on(day, practice=PracticeHours(sunday), schedules=[ProviderSchedule(1, sunday)], now=at(day - timedelta(days=3), 9))
    assert starts(found)[0] == "09:00"
    assert found[0].starts_at.utcoffset() == timedelta(hours=offset)
    assert found[0].starts_at.astimezone(dt_timezone.utc).hour == 9 - offset


def test_first_available_merges_providers_preferring_the_first():
    morning = ProviderSchedule(1, {0: (TimeBlock(time(9), time(10)),)})
    later = ProviderSchedule(2, {0: (TimeBlock(time(9, 30), time(11)),)})
    merged = first_available(slots_on(MONDAY, schedules=[morning, later]), [1, 2])
    assert starts(merged) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30"]
    assert [slot.provider_id for slot in merged] == [1, 1, 1, 2, 2, 2, 2]


def test_steps_follow_the_wall_clock():
    assert first_step_at_or_after(at(MONDAY, 9, 1), timedelta(minutes=15)) == at(MONDAY, 9, 15)
    assert first_step_at_or_after(at(MONDAY, 9, 15), timedelta(minutes=15)) == at(MONDAY, 9, 15)


@pytest.mark.parametrize(
    "moment, now, expected",
    [
        (at(MONDAY, 10), at(MONDAY, 11), "in the past"),
        (at(MONDAY, 10), at(MONDAY, 9), "notice"),
        (at(MONDAY + timedelta(days=63), 10), at(MONDAY, 9), "days ahead"),
        (at(MONDAY + timedelta(days=5), 10), at(MONDAY, 9), "closed"),  # Saturday
        (at(MONDAY, 10, 7), LONG_AGO, "times shown"),
        (at(MONDAY, 12, 15), LONG_AGO, "outside our opening hours"),
        (at(MONDAY, 10), LONG_AGO, ""),
    ],
)
def test_explain_unavailable_names_the_reason(moment, now, expected):
    reason = explain_unavailable(moment, practice=PracticeHours(WEEKDAYS_9_TO_5), schedule=ProviderSchedule(1, WEEKDAYS_9_TO_5), rules=RULES, now=now)
    assert (expected in reason) if expected else reason == ""


def test_explain_names_the_holiday():
    practice = PracticeHours(WEEKDAYS_9_TO_5, [Holiday("Snow Day", MONDAY, MONDAY)])
    reason = explain_unavailable(at(MONDAY, 10), practice=practice, schedule=ProviderSchedule(1, WEEKDAYS_9_TO_5), rules=RULES, now=LONG_AGO)
    assert "closed on Monday, March 1 (Snow Day)" in reason


def test_a_provider_who_does_not_offer_the_visit():
    reason = explain_unavailable(at(MONDAY, 10), practice=PracticeHours(WEEKDAYS_9_TO_5), schedule=None, rules=RULES, now=LONG_AGO)
    assert "does not offer" in reason


# --- Open overnight when the clocks change -------------------------------------------------

SPRING_FORWARD, FALL_BACK = date(2027, 3, 14), date(2027, 11, 7)  # Sundays: 2:00 → 3:00, and 2:00 → 1:00


def overnight(day):
    """A practice and a provider open from midnight to 4:00 on `day` only."""
    night = {day.weekday(): (TimeBlock(time(0), time(4)),)}
    return PracticeHours(night), [ProviderSchedule(1, night)]


def real_length(slot):
    # In UTC: Python subtracts two times of one zone on the wall clock.
    return slot.ends_at.astimezone(dt_timezone.utc) - slot.starts_at.astimezone(dt_timezone.utc)


def a_week_before(day):
    return datetime.combine(day - timedelta(days=7), time(12), tzinfo=NY)


def test_times_the_clock_skips_are_never_offered():
    practice, schedules = overnight(SPRING_FORWARD)
    found = slots_on(SPRING_FORWARD, practice=practice, schedules=schedules, now=a_week_before(SPRING_FORWARD))
    assert [slot for slot in found if slot.starts_at.astimezone(NY).hour == 2] == []
    starts_offered = starts(found)
    assert len(starts_offered) == len(set(starts_offered))  # 3:00 and later once each
    assert all(real_length(slot) == timedelta(minutes=30) for slot in found)
    assert "01:30" in starts_offered and "03:00" in starts_offered  # 1:30 EST ends at 3:00 EDT, 30 minutes later


def test_times_the_clock_shows_twice_are_offered_once_and_last_their_real_length():
    practice, schedules = overnight(FALL_BACK)
    found = slots_on(FALL_BACK, practice=practice, schedules=schedules, now=a_week_before(FALL_BACK))
    starts_offered = starts(found)
    assert starts_offered.count("01:15") == 1 and starts_offered.count("01:45") == 1
    assert all(real_length(slot) == timedelta(minutes=30) for slot in found)
    at_1_45 = next(slot for slot in found if slot.starts_at.astimezone(NY).strftime("%H:%M") == "01:45")
    assert at_1_45.starts_at.utcoffset() == timedelta(hours=-4)  # the first 1:45, daylight time
    assert at_1_45.ends_at.astimezone(NY).strftime("%H:%M %Z") == "01:15 EST"


def test_a_time_the_clock_skips_is_explained_as_not_shown():
    practice, schedules = overnight(SPRING_FORWARD)
    skipped = datetime(2027, 3, 14, 2, 30, tzinfo=NY)  # does not exist
    reason = explain_unavailable(skipped, practice=practice, schedule=schedules[0], rules=RULES, now=a_week_before(SPRING_FORWARD))
    assert reason == "Please choose one of the times shown."
