"""Booking a course of treatment online (appointments.views.booking.series_step): the details page
asks how many visits and how often, the patient checks the dates before anything is saved, and the
series is booked all or nothing. Everything typed is kept on every page."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from appointments.forms.booking import start_value
from appointments.models import Appointment, AppointmentSeries
from tests.factories import at, details_form, make_appointment, make_holiday
from tests.pages import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    clinic.needling.series_allowed = True
    clinic.needling.save()
    return clinic


def a_monday_ahead(weeks=1):
    today = timezone.localdate()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=weeks - 1)


def first_time():
    return at(a_monday_ahead(), 10)


def series_form(clinic, starts_at=None, visits=4, every_weeks=1, **extra):
    return details_form(clinic.needling, starts_at or first_time(), visits=str(visits), every_weeks=str(every_weeks), **extra)


def selected_times(html):
    """Each row's selected time on the dates page, in order ("" for "No visit this week")."""
    rows = re.findall(r'<select[^>]*name="series_time_(\d+)"[^>]*>(.*?)</select>', html, re.S)
    chosen = []
    for _, options in rows:
        found = re.search(r'<option value="([^"]*)" selected>', options)
        chosen.append(unescape(found.group(1)) if found else "")
    return chosen


def confirm(clinic, html, **extra):
    """What the dates page posts when the patient presses "Book these visits"."""
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    hidden = {name: unescape(value) for name, value in hidden.items()}
    times = {f"series_time_{number}": value for number, value in enumerate(selected_times(html))}
    return {**hidden, **times, "series_confirmed": "1", **extra}


def test_the_details_page_of_a_series_visit_asks_how_many_and_how_often(client, course):
    html = client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any",
                                "start": start_value(first_time())}).content.decode()
    assert "A course of treatment" in html and 'name="visits"' in html and 'name="every_weeks"' in html
    other = client.get(DETAILS, {"visit": "follow-up-visit", "mode": "in_office", "provider": "any",
                                 "start": start_value(first_time())}).content.decode()
    assert "A course of treatment" not in other


def test_the_patient_sees_the_dates_before_anything_is_booked_then_books_them_all(client, course):
    response = client.post(DETAILS, series_form(course))
    html = response.content.decode()
    assert response.status_code == 200 and "Check the dates of your visits" in html
    assert not Appointment.objects.exists()
    wanted = [start_value(at(a_monday_ahead() + timedelta(weeks=n), 10)) for n in range(4)]
    assert selected_times(html) == wanted
    assert "csrfmiddlewaretoken" in html and html.count('name="csrfmiddlewaretoken"') == 1  # not carried twice

    response = client.post(DETAILS, confirm(course, html))
    assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    series = AppointmentSeries.objects.get()
    assert [start_value(visit.starts_at) for visit in series.visits.order_by("starts_at")] == wanted
    page = client.get("/book/confirmed/").content.decode()
    assert "Your 4 visits" in page
    for visit in series.visits.all():
        assert visit.reference in page


def test_a_holiday_in_the_series_is_replaced_and_marked(client, course):
    make_holiday(label="Staff training", first_day=a_monday_ahead(2))
    html = client.post(DETAILS, series_form(course)).content.decode()
    assert "Changed:" in html and "The office is closed (Staff training)." in html
    assert selected_times(html)[1] == start_value(at(a_monday_ahead(2) + timedelta(days=1), 10))


def test_the_patient_can_change_a_date_and_leave_one_out(client, course):
    html = client.post(DETAILS, series_form(course)).content.decode()
    moved = start_value(at(a_monday_ahead(2) + timedelta(days=2), 14))
    client.post(DETAILS, confirm(course, html, series_time_1=moved, series_time_3=""))
    booked = [start_value(visit.starts_at) for visit in Appointment.objects.order_by("starts_at")]
    assert booked == [selected_times(html)[0], moved, selected_times(html)[2]]


def test_a_date_taken_meanwhile_refuses_the_series_next_to_that_date_with_everything_kept(client, course):
    html = client.post(DETAILS, series_form(course)).content.decode()
    third = at(a_monday_ahead(3), 10)
    for provider in (course.dana, course.marcus):
        make_appointment(provider=provider, visit_type=course.needling, starts_at=third, ends_at=third + timedelta(minutes=30))
    response = client.post(DETAILS, confirm(course, html))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing is booked yet" in page and "That time is no longer free. Please choose another." in page
    assert not AppointmentSeries.objects.exists() and Appointment.objects.count() == 2
    assert 'value="Rosalind"' in page and 'value="rosalind.quigley@example.com"' in page
    assert selected_times(page)[2] != start_value(third)  # the nearest free time, chosen instead


def test_a_series_sent_twice_books_once(client, course):
    html = client.post(DETAILS, series_form(course)).content.decode()
    data = confirm(course, html)
    client.post(DETAILS, data)
    again = client.post(DETAILS, data)
    assert again.status_code == 302 and again["Location"] == "/book/confirmed/"
    assert AppointmentSeries.objects.count() == 1 and Appointment.objects.count() == 4


@pytest.mark.parametrize(("field", "value", "message"), [
    ("visits", "99", "Please choose from 1 to 8 visits."),
    ("every_weeks", "5", "Please choose every week or every two weeks."),
])
def test_a_made_up_count_or_cadence_gets_a_message_and_nothing_is_booked(client, course, field, value, message):
    data = series_form(course)
    data[field] = value
    response = client.post(DETAILS, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Appointment.objects.exists()


def test_change_my_details_goes_back_with_everything_kept(client, course):
    html = client.post(DETAILS, series_form(course, every_weeks=2)).content.decode()
    data = confirm(course, html)
    data.pop("series_confirmed")
    data["series_back"] = "1"
    page = client.post(DETAILS, data).content.decode()
    assert "Your details" in page and 'value="Rosalind"' in page
    assert re.search(r'<option value="4" selected>4 visits</option>', page)
    assert re.search(r'value="2"[^>]*checked', page)
    assert not Appointment.objects.exists()


def test_one_visit_is_a_booking_as_any_other(client, course):
    response = client.post(DETAILS, series_form(course, visits=1))
    assert response.status_code == 302
    assert Appointment.objects.get().series is None


def test_a_time_the_dates_page_never_offered_is_refused_and_nothing_is_booked(client, course):
    html = client.post(DETAILS, series_form(course)).content.decode()
    far = start_value(at(a_monday_ahead() + timedelta(weeks=20), 10))  # past the horizon, far from its week
    for made_up in (far, "not a time"):
        response = client.post(DETAILS, confirm(course, html, series_time_2=made_up))
        assert response.status_code == 200
        assert "Please choose one of the times shown for each visit" in response.content.decode()
        assert not Appointment.objects.exists()
