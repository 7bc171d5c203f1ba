"""A visit booked inside the cancellation cut-off: the patient can change their mind for a
short grace after booking, and is told plainly, before and after booking, until when, and
that it may not be confirmed in time; the front desk's alert says it is close (issue 12, item 1)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, BookingSettings
from tests.factories import at, deliver_outbox, details_form, make_appointment, set_booking_settings, weekday_after
from tests.pages import without_stylesheet

pytestmark = pytest.mark.django_db

DETAILS = "/book/details/"
# Every visit of the next weeks is "soon" with the longest cut-off staff can set (30 days).
EVERYTHING_SOON = 30 * 24


def visit_in(clinic, length, **overrides):
    return make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=timezone.now() + length, **overrides)


def test_a_visit_booked_inside_the_cut_off_can_be_cancelled_during_the_grace_after_booking(clinic):
    appointment = visit_in(clinic, timedelta(hours=8))
    booked_at = appointment.created_at
    assert booking.can_change_online(appointment, now=booked_at + timedelta(seconds=15))
    assert booking.can_change_online(appointment, now=booked_at + timedelta(minutes=30))
    assert not booking.can_change_online(appointment, now=booked_at + timedelta(minutes=31))
    booking.cancel(appointment, by_patient=True, now=booked_at + timedelta(minutes=10))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_a_visit_booked_inside_the_cut_off_can_be_moved_during_the_grace(clinic):
    appointment = visit_in(clinic, timedelta(hours=8))
    new_start = at(weekday_after(4), 14)
    moved = booking.move(appointment, starts_at=new_start, by_patient=True, now=appointment.created_at + timedelta(minutes=5))
    assert moved.starts_at == new_start


def test_the_grace_follows_the_booking_settings_and_never_outlasts_the_start(clinic):
    set_booking_settings(change_grace_minutes=0)
    appointment = visit_in(clinic, timedelta(hours=8))
    assert not booking.can_change_online(appointment, now=appointment.created_at + timedelta(seconds=1))
    settings = set_booking_settings(change_grace_minutes=120)
    starts_at = timezone.now() + timedelta(minutes=20)
    booked_at = timezone.now()
    assert settings.online_changes_close_at(starts_at, booked_at) == starts_at


def test_far_off_visits_keep_the_plain_cut_off(clinic):
    settings = BookingSettings.load()
    booked_at = timezone.now()
    starts_at = booked_at + timedelta(days=5)
    assert settings.online_changes_close_at(starts_at, booked_at) == starts_at - timedelta(hours=24)
    assert not settings.is_soon(starts_at, booked_at)
    assert settings.is_soon(booked_at + timedelta(hours=23), booked_at)


def test_the_grace_is_in_the_admins_booking_settings_with_help_text():
    field = BookingSettings._meta.get_field("change_grace_minutes")
    assert field.default == 30 and "after booking" in field.help_text


def test_the_time_page_marks_soon_times_and_says_what_that_means(client, clinic):
    set_booking_settings(cancellation_cutoff_hours=EVERYTHING_SOON)
    params = {"visit": clinic.needling.slug, "mode": "in_office", "provider": "any", "week": weekday_after(3).isoformat()}
    html = client.get("/book/time/", params).content.decode()
    assert '<span class="soon-marker">soon</span></button>' in html
    assert "Booked, it can be changed or cancelled online only for 30 minutes after booking" in html
    assert "may not confirm it before the visit: please call us to make sure" in html

    set_booking_settings(cancellation_cutoff_hours=0)
    html = without_stylesheet(client.get("/book/time/", params).content.decode())
    assert "soon-marker" not in html and "30 minutes after booking" not in html


def test_the_details_page_says_plainly_a_soon_visit_closes_to_changes_and_may_not_be_confirmed(client, clinic):
    set_booking_settings(cancellation_cutoff_hours=EVERYTHING_SOON)
    start = at(weekday_after(3), 10)
    params = {"visit": clinic.needling.slug, "mode": "in_office", "provider": "any", "start": start.isoformat()}
    html = client.get(DETAILS, params).content.decode()
    assert "This visit is soon" in html and "You can change or cancel it online only until" in html
    assert "please call us to make sure it is confirmed" in html

    set_booking_settings(requires_confirmation=False)
    html = client.get(DETAILS, params).content.decode()
    assert "This visit is soon" in html and "make sure it is confirmed" not in html

    set_booking_settings(cancellation_cutoff_hours=24)
    assert "This visit is soon" not in client.get(DETAILS, params).content.decode()


def test_booking_a_soon_visit_tells_the_patient_and_alerts_the_front_desk_without_patient_values(client, clinic, settings):
    settings.FRONT_DESK_EMAIL = "desk@practice.example"
    set_booking_settings(cancellation_cutoff_hours=EVERYTHING_SOON)
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    closes = timezone.localtime(appointment.created_at + timedelta(minutes=30))
    closes_text = f"{closes:%-I:%M %p} on {closes:%A, %B} {closes.day}"

    html = client.get(response["Location"]).content.decode()
    assert "This visit is soon" in html and closes_text in html
    assert "please call us to make sure it is confirmed" in html

    html = client.get(f"/appointments/manage/{appointment.manage_token()}/").content.decode()
    assert "This visit is soon" in html and "Cancel this appointment</button>" in html

    deliver_outbox()
    [patient_email] = [message for message in mail.outbox if message.to == [appointment.email]]
    assert "This visit is soon: you can cancel or change it online only until" in patient_email.body
    assert closes_text in patient_email.body
    assert "may not confirm this one before your visit" in patient_email.body
    [alert] = [message for message in mail.outbox if message.to == ["desk@practice.example"]]
    assert alert.subject.startswith("Soon: New online booking")
    assert f"Starts in under {EVERYTHING_SOON} hours — please confirm soon." in alert.body
    for value in (appointment.first_name, appointment.last_name, appointment.email, appointment.phone):
        assert value not in alert.body and value not in alert.subject


def test_a_visit_booked_well_ahead_gets_no_soon_words(client, clinic, settings):
    settings.FRONT_DESK_EMAIL = "desk@practice.example"
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    assert "This visit is soon" not in client.get(response["Location"]).content.decode()
    deliver_outbox()
    assert not [message for message in mail.outbox if re.search("soon", message.body + message.subject, re.IGNORECASE)]


def test_a_requested_visit_that_can_no_longer_be_changed_says_it_is_not_confirmed_yet(client, clinic):
    appointment = visit_in(clinic, timedelta(hours=8), status=Appointment.Status.REQUESTED)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=timezone.now() - timedelta(hours=2))
    token = appointment.issue_manage_token()
    appointment.save(update_fields=["manage_nonce", "manage_token_hash"])
    html = client.get(f"/appointments/manage/{token}/").content.decode()
    assert "It is not confirmed yet. Please call us to make sure it is confirmed before you come." in html


def test_the_reschedule_page_marks_soon_times_and_says_a_move_there_closes_online_changes(client, clinic):
    set_booking_settings(cancellation_cutoff_hours=5 * 24)  # the visit, a month away, can still be moved
    appointment = visit_in(clinic, timedelta(days=30))
    token = appointment.issue_manage_token()
    appointment.save()
    url = f"/appointments/manage/{token}/reschedule/"
    html = client.get(url, {"week": weekday_after(1).isoformat()}).content.decode()
    assert '<span class="soon-marker">soon</span></button>' in html
    assert "Moved there, your appointment can no longer be changed or cancelled online" in html
    assert "may not confirm it before the visit: please call us to make sure" in html

    html = without_stylesheet(client.get(url, {"week": weekday_after(14).isoformat()}).content.decode())
    assert "soon-marker" not in html and "Moved there" not in html
