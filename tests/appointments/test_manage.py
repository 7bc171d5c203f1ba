"""The patient's own page for an appointment: view, cancel, reschedule, from the link in the email."""

import re
import secrets
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from appointments.models import Appointment, OutboxMessage
from tests.factories import at, make_appointment, weekday_after, set_booking_settings
from tests.pages import time_buttons

pytestmark = pytest.mark.django_db


def booked(clinic, starts_at, **overrides):
    """An appointment with a manage link; returns it and the token from the link."""
    appointment = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=starts_at, **overrides)
    token = appointment.issue_manage_token()
    appointment.save()
    return appointment, token


def manage_url(token):
    return f"/appointments/manage/{token}/"


def snapshot():
    rows = list(Appointment.objects.order_by("pk").values())
    return rows, OutboxMessage.objects.count()


def test_it_shows_the_appointment_without_the_date_of_birth(client, clinic):
    day = weekday_after(3)
    appointment, token = booked(clinic, at(day, 10), date_of_birth=timezone.localdate().replace(year=1961, month=5, day=17))
    response = client.get(manage_url(token))
    html = response.content.decode()
    assert response.status_code == 200
    assert appointment.reference in html
    assert "Dry needling session (30 minutes)" in html
    assert f"{at(day, 10):%A, %B} {day.day}, {day.year}" in html and "10:00 AM" in html
    assert "Dana Whitfield" in html and "1 Test Street, Gaithersburg, MD 20878" in html
    assert "Status:</strong>\n      confirmed" in html
    assert "1961" not in html and appointment.last_name not in html
    assert 'action="/appointments/manage/%s/cancel/"' % token in html
    assert "You will be asked to confirm on the next page." in html
    assert f'href="/appointments/manage/{token}/reschedule/">Choose a new time</a>' in html
    assert '<meta name="robots" content="noindex">' in html


def test_get_never_changes_anything(client, clinic):
    appointment, token = booked(clinic, at(weekday_after(3), 10))
    before = snapshot()
    for url in (manage_url(token), manage_url(token) + "reschedule/", manage_url(token) + "cancel/"):
        client.get(url)
        client.head(url)
    assert client.get(manage_url(token) + "cancel/").status_code == 200  # the page that asks first
    assert client.put(manage_url(token) + "cancel/").status_code == 405
    assert snapshot() == before


def test_manage_pages_are_never_stored_by_browsers(client, clinic):
    appointment, token = booked(clinic, at(weekday_after(3), 10))
    for url in (manage_url(token), manage_url(token) + "reschedule/", manage_url(token) + "cancel/"):
        assert "no-store" in client.get(url)["Cache-Control"]


def not_found_page(client, url):
    response = client.get(url)
    # The page names its own address (canonical link); everything else must be the same.
    return response.status_code, response.content.decode().replace(url, "URL"), sorted(response.headers.keys())


def test_a_wrong_expired_or_random_token_is_the_same_404_as_any_unknown_address(client, clinic):
    appointment, token = booked(clinic, at(weekday_after(3), 10))
    past, past_token = booked(clinic, timezone.now() - timedelta(hours=2))
    assert past.ends_at < timezone.now()
    random_url = manage_url(secrets.token_urlsafe(32))
    unknown = not_found_page(client, "/no-such-page/")
    assert unknown[0] == 404
    for url in (
        manage_url(token[:-1] + ("A" if token[-1] != "A" else "B")),  # one character changed
        manage_url(past_token),  # expired with the appointment
        random_url,
        manage_url("x" * 500),
        manage_url(past_token) + "reschedule/",
    ):
        assert not_found_page(client, url) == unknown, url
    before = snapshot()
    assert client.post(manage_url(past_token) + "cancel/").status_code == 404
    assert client.post(random_url + "cancel/").status_code == 404
    assert snapshot() == before


def test_a_patient_cancels_and_the_time_is_free_again(client, clinic):
    day = weekday_after(3)
    appointment, token = booked(clinic, at(day, 10))
    params = {"visit": "dry-needling-session", "mode": "in_office", "provider": clinic.dana.pk, "week": day.isoformat()}
    assert at(day, 10).isoformat() not in time_buttons(client.get("/book/time/", params).content.decode())

    # The button asks first: its page (a GET, so a mail scanner or a prefetch cancels nothing) names the visit.
    asking = client.get(manage_url(token) + "cancel/")
    asking_html = asking.content.decode()
    assert asking.status_code == 200 and "Cancel your appointment?" in asking_html
    assert appointment.reference in asking_html and "10:00 AM" in asking_html
    assert f'action="{manage_url(token)}cancel/"' in asking_html and "Yes, cancel this appointment</button>" in asking_html
    assert f'href="{manage_url(token)}">No, keep my appointment</a>' in asking_html
    assert "no-cache" in asking["Cache-Control"] and '<meta name="robots" content="noindex">' in asking_html
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED and not OutboxMessage.objects.filter(appointment=appointment).exists()

    response = client.post(manage_url(token) + "cancel/")
    assert response.status_code == 302 and response["Location"] == manage_url(token)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert OutboxMessage.objects.filter(appointment=appointment).exists()
    html = client.get(manage_url(token)).content.decode()
    assert "Your appointment is cancelled." in html
    assert "Status:</strong>\n      cancelled" in html
    assert "Cancel this appointment</button>" not in html
    assert at(day, 10).isoformat() in time_buttons(client.get("/book/time/", params).content.decode())


def test_the_success_messages_hold_no_patient_data(client, clinic):
    appointment, token = booked(clinic, at(weekday_after(3), 10))
    response = client.post(manage_url(token) + "cancel/", follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert shown
    for message in shown:
        for value in (appointment.first_name, appointment.last_name, appointment.email, appointment.phone, appointment.reference):
            assert value not in message


def test_within_the_cut_off_the_page_says_to_call_and_cancel_is_refused(client, clinic):
    soon, token = booked(clinic, timezone.now() + timedelta(hours=10))
    # Booked a day ago: the change-of-mind grace after booking is over.
    Appointment.objects.filter(pk=soon.pk).update(created_at=timezone.now() - timedelta(days=1))
    html = client.get(manage_url(token)).content.decode()
    assert "less than 24 hours away, so it can no longer be changed online" in html
    assert 'href="tel:+13015550142"' in html
    assert "Cancel this appointment</button>" not in html and "Choose a new time</a>" not in html

    assert client.get(manage_url(token) + "cancel/")["Location"] == manage_url(token)  # no page asking, either
    response = client.post(manage_url(token) + "cancel/", follow=True)
    assert "It is too late to cancel online. Please call us." in response.content.decode()
    soon.refresh_from_db()
    assert soon.status == Appointment.Status.CONFIRMED
    assert not OutboxMessage.objects.exists()

    # Nor can it be moved.
    assert client.get(manage_url(token) + "reschedule/")["Location"] == manage_url(token)
    response = client.post(manage_url(token) + "reschedule/", {"start": at(weekday_after(3), 11).isoformat()})
    assert response.status_code == 302
    soon.refresh_from_db()
    assert soon.starts_at > timezone.now() and soon.starts_at < timezone.now() + timedelta(hours=11)


def test_the_cut_off_follows_the_booking_settings(client, clinic):
    set_booking_settings(cancellation_cutoff_hours=2)
    soon, token = booked(clinic, timezone.now() + timedelta(hours=10))
    assert "Cancel this appointment</button>" in client.get(manage_url(token)).content.decode()


def test_reschedule_moves_it_and_frees_the_old_time(client, clinic):
    day = weekday_after(3)
    appointment, token = booked(clinic, at(day, 10))
    html = client.get(manage_url(token) + "reschedule/", {"week": day.isoformat()}).content.decode()
    offered = time_buttons(html)
    assert at(day, 10, 30).isoformat() in offered
    assert at(day, 10).isoformat() not in offered  # its own time is not offered as "new"
    assert 'name="csrfmiddlewaretoken"' in html

    response = client.post(manage_url(token) + "reschedule/", {"start": at(day, 10, 30).isoformat()})
    assert response.status_code == 302 and response["Location"] == manage_url(token)
    appointment.refresh_from_db()
    assert appointment.starts_at == at(day, 10, 30) and appointment.ends_at == at(day, 11)
    assert appointment.provider == clinic.dana and appointment.is_active
    assert Appointment.objects.count() == 1
    assert OutboxMessage.objects.filter(appointment=appointment).exists()
    html = client.get(manage_url(token)).content.decode()
    assert "Your appointment has been moved to the new time." in html and "10:30 AM" in html
    params = {"visit": "dry-needling-session", "mode": "in_office", "provider": clinic.dana.pk, "week": day.isoformat()}
    free = time_buttons(client.get("/book/time/", params).content.decode())
    assert at(day, 10).isoformat() in free and at(day, 10, 30).isoformat() not in free


def test_reschedule_can_overlap_its_own_old_time(client, clinic):
    day = weekday_after(3)
    appointment, token = booked(clinic, at(day, 10))
    assert client.post(manage_url(token) + "reschedule/", {"start": at(day, 10, 15).isoformat()}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == at(day, 10, 15)


def test_reschedule_to_a_taken_time_keeps_the_old_one_and_offers_the_nearest(client, clinic):
    day = weekday_after(3)
    appointment, token = booked(clinic, at(day, 10))
    for provider in (clinic.dana, clinic.marcus):
        make_appointment(visit_type=clinic.needling, provider=provider, starts_at=at(day, 14))
    response = client.post(manage_url(token) + "reschedule/", {"start": at(day, 14).isoformat()})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "That time was just taken. Here are the nearest free times." in html
    assert at(day, 14, 30).isoformat() in time_buttons(html)
    appointment.refresh_from_db()
    assert appointment.starts_at == at(day, 10)


@pytest.mark.parametrize("start", ["garbage", "", "2027-03-15T09:00:00", "\x00", "9" * 40])
def test_reschedule_to_a_tampered_time_changes_nothing(client, clinic, start):
    appointment, token = booked(clinic, at(weekday_after(3), 10))
    before = snapshot()
    response = client.post(manage_url(token) + "reschedule/", {"start": start})
    assert response.status_code == 200
    assert re.search(r"Please choose one of the times shown.|Null characters are not allowed.", response.content.decode())
    assert snapshot() == before


@pytest.mark.parametrize("start_offset", [timedelta(days=-1), timedelta(hours=1), timedelta(days=70)])
def test_reschedule_to_a_time_that_cannot_be_booked_changes_nothing(client, clinic, start_offset):
    from appointments.availability import first_step_at_or_after

    appointment, token = booked(clinic, at(weekday_after(3), 10))
    before = snapshot()
    start = first_step_at_or_after(timezone.now() + start_offset, timedelta(minutes=15))
    response = client.post(manage_url(token) + "reschedule/", {"start": start.isoformat()})
    assert response.status_code == 200
    assert re.search(r"in the past|notice|days ahead", response.content.decode())
    assert snapshot() == before


def test_the_reschedule_page_links_to_later_weeks_only_at_first_and_answers_any_week(client, clinic):
    appointment, token = booked(clinic, at(weekday_after(3), 10))
    url = manage_url(token) + "reschedule/"
    html = client.get(url).content.decode()
    assert "Later times" in html and "Earlier times" not in html
    for week in ("garbage", "9999-12-31", "0001-01-01", "\x00"):
        assert client.get(url, {"week": week}).status_code == 200
