"""A course of treatment booked at once (appointments.series, booking.book_series): the proposal
with its alternatives, wall-clock times across daylight saving, and all or nothing."""

import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, AppointmentSeries, TimeOff
from appointments.series import SeriesRefused, propose, wanted_times
from clinic.models import HolidayHours, Provider
from clinic.roles import FRONT_DESK
from tests.factories import (
    at, make_appointment, make_holiday, make_office_hours, make_practice, make_staff, make_visit_type, make_working_hours,
)

NEW_YORK = ZoneInfo("America/New_York")


def patient(number=1):
    return dict(
        first_name=f"Pat{number}", last_name="Series", date_of_birth=date(1970, 1, 1),
        phone="+13015550100", email=f"pat{number}@example.com", is_new_patient=False, consent_to_contact=True,
    )


@pytest.fixture
def course(db):
    """A practice open Monday to Friday 9-17, a provider working then, dry needling as a series."""
    make_office_hours(make_practice(), blocks=((time(9), time(17)),))
    provider = Provider.objects.create(name="Dana Series", slug="dana-series", role="Physician")
    make_working_hours(provider)
    needling = make_visit_type([provider], name="Dry needling", slug="dry-needling-series", duration_minutes=30,
                               series_allowed=True, by_video=False)
    return provider, needling


def a_monday_ahead(weeks=1) -> date:
    from django.utils import timezone

    today = timezone.localdate()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=weeks - 1)


def test_a_weekly_ten_oclock_visit_stays_at_ten_across_the_spring_clock_change():
    first = datetime(2027, 3, 8, 10, 0, tzinfo=NEW_YORK)  # a Monday, before 2027-03-14
    times = wanted_times(first, 3, every_weeks=1)
    assert [t.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") for t in times] == [
        "2027-03-08 10:00", "2027-03-15 10:00", "2027-03-22 10:00",
    ]
    # The same wall-clock time is an hour less of real time apart across the change.
    assert times[1].astimezone(UTC) - times[0].astimezone(UTC) == timedelta(days=7, hours=-1)
    assert times[2].astimezone(UTC) - times[1].astimezone(UTC) == timedelta(days=7)


def test_every_two_weeks_steps_fourteen_days():
    first = datetime(2027, 1, 4, 14, 30, tzinfo=NEW_YORK)
    assert [t.date() for t in wanted_times(first, 3, every_weeks=2)] == [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1)]


def test_the_proposal_replaces_a_holiday_time_off_and_a_taken_time_with_the_nearest_free_ones(course):
    provider, needling = course
    monday = a_monday_ahead()
    make_holiday(label="Staff training", first_day=monday + timedelta(weeks=1))
    away = monday + timedelta(weeks=2)
    TimeOff.objects.create(provider=provider, starts_at=at(away, 9), ends_at=at(away, 13))
    taken = monday + timedelta(weeks=3)
    make_appointment(provider=provider, visit_type=needling, starts_at=at(taken, 10), ends_at=at(taken, 10, 30))

    proposal = propose(visit_type=needling, provider=provider, first=at(monday, 10), count=4, every_weeks=1)

    assert [visit.wanted for visit in proposal] == [at(monday + timedelta(weeks=n), 10) for n in range(4)]
    first, holiday, time_off, busy = proposal
    assert not first.is_replaced and first.reason == ""
    assert holiday.is_replaced and holiday.reason == "The office is closed (Staff training)."
    assert holiday.starts_at == at(monday + timedelta(weeks=1, days=1), 10)  # Tuesday at the same time
    assert time_off.is_replaced and time_off.reason == "Dana Series is away then."
    assert time_off.starts_at == at(away, 13)  # the same day, as soon as they are back
    assert busy.is_replaced and busy.reason == "That time is taken."
    assert busy.starts_at in (at(taken, 9, 30), at(taken, 10, 30))  # next to the taken half hour


def test_a_date_with_nothing_free_near_it_is_offered_nothing(course):
    provider, needling = course
    monday = a_monday_ahead()
    make_holiday(label="Closed week", first_day=monday + timedelta(days=4), last_day=monday + timedelta(days=11))
    proposal = propose(visit_type=needling, provider=provider, first=at(monday, 10), count=2, every_weeks=1)
    assert proposal[1].starts_at is None and proposal[1].reason.startswith("The office is closed")


@pytest.mark.parametrize(("count", "every_weeks", "message"), [
    (1, 1, "A series has 2 to 8 visits."), (9, 1, "A series has 2 to 8 visits."), (4, 3, "Please choose every week or every two weeks."),
])
def test_a_series_out_of_bounds_is_refused(course, count, every_weeks, message):
    provider, needling = course
    with pytest.raises(SeriesRefused, match=message):
        propose(visit_type=needling, provider=provider, first=at(a_monday_ahead(), 10), count=count, every_weeks=every_weeks)


def test_a_visit_type_not_marked_for_series_is_refused(course):
    provider, needling = course
    needling.series_allowed = False
    needling.save()
    with pytest.raises(SeriesRefused, match="cannot be booked as a series"):
        propose(visit_type=needling, provider=provider, first=at(a_monday_ahead(), 10), count=2, every_weeks=1)


def book_four(provider, needling, times, **extra):
    return booking.book_series(visit_type=needling, modality="in_office", provider=provider, times=times, every_weeks=1,
                               patient=patient(), **extra)


def test_a_series_is_booked_as_one_with_a_manage_link_for_each_visit(course):
    provider, needling = course
    monday = a_monday_ahead()
    times = [at(monday + timedelta(weeks=n), 10) for n in range(4)]
    booked = book_four(provider, needling, times)
    visits = list(Appointment.objects.filter(series=booked.series).order_by("starts_at"))
    assert [visit.starts_at for visit in visits] == times
    assert len({visit.patient_id for visit in visits}) == 1 and len({visit.manage_nonce for visit in visits}) == 4
    assert all(visit.provider == provider and visit.email == "pat1@example.com" for visit in visits)
    assert [Appointment.from_manage_token(token) for token in booked.manage_tokens] == visits


def test_a_series_books_the_weekly_time_across_the_clock_change(course):
    provider, needling = course
    now = datetime(2027, 3, 1, 12, 0, tzinfo=NEW_YORK)
    times = wanted_times(datetime(2027, 3, 8, 10, 0, tzinfo=NEW_YORK), 3, every_weeks=1)
    booked = booking.book_series(visit_type=needling, modality="in_office", provider=provider, times=times,
                                 every_weeks=1, patient=patient(), now=now)
    assert [visit.starts_at.astimezone(NEW_YORK).strftime("%a %H:%M") for visit in booked.visits] == ["Mon 10:00"] * 3


def test_one_date_taken_since_the_proposal_refuses_the_whole_series_and_names_it(course):
    provider, needling = course
    monday = a_monday_ahead()
    times = [at(monday + timedelta(weeks=n), 10) for n in range(4)]
    make_appointment(provider=provider, visit_type=needling, starts_at=times[2], ends_at=times[2] + timedelta(minutes=30))
    with pytest.raises(SeriesRefused) as refused:
        book_four(provider, needling, times)
    assert refused.value.message.startswith(f"The visit on {times[2]:%A, %B} {times[2].day} at 10:00 AM cannot be booked: That time is taken.")
    assert "Nothing was booked" in refused.value.message
    assert not AppointmentSeries.objects.exists()
    assert Appointment.objects.count() == 1


def test_two_visits_of_one_series_may_not_overlap(course):
    provider, needling = course
    monday = a_monday_ahead()
    with pytest.raises(SeriesRefused, match="overlap"):
        book_four(provider, needling, [at(monday, 10), at(monday, 10, 15)])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_booking_that_wins_the_race_for_one_date_refuses_the_whole_series(course):
    """Another booking of the third date is saved but not yet committed while the series checks
    its times: the series sees them free, then its insert of that date waits on the other booking
    and is refused by the no-overlap rule once it commits (PostgreSQL; on SQLite the series waits
    for the write lock and its check sees the time taken). Either way: nothing of it is saved."""
    provider, needling = course
    monday = a_monday_ahead()
    times = [at(monday + timedelta(weeks=n), 10) for n in range(4)]
    inserted, outcome = threading.Event(), {}

    def the_other_booking():
        try:
            with transaction.atomic():
                make_appointment(provider=provider, visit_type=needling, starts_at=times[2],
                                 ends_at=times[2] + timedelta(minutes=30), email="other@example.com")
                inserted.set()
                clock.sleep(1.5)  # the series checks its times meanwhile, and reaches its inserts
            outcome["other"] = "committed"
        finally:
            connections.close_all()

    other = threading.Thread(target=the_other_booking)
    other.start()
    assert inserted.wait(30)
    with pytest.raises(SeriesRefused) as refused:
        book_four(provider, needling, times)
    other.join(30)
    assert outcome == {"other": "committed"}
    assert f"{times[2]:%A, %B} {times[2].day} at 10:00" in refused.value.message
    assert "Nothing was booked" in refused.value.message
    assert not AppointmentSeries.objects.exists()
    assert list(Appointment.objects.values_list("email", flat=True)) == ["other@example.com"]


def test_cancelling_one_visit_of_a_series_leaves_the_others(course):
    provider, needling = course
    monday = a_monday_ahead()
    booked = book_four(provider, needling, [at(monday + timedelta(weeks=n), 10) for n in range(4)])
    booking.cancel(booked.visits[1], by_patient=True)
    statuses = list(Appointment.objects.filter(series=booked.series).order_by("starts_at").values_list("status", flat=True))
    assert [status == "cancelled" for status in statuses] == [False, True, False, False]
    # Its time is free again for anyone.
    assert not propose(visit_type=needling, provider=provider, first=booked.visits[1].starts_at, count=2, every_weeks=1)[0].is_replaced


@pytest.mark.usefixtures("site_and_mail")
def test_a_closure_posted_later_treats_a_series_visit_like_any_other(client, course):
    provider, needling = course
    monday = a_monday_ahead()
    booked = book_four(provider, needling, [at(monday + timedelta(weeks=n), 10) for n in range(4)])
    hit = booked.visits[1]
    client.force_login(make_staff("desk", group=FRONT_DESK))
    closed = monday + timedelta(weeks=1)
    client.post("/admin/clinic/holidayhours/add/", {
        "label": "Snow day", "first_day": closed.isoformat(), "last_day": "", "is_closed": "on", "opens": "", "closes": "", "note": "",
    })
    holiday = HolidayHours.objects.get(label="Snow day")
    affected = client.get(f"/admin/clinic/holidayhours/{holiday.pk}/affected/")
    assert hit.reference in affected.content.decode()
    assert not any(visit.reference in affected.content.decode() for visit in booked.visits if visit != hit)
    client.post(f"/admin/clinic/holidayhours/{holiday.pk}/affected/", {"action": "cancel", "reference": [hit.reference]})
    statuses = list(Appointment.objects.filter(series=booked.series).order_by("starts_at").values_list("status", flat=True))
    assert [status == "cancelled" for status in statuses] == [False, True, False, False]
    # And a series proposed now over that week offers another day.
    proposal = propose(visit_type=needling, provider=provider, first=at(monday, 11), count=2, every_weeks=1)
    assert proposal[1].reason == "The office is closed (Snow day)."


@pytest.mark.usefixtures("site_and_mail")
def test_a_series_sends_one_email_with_every_visit_and_one_calendar_file(course):
    from tests.factories import deliver_outbox

    provider, needling = course
    monday = a_monday_ahead()
    booked = book_four(provider, needling, [at(monday + timedelta(weeks=n), 10) for n in range(4)])
    emails = deliver_outbox()
    [patient_email] = [email for email in emails if email.to == ["pat1@example.com"]]
    [alert] = [email for email in emails if email.to != ["pat1@example.com"]]
    for visit in booked.visits:
        assert visit.reference in patient_email.body
    assert booked.visits[0].manage_url() in patient_email.body
    assert "Pat1" not in alert.body and "pat1@example.com" not in alert.subject + alert.body  # no patient value to staff
    assert "series of 4 visits" in alert.body
    [(name, content, mimetype)] = patient_email.attachments
    assert name == "visits.ics" and mimetype.startswith("text/calendar")
    content = str(content)
    assert content.count("BEGIN:VEVENT") == 4
    for visit in booked.visits:
        assert f"UID:{visit.reference}@" in content
    # A later change of one visit updates its own event with a higher SEQUENCE.
    booking.cancel(booked.visits[2], by_patient=True)
    [cancelled] = [email for email in deliver_outbox() if email.to == ["pat1@example.com"] and "cancelled" in email.subject.lower()]
    [(_, cancel_file, _)] = cancelled.attachments
    assert f"UID:{booked.visits[2].reference}@" in str(cancel_file) and "SEQUENCE:1" in str(cancel_file)


@pytest.fixture
def four_weeks(course):
    provider, needling = course
    monday = a_monday_ahead()
    return book_four(provider, needling, [at(monday + timedelta(weeks=n), 10) for n in range(4)])


def test_the_manage_page_of_a_series_visit_lists_every_visit_with_a_way_to_each(client, four_weeks):
    first_token = four_weeks.manage_tokens[0]
    page = client.get(f"/appointments/manage/{first_token}/").content.decode()
    assert "Your series of 4 visits" in page and "(shown on this page)" in page
    for token in four_weeks.manage_tokens[1:]:
        assert f"/appointments/manage/{token}/" in page
    third = client.get(f"/appointments/manage/{four_weeks.manage_tokens[2]}/").content.decode()
    assert four_weeks.visits[2].reference in third and "Your series of 4 visits" in third


@pytest.mark.usefixtures("site_and_mail")
def test_cancel_the_rest_cancels_this_visit_and_the_later_ones_with_one_email(client, four_weeks):
    from tests.factories import deliver_outbox

    before = len(deliver_outbox())
    second_token = four_weeks.manage_tokens[1]
    page = client.get(f"/appointments/manage/{second_token}/").content.decode()
    assert "Cancel this visit and the rest (3 visits)" in page
    asking = client.get(f"/appointments/manage/{second_token}/cancel-rest/").content.decode()
    assert "Cancel these 3 visits?" in asking and "Yes, cancel these 3 visits</button>" in asking
    assert four_weeks.visits[0].starts_at.strftime("%B") in asking
    assert not Appointment.objects.filter(series=four_weeks.series, status="cancelled").exists()  # asking cancels nothing
    response = client.post(f"/appointments/manage/{second_token}/cancel-rest/", follow=True)
    assert "3 visits are cancelled." in response.content.decode()
    statuses = [visit.status for visit in Appointment.objects.filter(series=four_weeks.series).order_by("starts_at")]
    assert statuses[0] != "cancelled" and statuses[1:] == ["cancelled"] * 3
    emails = deliver_outbox()[before:]
    [patient_email] = [email for email in emails if email.to == ["pat1@example.com"]]
    assert patient_email.subject.startswith("Visits cancelled")
    for visit in four_weeks.visits[1:]:
        assert visit.reference in patient_email.body
    assert four_weeks.visits[0].reference not in patient_email.body
    [(_, content, _)] = patient_email.attachments
    assert str(content).count("BEGIN:VEVENT") == 3 and "METHOD:CANCEL" in str(content) and "SEQUENCE:1" in str(content)
    [alert] = [email for email in emails if email.to != ["pat1@example.com"]]
    assert "Pat1" not in alert.body and "pat1@example.com" not in alert.body
    # Sent again (a double click): nothing more to cancel from this visit on, said kindly.
    again = client.post(f"/appointments/manage/{second_token}/cancel-rest/", follow=True)
    assert "None of these visits can be cancelled online any more." in again.content.decode()


def test_once_the_first_visit_is_over_the_series_link_shows_the_next_one(four_weeks):
    first = four_weeks.visits[0]
    past = timezone.now() - timedelta(days=1)
    Appointment.objects.filter(pk=first.pk).update(starts_at=past - timedelta(minutes=30), ends_at=past)
    assert Appointment.from_manage_token(four_weeks.manage_tokens[0]) == four_weeks.visits[1]
    for days, visit in enumerate(four_weeks.visits[1:], start=2):
        Appointment.objects.filter(pk=visit.pk).update(starts_at=past - timedelta(days=days), ends_at=past - timedelta(days=days) + timedelta(minutes=30))
    assert Appointment.from_manage_token(four_weeks.manage_tokens[0]) is None


def staff_series_form(provider, needling, starts_at, visits, every_weeks=1):
    from tests.appointments.test_admin import booking_form

    return booking_form(provider, needling, starts_at, repeat_visits=str(visits), repeat_every_weeks=str(every_weeks))


@pytest.mark.django_db
def test_the_front_desk_books_a_series_by_phone(desk_client, course):
    provider, needling = course
    monday = a_monday_ahead()
    response = desk_client.post("/admin/appointments/appointment/add/", staff_series_form(provider, needling, at(monday, 9, 10), 3, 2))
    assert response.status_code == 302
    series = AppointmentSeries.objects.get()
    visits = list(series.visits.order_by("starts_at"))
    assert [visit.starts_at for visit in visits] == [at(monday + timedelta(weeks=2 * n), 9, 10) for n in range(3)]
    assert {visit.status for visit in visits} == {"confirmed"} and {visit.source for visit in visits} == {"staff"}


@pytest.mark.django_db
def test_the_front_desk_is_told_which_date_of_a_series_cannot_be_had_and_nothing_is_booked(desk_client, course):
    provider, needling = course
    monday = a_monday_ahead()
    make_holiday(label="Staff training", first_day=monday + timedelta(weeks=1))
    response = desk_client.post("/admin/appointments/appointment/add/", staff_series_form(provider, needling, at(monday, 10), 3))
    assert response.status_code == 200
    page = response.content.decode()
    second = monday + timedelta(weeks=1)
    assert f"The visit on {second:%A, %B} {second.day} at 10:00 AM cannot be booked" in unescape_html(page)
    assert "Nothing was booked." in unescape_html(page)
    assert 'value="Rosalind"' in page  # everything typed kept
    assert not Appointment.objects.exists() and not AppointmentSeries.objects.exists()


def unescape_html(page):
    from html import unescape

    return unescape(page)


def test_a_day_of_other_hours_says_so(course):
    provider, needling = course
    monday = a_monday_ahead()
    make_holiday(label="Staff training", first_day=monday + timedelta(weeks=1), is_closed=False, opens=time(13), closes=time(17))
    proposal = propose(visit_type=needling, provider=provider, first=at(monday, 10), count=2, every_weeks=1)
    assert proposal[1].reason == "The office keeps other hours that day (Staff training)."
    assert proposal[1].starts_at == at(monday + timedelta(weeks=1), 13)


@pytest.mark.django_db
def test_the_front_desk_sees_every_visit_of_a_series_on_each_visits_page(desk_client, course):
    provider, needling = course
    monday = a_monday_ahead()
    booked = book_four(provider, needling, [at(monday + timedelta(weeks=n), 10) for n in range(4)])
    booking.cancel(booked.visits[3], by_patient=False)
    page = desk_client.get(f"/admin/appointments/appointment/{booked.visits[1].pk}/change/").content.decode()
    for visit in booked.visits:
        assert f"/admin/appointments/appointment/{visit.pk}/change/" in page
    assert "(cancelled)" in page and "(this visit)" in page


@pytest.mark.django_db
def test_the_front_desk_cancels_a_visit_and_the_rest_of_its_series_from_its_page(desk_client, four_weeks):
    from tests.factories import deliver_outbox

    before = len(deliver_outbox())
    second, last = four_weeks.visits[1], four_weeks.visits[3]
    cancel_rest = f"/admin/appointments/appointment/{second.pk}/do/cancel_rest/"
    page = desk_client.get(f"/admin/appointments/appointment/{second.pk}/change/").content.decode()
    assert cancel_rest in page and "Cancel this visit and the rest of the series" in page
    # The last visit has no later one: its page keeps only "Cancel the visit".
    last_page = desk_client.get(f"/admin/appointments/appointment/{last.pk}/change/").content.decode()
    assert "/do/cancel_rest/" not in last_page and f"/admin/appointments/appointment/{last.pk}/do/cancel/" in last_page
    # A GET (a link followed, a prefetch) changes nothing.
    desk_client.get(cancel_rest)
    assert not Appointment.objects.filter(series=four_weeks.series, status="cancelled").exists()
    response = desk_client.post(cancel_rest, follow=True)
    assert f"Appointment {second.reference} and the later visits of its series are cancelled" in response.content.decode()
    statuses = [visit.status for visit in Appointment.objects.filter(series=four_weeks.series).order_by("starts_at")]
    assert statuses[0] != "cancelled" and statuses[1:] == ["cancelled"] * 3
    emails = deliver_outbox()[before:]
    [patient_email] = [email for email in emails if email.to == ["pat1@example.com"]]
    assert all(visit.reference in patient_email.body for visit in four_weeks.visits[1:])
    # Sent again (a double click): refused kindly, nothing more cancelled, no second email.
    again = desk_client.post(cancel_rest, follow=True)
    assert "None of these visits can be cancelled" in again.content.decode()
    assert len(deliver_outbox()) == before + len(emails)
    assert Appointment.objects.filter(series=four_weeks.series).exclude(status="cancelled").count() == 1



@pytest.mark.django_db
def test_the_rest_of_a_series_is_never_cancelled_from_a_visit_no_longer_booked(desk_client, four_weeks):
    first = four_weeks.visits[0]
    booking.cancel(first, by_patient=False)
    response = desk_client.post(f"/admin/appointments/appointment/{first.pk}/do/cancel_rest/", follow=True)
    assert f"{first.reference} is no longer booked: cancel the later visits from their own pages." in response.content.decode()
    assert Appointment.objects.filter(series=four_weeks.series, status="cancelled").count() == 1
