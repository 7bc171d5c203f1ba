"""Reminders go out in the daytime, only for confirmed visits, with the manage link; the clock
is given, never waited for (issue 12, item 6)."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, OutboxMessage
from clinic.hours import PRACTICE_TIME_ZONE, at_wall_clock
from tests.factories import at, deliver_outbox, make_appointment, make_practice, set_booking_settings

pytestmark = pytest.mark.django_db


def reminders():
    return list(OutboxMessage.objects.filter(kind="patient_reminder").values_list("appointment_id", flat=True))


def visit_on(day, hour=14, **overrides):
    return make_appointment(starts_at=at(day, hour), **overrides)


@pytest.fixture
def today():
    return timezone.localdate()


def test_no_reminder_goes_out_just_after_midnight(today):
    visit_on(today + timedelta(days=1), 9)
    assert booking.send_due_reminders(now=at(today, 0, 1)) == 0
    assert booking.send_due_reminders(now=at(today, 9, 59)) == 0
    assert reminders() == []


def test_the_reminder_goes_out_at_ten_the_day_before(today):
    visit = visit_on(today + timedelta(days=1), 9)
    assert booking.send_due_reminders(now=at(today, 10)) == 1
    assert reminders() == [visit.pk]


def test_the_reminder_time_follows_the_booking_settings(today):
    set_booking_settings(reminder_time=time(15, 30))
    visit = visit_on(today + timedelta(days=1))
    assert booking.send_due_reminders(now=at(today, 15, 29)) == 0
    assert booking.send_due_reminders(now=at(today, 15, 30)) == 1
    assert reminders() == [visit.pk]


def test_requests_not_yet_confirmed_get_no_reminder_until_confirmed(today):
    request = visit_on(today + timedelta(days=1), status=Appointment.Status.REQUESTED)
    assert booking.send_due_reminders(now=at(today, 10, 5)) == 0
    booking.confirm(request, now=at(today, 11))
    assert booking.send_due_reminders(now=at(today, 11, 1)) == 1
    assert reminders() == [request.pk]


def test_a_visit_booked_late_in_the_evening_for_tomorrow_is_reminded_the_next_morning_not_at_night(today):
    visit = visit_on(today + timedelta(days=1), 14)
    for late in (at(today, 20), at(today, 23, 30), at(today + timedelta(days=1), 0, 1), at(today + timedelta(days=1), 7, 59)):
        assert booking.send_due_reminders(now=late) == 0
    assert booking.send_due_reminders(now=at(today + timedelta(days=1), 8)) == 1
    assert reminders() == [visit.pk]


def test_a_visit_confirmed_in_the_afternoon_for_tomorrow_is_reminded_at_once(today):
    visit = visit_on(today + timedelta(days=1), 9)
    assert booking.send_due_reminders(now=at(today, 16)) == 1
    assert reminders() == [visit.pk]


def test_a_visit_that_has_started_gets_no_late_reminder(today):
    visit_on(today, 8)
    assert booking.send_due_reminders(now=at(today, 8, 30)) == 0
    assert reminders() == []


def test_visits_further_ahead_wait_for_their_day_before(today):
    visit_on(today + timedelta(days=2))
    assert booking.send_due_reminders(now=at(today, 12)) == 0


def test_the_reminder_carries_the_manage_link_and_says_tomorrow(today, mailoutbox):
    make_practice()
    visit = visit_on(today + timedelta(days=1))
    booking.send_due_reminders(now=at(today, 10))
    deliver_outbox()
    [email] = mailoutbox
    assert email.subject.startswith("Reminder: your appointment tomorrow")
    assert f"/appointments/manage/{visit.manage_token()}/" in email.body
    assert "appointment at Test Spine Practice tomorrow" in email.body


def test_a_same_day_reminder_says_today(today, mailoutbox):
    make_practice()
    visit_on(today, 18)
    booking.send_due_reminders(now=at(today, 9))
    deliver_outbox()
    [email] = mailoutbox
    assert email.subject.startswith("Reminder: your appointment today")


@pytest.mark.parametrize("day_before", [date(2026, 3, 7), date(2026, 3, 8), date(2026, 10, 31), date(2026, 11, 1)])
def test_the_reminder_time_is_practice_time_across_daylight_saving_changes(day_before):
    """Clocks change in New York on 8 March and 1 November 2026: 10:00 stays 10:00 on the wall clock."""
    settings = set_booking_settings()
    visit_start = at(day_before + timedelta(days=1), 9)
    due = booking.reminder_due_at(visit_start, settings)
    assert due.astimezone(PRACTICE_TIME_ZONE).time() == time(10) and due.astimezone(PRACTICE_TIME_ZONE).date() == day_before


def test_the_wall_clock_helper_moves_a_skipped_time_forward_and_takes_a_doubled_one_first():
    skipped = at_wall_clock(date(2026, 3, 8), time(2, 30))
    assert skipped.astimezone(PRACTICE_TIME_ZONE).time() == time(3, 30)
    doubled = at_wall_clock(date(2026, 11, 1), time(1, 30))
    assert doubled.utcoffset() == timedelta(hours=-4)


def test_a_reminder_across_the_spring_change_goes_out_at_ten_local(mailoutbox):
    """A Monday 9 March 2026 visit: its reminder at 10:00 on Sunday, the first day of summer time."""
    make_practice()
    visit = make_appointment(starts_at=at(date(2026, 3, 9), 9))
    assert booking.send_due_reminders(now=at(date(2026, 3, 8), 9, 59)) == 0
    assert booking.send_due_reminders(now=at(date(2026, 3, 8), 10)) == 1
    visit.refresh_from_db()
    assert visit.reminder_sent_at == at(date(2026, 3, 8), 10)
