"""The pure hours logic (no database), the practice's one time zone and its days as windows."""

from datetime import UTC, date, datetime, time, timedelta, timezone as dt_timezone

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from clinic.hours import PRACTICE_TIME_ZONE, Holiday, PracticeHours, TimeBlock, day_window, find_overlap

NY = PRACTICE_TIME_ZONE
MORNING = TimeBlock(time(9), time(12))
AFTERNOON = TimeBlock(time(13), time(17))
WEEKDAYS = {weekday: (MORNING, AFTERNOON) for weekday in range(5)}


def test_a_weekday_has_its_weekly_blocks():
    hours = PracticeHours(WEEKDAYS)
    monday = date(2026, 11, 30)
    assert hours.hours_on(monday).blocks == (MORNING, AFTERNOON)
    assert hours.hours_on(monday + timedelta(days=5)).is_closed  # Saturday


def test_a_closed_holiday_closes_the_day():
    thanksgiving = Holiday("Thanksgiving", date(2026, 11, 26), date(2026, 11, 26))
    hours = PracticeHours(WEEKDAYS, [thanksgiving])
    day = hours.hours_on(date(2026, 11, 26))
    assert day.is_closed and day.holiday == thanksgiving
    assert not hours.is_open_at(datetime(2026, 11, 26, 10, tzinfo=NY))
    assert hours.is_open_at(datetime(2026, 11, 25, 10, tzinfo=NY))


def test_special_hours_replace_the_weekly_hours():
    eve = Holiday("Christmas Eve", date(2026, 12, 24), date(2026, 12, 24), (TimeBlock(time(8, 30), time(12)),))
    hours = PracticeHours(WEEKDAYS, [eve])
    assert hours.is_open_at(datetime(2026, 12, 24, 8, 45, tzinfo=NY))
    assert not hours.is_open_at(datetime(2026, 12, 24, 14, tzinfo=NY))


def test_a_date_range_covers_every_day_in_it():
    week = Holiday("Winter break", date(2026, 12, 28), date(2027, 1, 1))
    hours = PracticeHours(WEEKDAYS, [week])
    assert all(day.is_closed for day in hours.days(date(2026, 12, 28), 5))
    assert not hours.hours_on(date(2027, 1, 4)).is_closed


@pytest.mark.parametrize(
    "day, utc_offset",
    [
        (date(2027, 3, 12), timedelta(hours=-5)),  # Friday before spring forward: EST
        (date(2027, 3, 15), timedelta(hours=-4)),  # Monday after: EDT
        (date(2027, 11, 5), timedelta(hours=-4)),  # Friday before fall back: EDT
        (date(2027, 11, 8), timedelta(hours=-5)),  # Monday after: EST
    ],
)
def test_opening_times_keep_the_wall_clock_across_dst(day, utc_offset):
    start, end = PracticeHours(WEEKDAYS).hours_on(day).intervals()[0]
    assert start.utcoffset() == utc_offset
    assert (start.hour, start.minute) == (9, 0)
    assert end - start == timedelta(hours=3)


def test_open_on_a_sunday_that_changes_clocks():
    sundays = {6: (TimeBlock(time(1), time(4)),)}
    hours = PracticeHours(sundays)
    spring = hours.hours_on(date(2027, 3, 14)).intervals()[0]
    fall = hours.hours_on(date(2027, 11, 7)).intervals()[0]
    # 01:00-04:00 wall time is two real hours in spring and four in the fall.
    assert spring[1].astimezone(dt_timezone.utc) - spring[0].astimezone(dt_timezone.utc) == timedelta(hours=2)
    assert fall[1].astimezone(dt_timezone.utc) - fall[0].astimezone(dt_timezone.utc) == timedelta(hours=4)


def test_is_open_at_reads_the_practice_date_not_utc():
    hours = PracticeHours({3: (TimeBlock(time(20), time(23)),)})  # Thursday evenings
    # 02:00 UTC on Friday is 21:00 on Thursday in New York.
    assert hours.is_open_at(datetime(2026, 11, 27, 2, tzinfo=dt_timezone.utc))
    with pytest.raises(ValueError):
        hours.is_open_at(datetime(2026, 11, 27, 2))


def test_upcoming_holidays_leave_out_past_ones_and_can_be_limited():
    past = Holiday("Past", date(2026, 11, 1), date(2026, 11, 1))
    soon = Holiday("Soon", date(2026, 12, 3), date(2026, 12, 3))
    later = Holiday("Later", date(2027, 1, 1), date(2027, 1, 1))
    hours = PracticeHours(WEEKDAYS, [later, past, soon])
    today = date(2026, 11, 26)
    assert hours.upcoming_holidays(today) == [soon, later]
    assert hours.upcoming_holidays(today, within_days=14) == [soon]


def test_find_overlap_finds_blocks_that_overlap_but_not_blocks_that_touch():
    assert find_overlap([MORNING, AFTERNOON]) is None
    assert find_overlap([AFTERNOON, TimeBlock(time(11), time(14))]) is not None
    assert find_overlap([TimeBlock(time(9), time(12)), TimeBlock(time(12), time(13))]) is None


# --- One time zone, and a local day as a window -----------------------------------------


def test_the_settings_time_zone_is_the_practices():
    assert django_settings.TIME_ZONE == PRACTICE_TIME_ZONE.key
    assert timezone.localdate(timezone.now()) == timezone.now().astimezone(PRACTICE_TIME_ZONE).date()


@pytest.mark.parametrize(
    "day, hours", [(date(2027, 3, 14), 23), (date(2026, 11, 1), 25), (date(2027, 3, 15), 24)], ids=["spring", "autumn", "plain"]
)
def test_a_local_day_is_a_window_from_midnight_to_midnight_across_dst(day, hours):
    starts, ends = day_window(day)
    assert (starts.hour, ends.hour, ends.date()) == (0, 0, day + timedelta(days=1))
    # Subtracting in UTC: Python subtracts two times of one zone on the wall clock.
    assert ends.astimezone(UTC) - starts.astimezone(UTC) == timedelta(hours=hours)


def test_a_window_of_several_days_ends_at_midnight_after_the_last():
    starts, ends = day_window(date(2027, 3, 13), date(2027, 3, 15))
    assert (starts.date(), ends.date()) == (date(2027, 3, 13), date(2027, 3, 16))
    assert ends.astimezone(UTC) - starts.astimezone(UTC) == timedelta(hours=71)
