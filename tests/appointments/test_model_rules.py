"""Rules staff must not break live in the models, so that every way of saving obeys them:
the admin's add and change forms, the booking functions, and the database where it can."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import booking, telehealth
from appointments.audit import MASKED_FIELDS
from appointments.forms.booking import PatientDetailsForm
from appointments.forms.telehealth import TelehealthRequestForm
from appointments.models import CONTACT_FIELDS, Appointment, OutboxMessage, TelehealthRequest, WorkingHours
from appointments.models.patient import years_before
from clinic.models import Practice
from tests.factories import (
    MAIL_IN_MEMORY,
    deliver_outbox,
    make_appointment,
    make_practice,
    make_provider,
    make_telehealth_request,
    make_visit_type,
    make_working_hours,
)

pytestmark = pytest.mark.django_db


# --- Working hours ----------------------------------------------------------------------------


def test_overlapping_working_hours_are_refused_by_the_model_itself():
    provider = make_provider(name="Dana Whitfield")
    make_working_hours(provider, weekdays=[0], blocks=[(time(9), time(12))])
    block = WorkingHours(provider=provider, weekday=0, starts=time(11), ends=time(14))
    with pytest.raises(ValidationError) as refusal:
        block.full_clean()
    assert "already works 09:00–12:00 on Mondays" in refusal.value.messages[0]
    # Back to back, another day or another provider is fine.
    WorkingHours(provider=provider, weekday=0, starts=time(12), ends=time(14)).full_clean()
    WorkingHours(provider=provider, weekday=1, starts=time(11), ends=time(14)).full_clean()
    WorkingHours(provider=make_provider(), weekday=0, starts=time(11), ends=time(14)).full_clean()


def test_changing_a_block_to_overlap_another_is_refused_in_the_admin(desk_client):
    provider = make_provider(name="Dana Whitfield")
    morning, afternoon = make_working_hours(provider, weekdays=[0], blocks=[(time(9), time(12)), (time(13), time(17))])
    response = desk_client.post(
        f"/admin/appointments/workinghours/{afternoon.pk}/change/",
        {"provider": str(provider.pk), "weekday": "0", "starts": "11:00", "ends": "17:00"},
    )
    assert response.status_code == 200
    assert "already works 09:00–12:00 on Mondays" in str(response.context["adminform"].form.non_field_errors())
    afternoon.refresh_from_db()
    assert afternoon.starts == time(13)


# --- A scheduled telehealth request has its visit ----------------------------------------------


def test_the_database_refuses_a_scheduled_request_without_a_visit():
    request = make_telehealth_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        TelehealthRequest.objects.filter(pk=request.pk).update(status=TelehealthRequest.Status.SCHEDULED)
    assert TelehealthRequest.objects.get().status == "new"


def test_the_model_explains_that_a_request_is_scheduled_by_booking_its_visit():
    request = make_telehealth_request()
    request.status = TelehealthRequest.Status.SCHEDULED
    with pytest.raises(ValidationError) as refusal:
        request.full_clean()
    assert "Schedule a video visit" in refusal.value.message_dict["status"][0]


def test_the_follow_up_form_in_the_admin_does_not_offer_scheduled(desk_client):
    request = make_telehealth_request()
    response = desk_client.post(
        f"/admin/appointments/telehealthrequest/{request.pk}/change/", {"status": "scheduled", "close_reason": "", "notes": "Hi"}
    )
    assert response.status_code == 200
    assert "Schedule a video visit" in response.context["adminform"].form.errors["status"][0]
    assert TelehealthRequest.objects.values_list("status", "notes").get() == ("new", "")


def test_closing_in_the_admin_needs_a_reason_and_keeps_the_notes(desk_client):
    request = make_telehealth_request()
    url = f"/admin/appointments/telehealthrequest/{request.pk}/change/"
    response = desk_client.post(url, {"status": "closed", "close_reason": "", "notes": "Called twice"})
    assert response.context["adminform"].form.errors["close_reason"] == ["Choose why the request is closed."]
    assert desk_client.post(url, {"status": "closed", "close_reason": "not_reached", "notes": "Called twice"}).status_code == 302
    assert TelehealthRequest.objects.values_list("status", "close_reason", "notes").get() == ("closed", "not_reached", "Called twice")


# --- One date-of-birth rule for patients and staff ----------------------------------------------


def dates_of_birth():
    today = timezone.localdate()
    return [
        (today, False), (today + timedelta(days=1), False), (today - timedelta(days=1), True),
        (years_before(today, 120), False), (years_before(today, 120) + timedelta(days=1), True),
    ]


@pytest.mark.parametrize("born, accepted", dates_of_birth(), ids=["today", "tomorrow", "yesterday", "120 years", "just under 120"])
def test_the_patient_forms_the_staff_form_and_the_model_agree_on_a_date_of_birth(born, accepted, desk_client):
    patient_form = PatientDetailsForm({"date_of_birth": born.strftime("%m/%d/%Y")})
    telehealth_form = TelehealthRequestForm({"date_of_birth": born.strftime("%m/%d/%Y")}, allowed_states=["MD"])
    patient_form.is_valid(), telehealth_form.is_valid()
    assert ("date_of_birth" not in patient_form.errors) is accepted
    assert ("date_of_birth" not in telehealth_form.errors) is accepted

    staff_form = desk_client.get("/admin/appointments/appointment/add/").context["adminform"].form
    staff_form = type(staff_form)({"date_of_birth": born.isoformat()})
    staff_form.is_valid()
    assert ("date_of_birth" not in staff_form.errors) is accepted

    appointment = Appointment(date_of_birth=born)
    try:
        appointment.clean_fields(exclude=[name for name in CONTACT_FIELDS if name != "date_of_birth"] + ["provider", "visit_type",
                                          "starts_at", "ends_at", "reference"])
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert model_accepts is accepted


# --- Text that ends up in an email header is on one line ----------------------------------------


def test_a_practice_name_with_a_line_break_is_refused_in_the_admin(editor_client):
    practice = make_practice()
    data = {
        "name": "Spine\r\nBcc: everyone@example.com", "specialties": practice.specialties, "phone": "(301) 555-0142",
        "email": "", "street_address": "1 Test Street", "city": "Gaithersburg", "state": "MD", "postal_code": "20878",
        "directions_url": "", "office_hours-TOTAL_FORMS": "0", "office_hours-INITIAL_FORMS": "0",
    }
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == ["Please write this on one line, without line breaks or tabs."]
    assert Practice.objects.get().name == "Test Spine Practice"


def test_a_line_break_saved_by_a_script_still_leaves_every_email_sendable(settings):
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    Practice.objects.filter(pk=make_practice().pk).update(name="Spine\nand Rehab")  # past the model's rule
    provider = make_provider()
    appointment = make_appointment(visit_type=make_visit_type(providers=[provider]), provider=provider, status="requested")
    booking.confirm(appointment)
    deliver_outbox()
    assert OutboxMessage.objects.get().status == "sent"
    assert mail.outbox[0].subject == "Appointment confirmed — Spine and Rehab"


# --- The patient's details are defined once ------------------------------------------------------


def test_appointments_requests_forms_and_the_audit_log_share_the_patients_details():
    assert CONTACT_FIELDS == (
        "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason", "consent_to_contact",
    )
    for model in (Appointment, TelehealthRequest):
        assert set(CONTACT_FIELDS) <= {field.name for field in model._meta.fields}
    assert set(CONTACT_FIELDS) <= set(PatientDetailsForm.base_fields)
    assert set(CONTACT_FIELDS) <= set(MASKED_FIELDS)


def test_a_request_hands_its_patient_to_the_visit_booked_for_it():
    request = make_telehealth_request(date_of_birth=date(1958, 7, 14))
    assert request.contact_details() == {name: getattr(request, name) for name in CONTACT_FIELDS}


def test_a_closed_requests_reason_can_be_corrected_in_the_admin(desk_client):
    request = make_telehealth_request(status="closed", close_reason="duplicate")
    url = f"/admin/appointments/telehealthrequest/{request.pk}/change/"
    assert desk_client.post(url, {"status": "closed", "close_reason": "not_reached", "notes": ""}).status_code == 302
    assert TelehealthRequest.objects.get().close_reason == "not_reached"


def test_the_admin_shows_why_a_request_with_a_booked_visit_keeps_its_status(desk_client):
    visit = make_appointment(modality="video")
    request = make_telehealth_request(status="scheduled", appointment=visit)
    url = f"/admin/appointments/telehealthrequest/{request.pk}/change/"
    response = desk_client.post(url, {"status": "contacted", "close_reason": "", "notes": "Typed notes"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["status"] == [telehealth.HAS_A_VISIT]
    assert form["notes"].value() == "Typed notes"
    assert TelehealthRequest.objects.values_list("status", "notes").get() == ("scheduled", "")
