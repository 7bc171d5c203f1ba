"""The audit trail of patient records (django-auditlog): every view in the admin, change and
deletion of an appointment or telehealth request is recorded with who and when, and no
entry holds a patient's details. Only superusers can read it."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from appointments.models import Appointment, TelehealthRequest
from clinic.middleware import AuditlogMiddleware
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import (
    STAFF_VIDEO,
    at,
    make_appointment,
    make_staff,
    make_telehealth_request,
    make_visit_type,
    next_monday,
)

pytestmark = pytest.mark.django_db

# What the patient told us, in every form it could be written down in.
PATIENT = {
    "first_name": "Rosalind",
    "last_name": "Quigley",
    "date_of_birth": date(1958, 7, 14),
    "phone": "+13015550188",
    "email": "rosalind.quigley@example.com",
    "reason": "Left knee pain since March",
}
PATIENT_VALUES = [
    "Rosalind", "Quigley", "1958-07-14", "07/14/1958", "July 14, 1958", "+13015550188", "3015550188", "555-0188",
    "rosalind.quigley@example.com", "Left knee pain",
]


def patient_values_in(entry) -> list[str]:
    """The patient values found anywhere in an audit entry (changes, serialized data, repr, extra data...)."""
    text = " ".join(str(getattr(entry, field.attname)) for field in LogEntry._meta.concrete_fields)
    return [value for value in PATIENT_VALUES if value.lower() in text.lower()]


def entries_for(instance, action):
    return list(LogEntry.objects.get_for_object(instance).filter(action=action))


@pytest.fixture
def desk(client):
    user = make_staff("desk", group=FRONT_DESK)
    client.force_login(user)
    return user


@pytest.fixture
def appointment(provider):
    visit_type = make_visit_type(providers=[provider])
    return make_appointment(visit_type=visit_type, provider=provider, **PATIENT)


# --- Views --------------------------------------------------------------------------------


def test_opening_an_appointment_in_the_admin_writes_an_audit_row_with_no_patient_value(client, desk, appointment):
    LogEntry.objects.all().delete()  # the row the factory's save wrote

    response = client.get(f"/admin/appointments/appointment/{appointment.pk}/change/")

    assert response.status_code == 200 and "Quigley" in response.content.decode()
    [entry] = LogEntry.objects.all()
    assert (entry.action, entry.actor, entry.object_pk) == (LogEntry.Action.ACCESS, desk, str(appointment.pk))
    assert entry.content_type.model == "appointment"
    assert entry.object_repr == str(appointment)  # the reference and the time
    assert entry.remote_addr == "127.0.0.1"
    assert patient_values_in(entry) == []


def test_opening_a_telehealth_request_writes_an_audit_row_with_no_patient_value(client, desk):
    telehealth_request = make_telehealth_request(**PATIENT, notes="Prefers calls after 4pm")

    client.get(f"/admin/appointments/telehealthrequest/{telehealth_request.pk}/change/")

    [entry] = entries_for(telehealth_request, LogEntry.Action.ACCESS)
    assert entry.actor == desk
    assert patient_values_in(entry) == [] and "after 4pm" not in str(entry.changes)


def test_the_booking_form_filled_in_from_a_request_counts_as_opening_the_request(client, desk):
    telehealth_request = make_telehealth_request(**PATIENT)

    client.get("/admin/appointments/appointment/add/", {"telehealth_request": telehealth_request.pk})

    [entry] = entries_for(telehealth_request, LogEntry.Action.ACCESS)
    assert entry.actor == desk


def test_lists_and_refused_pages_write_no_access_rows(client, appointment):
    LogEntry.objects.all().delete()
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    assert client.get(f"/admin/appointments/appointment/{appointment.pk}/change/").status_code == 403
    client.force_login(make_staff("desk", group=FRONT_DESK))
    assert client.get("/admin/appointments/appointment/").status_code == 200
    assert not LogEntry.objects.exists()


# --- Changes and deletions --------------------------------------------------------------------------


def test_a_change_by_staff_records_who_and_masks_the_patients_fields(client, desk):
    telehealth_request = make_telehealth_request(**PATIENT)

    client.post(
        f"/admin/appointments/telehealthrequest/{telehealth_request.pk}/change/",
        {"status": "contacted", "close_reason": "", "notes": "Rosalind asked for a call after 4pm"},
    )

    [entry] = entries_for(telehealth_request, LogEntry.Action.UPDATE)
    assert entry.actor == desk
    assert entry.changes_dict == {"status": ["new", "contacted"], "notes": ["[hidden]", "[hidden]"]}
    assert patient_values_in(entry) == [] and "4pm" not in str(entry.changes)


def test_moving_a_visit_records_who_moved_it_and_from_when_to_when(client, desk, appointment):
    local = timezone.localtime(at(next_monday(), 14))
    client.post(f"/admin/appointments/appointment/{appointment.pk}/change/", {
        "provider": str(appointment.provider_id), "visit_type": str(appointment.visit_type_id), "modality": "in_office",
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"), "video_link": "",
    })

    [entry] = entries_for(appointment, LogEntry.Action.UPDATE)
    assert entry.actor == desk
    assert set(entry.changes_dict) >= {"starts_at", "ends_at"}
    assert patient_values_in(entry) == []


def test_a_staff_booking_from_a_request_records_both_rows_with_every_patient_field_hidden(client, desk, provider):
    telehealth_request = make_telehealth_request(**PATIENT)
    visit_type = make_visit_type(providers=[provider], by_video=True)
    local = timezone.localtime(at(next_monday(), 10))

    response = client.post(f"/admin/appointments/appointment/add/?telehealth_request={telehealth_request.pk}", {
        "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"), "video_link": "",
        "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": "1958-07-14", "phone": "(301) 555-0188",
        "email": "rosalind.quigley@example.com", "is_new_patient": "on", "reason": PATIENT["reason"],
        "consent_to_contact": "on", "telehealth_request": str(telehealth_request.pk), "_save": "Save", **STAFF_VIDEO,
        "coverage": "insurance", "insurance_plan_name": "Acme Health PPO",
    })

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.patient_state == "MD"
    [created] = entries_for(appointment, LogEntry.Action.CREATE)
    [linked] = entries_for(telehealth_request, LogEntry.Action.UPDATE)
    assert created.actor == linked.actor == desk
    assert created.changes_dict["last_name"] == ["[hidden]", "[hidden]"]
    assert linked.changes_dict == {"status": ["new", "scheduled"], "appointment": ["None", str(appointment.pk)]}
    assert patient_values_in(created) == [] and patient_values_in(linked) == []


def test_a_deletion_by_a_superuser_records_who_deleted_it(client, appointment):
    boss = make_staff("boss", superuser=True)
    client.force_login(boss)
    pk = appointment.pk

    response = client.post(f"/admin/appointments/appointment/{pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not Appointment.objects.filter(pk=pk).exists()
    [entry] = LogEntry.objects.filter(action=LogEntry.Action.DELETE, object_pk=str(pk))
    assert entry.actor == boss
    assert patient_values_in(entry) == []


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])  # the test client connects from 127.0.0.1
def test_the_address_recorded_is_the_one_our_proxy_saw_not_one_the_browser_wrote(client, desk, appointment):
    client.get(
        f"/admin/appointments/appointment/{appointment.pk}/change/", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7"
    )
    [entry] = entries_for(appointment, LogEntry.Action.ACCESS)
    assert entry.remote_addr == "198.51.100.7"


def test_patients_actions_are_recorded_without_a_name_or_an_address(rf):
    request = rf.get("/book/details/", REMOTE_ADDR="203.0.113.5")
    request.user = AnonymousUser()
    assert AuditlogMiddleware(lambda request: None).get_extra_data(request) == {
        "actor": None, "remote_addr": None, "remote_port": None,
    }


# --- Reading the trail ---------------------------------------------------------------------------


def test_only_superusers_read_the_audit_trail_and_it_shows_no_patient_value(client, appointment):
    client.force_login(make_staff("desk", group=FRONT_DESK))
    client.get(f"/admin/appointments/appointment/{appointment.pk}/change/")
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    pages = ["/admin/auditlog/logentry/", f"/admin/auditlog/logentry/{entry.pk}/change/"]

    for role in (FRONT_DESK, CONTENT_EDITORS):
        client.force_login(make_staff(f"user-{role}", group=role))
        assert [client.get(page).status_code for page in pages] == [403, 403]

    client.force_login(make_staff("boss", superuser=True))
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert appointment.reference in html
        assert [value for value in PATIENT_VALUES if value in html] == []
    assert client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_audit_trail_is_registered_for_both_patient_records():
    from auditlog.registry import auditlog

    assert auditlog.contains(Appointment) and auditlog.contains(TelehealthRequest)
    assert {"first_name", "last_name", "date_of_birth", "phone", "email", "reason"} <= set(
        auditlog.get_model_fields(Appointment)["mask_fields"]
    )
    assert {"notes", "state", "preferred_days"} <= set(auditlog.get_model_fields(TelehealthRequest)["mask_fields"])


def test_a_booking_or_a_request_is_one_creation_in_the_trail_not_a_creation_and_a_change(provider, visit_type):
    """Patient records are inserted without the patient's values and completed at once
    (models.patient.insert_without_patient_values): the trail shows one creation."""
    from appointments import booking, telehealth

    patient = {**PATIENT, "is_new_patient": True, "consent_to_contact": True}
    visit = booking.book(visit_type=visit_type, modality="in_office", starts_at=at(next_monday(), 10), patient=patient)
    request = telehealth.request_call_back({**patient, "state": "MD", "preferred_days": "Monday", "preferred_times": ""})
    for record in (visit.appointment, request):
        assert [entry.action for entry in LogEntry.objects.get_for_object(record)] == [LogEntry.Action.CREATE]
        assert all(patient_values_in(entry) == [] for entry in LogEntry.objects.get_for_object(record))
