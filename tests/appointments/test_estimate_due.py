"""When a good faith estimate is due (45 CFR 149.610(b)(1)(vi)), counted in the practice's
business days (the days it is open: weekends and holiday closures do not count), given a
clock: pure functions on plain values, no database."""

from datetime import UTC, date, datetime, time

from appointments.estimates import business_days_between, estimate_due, request_due
from clinic.hours import PRACTICE_TIME_ZONE, Holiday, PracticeHours, TimeBlock

WEEKDAYS = {weekday: [TimeBlock(time(9), time(17))] for weekday in range(5)}
OPEN_WEEKDAYS = PracticeHours(weekly=WEEKDAYS)


def closed_on(*days: date) -> PracticeHours:
    return PracticeHours(weekly=WEEKDAYS, holidays=[Holiday("Closed", day, day) for day in days])


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PRACTICE_TIME_ZONE)


def midnight_after(day: date) -> datetime:
    return datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), tzinfo=PRACTICE_TIME_ZONE)


MONDAY = date(2027, 1, 4)


def test_a_visit_10_business_days_away_is_due_within_3_business_days_the_holiday_not_counted():
    hours = closed_on(date(2027, 1, 5))  # the Tuesday after booking
    due = estimate_due(at(MONDAY, 10), at(date(2027, 1, 25), 10), hours)
    # Wednesday, Thursday, Friday: the end of Friday.
    assert due.at == midnight_after(date(2027, 1, 8))
    assert due.business_days == 3 and due.required


def test_without_the_holiday_the_same_booking_is_due_a_day_earlier():
    due = estimate_due(at(MONDAY, 10), at(date(2027, 1, 25), 10), OPEN_WEEKDAYS)
    assert due.at == midnight_after(date(2027, 1, 7))


def test_a_visit_3_to_9_business_days_away_is_due_by_the_end_of_the_next_business_day():
    friday = date(2027, 1, 15)
    hours = closed_on(date(2027, 1, 18))  # a Monday holiday
    # Tuesday, Wednesday, Thursday: 3 business days away.
    due = estimate_due(at(friday, 16), at(date(2027, 1, 21), 9), hours)
    assert due.at == midnight_after(date(2027, 1, 19))  # over the weekend and the holiday, to Tuesday
    assert due.business_days == 1 and due.required


def test_9_business_days_away_is_1_business_day_and_10_is_3():
    nine = estimate_due(at(MONDAY, 10), at(date(2027, 1, 15), 10), OPEN_WEEKDAYS)
    ten = estimate_due(at(MONDAY, 10), at(date(2027, 1, 18), 10), OPEN_WEEKDAYS)
    assert business_days_between(MONDAY, date(2027, 1, 15), OPEN_WEEKDAYS) == 9
    assert business_days_between(MONDAY, date(2027, 1, 18), OPEN_WEEKDAYS) == 10
    assert nine.at == midnight_after(date(2027, 1, 5)) and nine.business_days == 1
    assert ten.at == midnight_after(date(2027, 1, 7)) and ten.business_days == 3


def test_a_visit_fewer_than_3_business_days_away_is_still_given_before_the_visit():
    wednesday_visit = estimate_due(at(MONDAY, 10), at(date(2027, 1, 6), 9), OPEN_WEEKDAYS)
    assert not wednesday_visit.required
    assert wednesday_visit.at == midnight_after(date(2027, 1, 5))
    tomorrow_morning = at(date(2027, 1, 5), 9)
    assert estimate_due(at(MONDAY, 10), tomorrow_morning, OPEN_WEEKDAYS).at == tomorrow_morning


def test_an_estimate_asked_for_is_due_within_3_business_days():
    friday = date(2027, 1, 15)
    due = request_due(at(friday, 11), closed_on(date(2027, 1, 18)))
    assert due.at == midnight_after(date(2027, 1, 21))  # Tuesday, Wednesday, Thursday


def test_a_booking_late_in_the_evening_counts_from_the_practices_own_day():
    # 03:30 UTC on Tuesday is 22:30 on Monday in Gaithersburg: scheduled on Monday.
    scheduled = datetime(2027, 1, 5, 3, 30, tzinfo=UTC)
    due = estimate_due(scheduled, at(date(2027, 1, 25), 10), OPEN_WEEKDAYS)
    assert due.at == midnight_after(date(2027, 1, 7))


def test_the_deadline_is_midnight_on_the_wall_clock_across_the_change_to_daylight_time():
    friday = date(2027, 3, 12)  # clocks go forward on Sunday, March 14, 2027
    due = estimate_due(at(friday, 10), at(date(2027, 4, 5), 10), OPEN_WEEKDAYS)
    assert due.at == midnight_after(date(2027, 3, 17))  # Monday, Tuesday, Wednesday
    assert due.at.astimezone(UTC) == datetime(2027, 3, 18, 4, 0, tzinfo=UTC)  # EDT: UTC-4, no longer -5


def test_a_practice_with_no_hours_entered_counts_calendar_days():
    due = request_due(at(MONDAY, 10), PracticeHours(weekly={}))
    assert due.at == midnight_after(date(2027, 1, 7))
