"""Moving a visit keeps the provider the patient chose; another provider is only ever an
explicit choice, shown as such, and the emails say when the provider changed (issue 12, item 2)."""

from datetime import timedelta

import pytest
from django.core import mail

from appointments import booking
from appointments.booking import SlotUnavailable
from appointments.models import Appointment, WorkingHours
from tests.factories import at, deliver_outbox, make_appointment, weekday_after
from tests.pages import time_buttons

pytestmark = pytest.mark.django_db


def a_friday():
    day = weekday_after(3)
    while day.weekday() != 4:
        day += timedelta(days=1)
    return day


@pytest.fixture
def dana_off_on_fridays(clinic):
    WorkingHours.objects.filter(provider=clinic.dana, weekday=4).delete()
    return clinic


def booked_with_dana(clinic):
    appointment = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(weekday_after(3), 10))
    token = appointment.issue_manage_token()
    appointment.save()
    return appointment, token


def reschedule_url(token):
    return f"/appointments/manage/{token}/reschedule/"


def test_a_patients_move_to_a_day_their_provider_does_not_work_is_refused_not_given_to_someone_else(dana_off_on_fridays):
    clinic = dana_off_on_fridays
    appointment, _ = booked_with_dana(clinic)
    before = appointment.starts_at
    with pytest.raises(SlotUnavailable):
        booking.move(appointment, starts_at=at(a_friday(), 10), by_patient=True)
    appointment.refresh_from_db()
    assert appointment.provider == clinic.dana and appointment.starts_at == before


def test_a_patients_move_to_a_free_time_keeps_their_provider_even_when_others_come_first(clinic):
    # Marcus comes before Dana in the team page's order now: "first available" would pick him.
    clinic.marcus.order = 0
    clinic.marcus.save()
    appointment, _ = booked_with_dana(clinic)
    moved = booking.move(appointment, starts_at=at(weekday_after(4), 14), by_patient=True)
    assert moved.provider == clinic.dana
    deliver_outbox()
    patient_email = next(message for message in mail.outbox if message.to == [appointment.email])
    assert "provider has changed" not in patient_email.body


def test_a_patient_who_chooses_another_provider_gets_them_and_both_emails_say_from_whom_to_whom(dana_off_on_fridays, settings):
    settings.FRONT_DESK_EMAIL = "desk@practice.example"
    clinic = dana_off_on_fridays
    appointment, _ = booked_with_dana(clinic)
    moved = booking.move(appointment, starts_at=at(a_friday(), 10), by_patient=True, provider=clinic.marcus)
    assert moved.provider == clinic.marcus
    deliver_outbox()
    patient_email = next(message for message in mail.outbox if message.to == [appointment.email])
    assert "your provider has changed, from Dana Whitfield, MD to Marcus Ellery, MD" in patient_email.body
    staff_alert = next(message for message in mail.outbox if message.to == ["desk@practice.example"])
    assert "from Dana Whitfield, MD to Marcus Ellery, MD" in staff_alert.body
    assert appointment.last_name not in staff_alert.body and appointment.email not in staff_alert.body


def test_a_patient_cannot_choose_a_provider_who_does_not_offer_the_visit(clinic):
    appointment, _ = booked_with_dana(clinic)
    with pytest.raises(booking.BookingRefused):
        booking.move(appointment, starts_at=at(weekday_after(4), 14), by_patient=True, provider=clinic.outsider)
    appointment.refresh_from_db()
    assert appointment.provider == clinic.dana


def test_the_reschedule_page_offers_only_the_patients_own_providers_times_by_default(client, dana_off_on_fridays):
    clinic = dana_off_on_fridays
    appointment, token = booked_with_dana(clinic)
    friday = a_friday()
    html = client.get(reschedule_url(token), {"week": friday.isoformat()}).content.decode()
    assert "Free times with Dana Whitfield, MD" in html
    assert not [value for value in time_buttons(html) if value.startswith(friday.isoformat())]
    assert 'selected>Dana Whitfield, MD (your provider)</option>' in html
    assert "not your current provider" not in html


def test_the_reschedule_page_labels_another_providers_times_when_the_patient_chooses_them(client, dana_off_on_fridays):
    clinic = dana_off_on_fridays
    appointment, token = booked_with_dana(clinic)
    friday = a_friday()
    html = client.get(reschedule_url(token), {"week": friday.isoformat(), "provider": clinic.marcus.pk}).content.decode()
    assert "Free times with Marcus Ellery, MD" in html
    assert "These times are with Marcus Ellery, MD, not your current provider, Dana Whitfield, MD." in html
    assert at(friday, 11).isoformat() in time_buttons(html)
    assert f'name="shown" value="{clinic.marcus.pk}"' in html


def test_a_time_sent_with_a_newly_selected_provider_shows_their_times_and_moves_nothing(client, dana_off_on_fridays):
    clinic = dana_off_on_fridays
    appointment, token = booked_with_dana(clinic)
    before = appointment.starts_at
    start = at(weekday_after(4), 14).isoformat()
    response = client.post(reschedule_url(token), {"provider": clinic.marcus.pk, "shown": clinic.dana.pk, "start": start})
    assert response.status_code == 200
    assert "These times are with Marcus Ellery, MD" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.provider == clinic.dana and appointment.starts_at == before


def test_a_time_chosen_from_another_providers_times_moves_the_visit_to_them(client, dana_off_on_fridays):
    clinic = dana_off_on_fridays
    appointment, token = booked_with_dana(clinic)
    friday = a_friday()
    response = client.post(
        reschedule_url(token), {"provider": clinic.marcus.pk, "shown": clinic.marcus.pk, "start": at(friday, 10).isoformat()}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.provider == clinic.marcus and appointment.starts_at == at(friday, 10)
    assert appointment.status == Appointment.Status.REQUESTED


def test_a_tampered_provider_falls_back_to_the_patients_own(client, clinic):
    appointment, token = booked_with_dana(clinic)
    for value in ("abc", "99999999", str(clinic.outsider.pk), "1" * 30):
        response = client.get(reschedule_url(token), {"provider": value})
        assert response.status_code == 200
        assert "Free times with Dana Whitfield, MD" in response.content.decode()
