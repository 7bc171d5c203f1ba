"""Patient records (appointments.patients, the front desk's PatientAdmin): the matching rule, what a
patient sees, corrections that the next email follows, the masked audit, merging, the optional
no-show rule, the history and the linking of records made before patient records."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments import booking, notifications, patients, telehealth
from appointments.models import Appointment, OutboxMessage, Patient, TelehealthRequest
from tests.factories import (
    at,
    make_appointment,
    make_telehealth_request,
    next_monday,
    set_booking_settings,
)

pytestmark = pytest.mark.django_db

ROSALIND = {
    "first_name": "Rosalind",
    "last_name": "Quigley",
    "date_of_birth": date(1958, 7, 14),
    "phone": "+13015550188",
    "email": "rosalind.quigley@example.com",
    "is_new_patient": False,
    "consent_to_contact": True,
}
PATIENT_LIST = "/admin/appointments/patient/"


def book_online(visit_type, hour=10, day=None, **details):
    return booking.book(
        visit_type=visit_type, modality="in_office", starts_at=at(day or next_monday(), hour), patient={**ROSALIND, **details},
    )


def past_visit(visit_type, provider, days_ago, status, **details):
    return make_appointment(
        visit_type=visit_type, provider=provider, status=status,
        starts_at=at(timezone.localdate() - timedelta(days=days_ago), 10), **{**ROSALIND, **details},
    )


# --- The matching rule ------------------------------------------------------------------------


def test_an_online_booking_joins_the_record_with_the_same_birthday_names_and_email(visit_type):
    first = book_online(visit_type, 10).appointment
    second = book_online(visit_type, 11, phone="+13015550111").appointment

    assert first.patient_id == second.patient_id
    assert Patient.objects.count() == 1


def test_an_online_booking_joins_the_record_with_the_same_birthday_names_and_phone(visit_type):
    first = book_online(visit_type, 10).appointment
    second = book_online(visit_type, 11, email="ros.q@example.org").appointment

    assert first.patient_id == second.patient_id


def test_case_accents_and_spaces_in_names_do_not_matter_for_the_match(visit_type):
    first = book_online(visit_type, 10, first_name="Sofía", last_name="Núñez").appointment
    second = book_online(visit_type, 11, first_name="  SOFIA ", last_name="nunez", email="ROSALIND.QUIGLEY@example.com").appointment

    assert first.patient_id == second.patient_id


@pytest.mark.parametrize("difference", [
    {"first_name": "Rosamund"},  # twins: same birthday, last name and parent's phone
    {"date_of_birth": date(1958, 7, 15)},
    {"last_name": "Quigly"},
    {"email": "someone.else@example.com", "phone": "+13015550111"},  # same name and birthday, nothing else shared
])
def test_anything_less_than_the_whole_rule_makes_a_new_record(visit_type, difference):
    first = book_online(visit_type, 10).appointment
    second = book_online(visit_type, 11, **difference).appointment

    assert first.patient_id != second.patient_id
    assert Patient.objects.count() == 2


def test_joining_a_record_changes_nothing_of_it(visit_type):
    first = book_online(visit_type, 10).appointment
    book_online(visit_type, 11, phone="+13015550111")  # the same email: joins, with another phone

    record = Patient.objects.get()
    assert (record.phone, record.email) == (first.phone, first.email)


def test_a_match_shows_the_patient_nothing_of_the_other_visits_of_the_record(client, site_and_mail, visit_type):
    """Someone who knows Rosalind's name, birthday and phone books with their own email: the booking
    joins her record, yet their page and their email hold their own visit only."""
    hers = book_online(visit_type, 10, reason="Left knee pain").appointment
    theirs = book_online(visit_type, 14, email="other.person@example.com")
    assert theirs.appointment.patient_id == hers.patient_id

    page = client.get(reverse("appointments:manage", kwargs={"token": theirs.manage_token})).content.decode()
    emails = " ".join(f"{message.subject} {message.body}" for message in OutboxMessage.objects.filter(to="other.person@example.com"))

    assert theirs.appointment.reference in page and theirs.appointment.reference in emails
    for text in (page, emails):
        assert hers.reference not in text
        assert "rosalind.quigley@example.com" not in text
        assert "Left knee pain" not in text


def test_a_telehealth_request_links_its_patient_and_its_visit_keeps_that_record(visit_type, provider):
    earlier = book_online(visit_type, 10).appointment
    request = telehealth.request_call_back({**ROSALIND, "state": "MD", "preferred_days": "", "preferred_times": ""})
    assert request.patient_id == earlier.patient_id

    booked = telehealth.schedule_from_request(
        request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 15), patient=ROSALIND,
        modality="in_office",
    )

    assert booked.appointment.patient_id == earlier.patient_id


def test_staff_booking_for_a_chosen_record_links_that_record_whatever_the_details(visit_type, provider):
    chosen = patients.create_patient({**ROSALIND, "email": "record@example.com", "phone": "+13015550111"})

    booked = booking.book_for_staff(
        provider=provider, visit_type=visit_type, modality="in_office", starts_at=at(next_monday(), 10),
        patient={**ROSALIND, "first_name": "Ros"}, patient_record=chosen,
    )

    assert booked.appointment.patient == chosen
    assert Patient.objects.count() == 1


def test_staff_booking_from_the_patient_record_fills_the_form_and_shows_the_no_shows(desk_client, visit_type, provider):
    no_show = past_visit(visit_type, provider, 40, Appointment.Status.NO_SHOW)
    record = no_show.patient

    page = desk_client.get(f"/admin/appointments/appointment/add/?patient={record.pk}")

    form = page.context["adminform"].form
    assert form.initial["patient"] == str(record.pk) and form.initial["email"] == ROSALIND["email"]
    assert "<strong>1 no-show</strong>" in page.content.decode()

    starts_at = timezone.localtime(at(next_monday(), 10))
    response = desk_client.post("/admin/appointments/appointment/add/", {
        "patient": str(record.pk), "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "in_office",
        "starts_at_0": starts_at.strftime("%Y-%m-%d"), "starts_at_1": "10:00:00",
        "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": "1958-07-14", "phone": "(301) 555-0188",
        "email": ROSALIND["email"], "reason": "", "coverage": "uninsured",
    }, follow=True)

    booked = Appointment.objects.get(starts_at=at(next_monday(), 10))
    assert booked.patient == record
    assert "1 no-show" in response.content.decode()  # said again once booked


def test_booking_from_a_free_time_with_only_the_records_number_takes_the_records_details(desk_client, visit_type, provider):
    record = patients.create_patient({**ROSALIND, "email": "record@example.com", "phone": "+13015550111"})
    starts_at = timezone.localtime(at(next_monday(), 10))

    desk_client.post("/admin/appointments/appointment/add/", {
        "patient": str(record.pk), "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "in_office",
        "starts_at_0": starts_at.strftime("%Y-%m-%d"), "starts_at_1": "10:00:00", "reason": "", "coverage": "uninsured",
    })

    booked = Appointment.objects.get(starts_at=at(next_monday(), 10))
    assert booked.patient == record
    assert (booked.first_name, booked.email, booked.phone, booked.date_of_birth) == (
        record.first_name, "record@example.com", "+13015550111", record.date_of_birth,
    )


def test_the_appointment_page_shows_the_patient_record_and_its_no_shows(desk_client, visit_type, provider):
    past_visit(visit_type, provider, 40, Appointment.Status.NO_SHOW)
    past_visit(visit_type, provider, 20, Appointment.Status.NO_SHOW)
    upcoming = make_appointment(visit_type=visit_type, provider=provider, **ROSALIND)

    page = desk_client.get(f"/admin/appointments/appointment/{upcoming.pk}/change/").content.decode()

    assert "<strong>2 no-shows</strong>" in page
    assert upcoming.patient.get_admin_url() in page


# --- Correcting details -----------------------------------------------------------------------


def correction_form(patient, **changes):
    return {
        "first_name": patient.first_name, "last_name": patient.last_name, "date_of_birth": patient.date_of_birth.isoformat(),
        "phone": patient.phone, "email": patient.email, **changes,
    }


def test_correcting_the_email_sends_the_next_email_to_the_new_address(desk_client, site_and_mail, visit_type, provider):
    upcoming = book_online(visit_type, 10).appointment
    earlier = past_visit(visit_type, provider, 30, Appointment.Status.COMPLETED)
    record = upcoming.patient
    assert earlier.patient == record

    old_link = Appointment.objects.get(pk=upcoming.pk).manage_url()
    response = desk_client.post(record.get_admin_url(), correction_form(record, email="rosalind.q@example.net"))
    assert response.status_code == 302

    # The link went to the wrong address: a new one goes to the corrected address, the old one stops working.
    new_link = OutboxMessage.objects.get(appointment=upcoming, kind=notifications.PATIENT_NEW_LINK)
    assert new_link.to == "rosalind.q@example.net"
    assert Client().get(old_link).status_code == 404
    booking.cancel(Appointment.objects.get(pk=upcoming.pk), by_patient=False)
    cancelled = OutboxMessage.objects.filter(appointment=upcoming, kind="patient_cancelled").get()
    assert cancelled.to == "rosalind.q@example.net"
    assert Patient.objects.get().email == "rosalind.q@example.net"
    earlier.refresh_from_db()
    assert earlier.email == ROSALIND["email"]  # a past visit keeps the details it was booked with


def test_a_correction_reaches_open_telehealth_requests_but_not_closed_ones(visit_type):
    record = book_online(visit_type, 10).appointment.patient
    open_request = make_telehealth_request(patient=record, **{k: v for k, v in ROSALIND.items() if k != "is_new_patient"})
    closed = make_telehealth_request(
        patient=record, status=TelehealthRequest.Status.CLOSED, close_reason=TelehealthRequest.CloseReason.NOT_REACHED,
    )

    patients.correct_contact(record, {"phone": "(301) 555-0123"})

    open_request.refresh_from_db(), closed.refresh_from_db()
    assert open_request.phone == "+13015550123"
    assert closed.phone == "+13015550188"


def test_a_correction_is_audited_naming_the_fields_never_their_values(desk_client, visit_type):
    record = book_online(visit_type, 10).appointment.patient
    desk_client.post(record.get_admin_url(), correction_form(record, email="rosalind.q@example.net", phone="(301) 555-0123"))

    [entry] = LogEntry.objects.get_for_object(record).filter(action=LogEntry.Action.UPDATE)
    assert {"email", "phone", "phone_digits"} <= set(entry.changes_dict)
    assert all(values == ["[hidden]", "[hidden]"] for values in entry.changes_dict.values())
    text = " ".join(str(getattr(row, field.attname)) for row in LogEntry.objects.all() for field in LogEntry._meta.concrete_fields)
    for value in ("rosalind.q", "example.net", "555-0123", "5550123", "5550188", "Rosalind", "Quigley", "07/14/1958", "1958-07-14"):
        assert value not in text
    appointment_entry = LogEntry.objects.get_for_object(record.appointments.get()).get(action=LogEntry.Action.UPDATE)
    assert "email" in appointment_entry.changes_dict


def test_a_correction_keeps_the_search_copies_up_to_date(visit_type):
    record = book_online(visit_type, 10).appointment.patient

    patients.correct_contact(record, {"first_name": "Rosalínd", "phone": "+13015550123"})

    record.refresh_from_db()
    assert (record.search_name, record.phone_digits) == ("rosalind quigley", "13015550123")


def test_a_bad_correction_is_refused_next_to_the_field_and_nothing_changes(desk_client, visit_type):
    record = book_online(visit_type, 10).appointment.patient

    response = desk_client.post(record.get_admin_url(), correction_form(record, phone="12", email="rosalind.q@example.net"))

    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    record.refresh_from_db()
    assert record.email == ROSALIND["email"]


# --- Merging ------------------------------------------------------------------------------------


def two_records_of_rosalind(visit_type, provider):
    keep = book_online(visit_type, 10).appointment.patient
    # The same person booked with a new email and a new phone: the rule could not tell, so a second record.
    duplicate_visit = book_online(visit_type, 11, email="ros@example.org", phone="+13015550111").appointment
    request = make_telehealth_request(patient=duplicate_visit.patient)
    return keep, duplicate_visit.patient, duplicate_visit, request


def merge_action(client, chosen, **extra):
    return client.post(PATIENT_LIST, {
        "action": "merge_patients", ACTION_CHECKBOX_NAME: [patient.pk for patient in chosen], "index": "0", **extra,
    })


def test_merging_moves_visits_and_requests_to_the_record_kept_and_deletes_the_duplicate(desk_client, visit_type, provider):
    keep, duplicate, duplicate_visit, request = two_records_of_rosalind(visit_type, provider)

    asked = merge_action(desk_client, [keep, duplicate])
    assert asked.status_code == 200 and "Record to keep" in asked.content.decode()
    merged = merge_action(desk_client, [keep, duplicate], post="yes", keep=str(keep.pk))

    assert merged.status_code == 302
    assert list(Patient.objects.all()) == [keep]
    duplicate_visit.refresh_from_db(), request.refresh_from_db()
    assert duplicate_visit.patient == keep and request.patient == keep
    assert LogEntry.objects.filter(action=LogEntry.Action.DELETE, content_type__model="patient", object_pk=str(duplicate.pk)).exists()
    assert LogEntry.objects.get_for_object(duplicate_visit).filter(action=LogEntry.Action.UPDATE).exists()


def test_merging_without_choosing_the_record_to_keep_changes_nothing(desk_client, visit_type, provider):
    keep, duplicate, *_ = two_records_of_rosalind(visit_type, provider)

    response = merge_action(desk_client, [keep, duplicate], post="yes")

    assert response.status_code == 200 and "Choose the record to keep." in response.content.decode()
    assert Patient.objects.count() == 2


def test_merging_a_record_into_itself_is_refused(visit_type):
    record = book_online(visit_type, 10).appointment.patient

    with pytest.raises(patients.MergeRefused):
        patients.merge(record, record)


def test_merging_records_with_different_dates_of_birth_is_refused_and_changes_nothing(desk_client, visit_type, provider):
    keep, duplicate, duplicate_visit, _ = two_records_of_rosalind(visit_type, provider)
    Patient.objects.filter(pk=duplicate.pk).update(date_of_birth=date(1964, 1, 6))

    response = merge_action(desk_client, [keep, duplicate], post="yes", keep=str(keep.pk))

    told = response.content.decode() if response.status_code == 200 else desk_client.get(response["Location"]).content.decode()
    assert "different dates of birth" in told
    assert Patient.objects.count() == 2
    duplicate_visit.refresh_from_db()
    assert duplicate_visit.patient_id == duplicate.pk


# --- The no-show rule -------------------------------------------------------------------------


def test_the_no_show_rule_is_off_by_default(visit_type, provider):
    set_booking_settings(requires_confirmation=False)
    for days_ago in (10, 20, 30):
        past_visit(visit_type, provider, days_ago, Appointment.Status.NO_SHOW)

    assert book_online(visit_type, 10).appointment.status == Appointment.Status.CONFIRMED


def test_with_the_no_show_rule_a_patient_with_too_many_recent_no_shows_books_a_request(visit_type, provider):
    set_booking_settings(requires_confirmation=False, no_show_limit=2, no_show_months=6)
    past_visit(visit_type, provider, 30, Appointment.Status.NO_SHOW)
    past_visit(visit_type, provider, 60, Appointment.Status.NO_SHOW)

    assert book_online(visit_type, 10).appointment.status == Appointment.Status.REQUESTED
    # Someone else, with no no-shows, is still confirmed at once.
    assert book_online(visit_type, 11, first_name="Ada", email="ada@example.com", phone="+13015550111").appointment.status == (
        Appointment.Status.CONFIRMED
    )


def test_no_shows_older_than_the_rule_counts_do_not_count(visit_type, provider):
    set_booking_settings(requires_confirmation=False, no_show_limit=2, no_show_months=6)
    past_visit(visit_type, provider, 30, Appointment.Status.NO_SHOW)
    past_visit(visit_type, provider, 400, Appointment.Status.NO_SHOW)

    assert book_online(visit_type, 10).appointment.status == Appointment.Status.CONFIRMED


# --- History ------------------------------------------------------------------------------------


def test_the_history_counts_visits_cancellations_late_cancellations_and_no_shows(desk_client, visit_type, provider):
    set_booking_settings(cancellation_cutoff_hours=24)
    past_visit(visit_type, provider, 90, Appointment.Status.COMPLETED)
    past_visit(visit_type, provider, 60, Appointment.Status.NO_SHOW)
    early = past_visit(visit_type, provider, 30, Appointment.Status.CANCELLED)
    late = past_visit(visit_type, provider, 20, Appointment.Status.CANCELLED)
    Appointment.objects.filter(pk=early.pk).update(cancelled_at=early.starts_at - timedelta(days=3))
    Appointment.objects.filter(pk=late.pk).update(cancelled_at=late.starts_at - timedelta(hours=2))
    record = early.patient

    history = patients.history_of(record)
    assert (history.visit_count, history.completed, history.no_shows, history.cancelled, history.late_cancellations) == (4, 1, 1, 2, 1)

    page = desk_client.get(record.get_admin_url()).content.decode()
    assert page.count("(late: inside the cancellation cut-off)") == 1
    assert "4 visits, <strong>1 no-show</strong>, 1 late cancellation" in page
    listed = desk_client.get(PATIENT_LIST).context["cl"].result_list
    assert [(row.visit_count, row.no_show_count) for row in listed] == [(4, 1)]


def test_a_cancellation_records_when_it_happened(visit_type):
    visit = book_online(visit_type, 10).appointment

    booking.cancel(visit, by_patient=False, now=visit.starts_at - timedelta(hours=3))

    visit.refresh_from_db()
    assert visit.cancelled_at == visit.starts_at - timedelta(hours=3)
    assert patients.history_of(visit.patient).late_cancellations == 1


def test_opening_a_patient_record_is_audited(desk_client, visit_type):
    record = book_online(visit_type, 10).appointment.patient
    LogEntry.objects.all().delete()

    desk_client.get(record.get_admin_url())

    assert LogEntry.objects.get_for_object(record).filter(action=LogEntry.Action.ACCESS).count() == 1


# --- Records made before patient records -----------------------------------------------------


def test_the_migration_links_earlier_visits_and_requests_by_the_same_rule(visit_type, provider):
    from importlib import import_module

    link_patients = import_module("appointments.migrations.0027_link_patient_records").link_patients
    hers = [past_visit(visit_type, provider, days, Appointment.Status.COMPLETED, patient=None) for days in (30, 20)]
    by_phone = past_visit(visit_type, provider, 10, Appointment.Status.COMPLETED, patient=None, email="new@example.com")
    twin = past_visit(visit_type, provider, 5, Appointment.Status.COMPLETED, patient=None, first_name="Rosamund")
    request = make_telehealth_request(patient=None, **{k: v for k, v in ROSALIND.items() if k != "is_new_patient"})
    cancelled = past_visit(visit_type, provider, 3, Appointment.Status.CANCELLED, patient=None, first_name="Rosamund")

    link_patients(apps, None)

    rows = [*hers, by_phone, twin, request, cancelled]
    for row in rows:
        row.refresh_from_db()
    assert len({hers[0].patient_id, hers[1].patient_id, by_phone.patient_id, request.patient_id}) == 1
    assert twin.patient_id == cancelled.patient_id != hers[0].patient_id
    assert Patient.objects.count() == 2
    assert cancelled.cancelled_at == cancelled.updated_at
    assert Patient.objects.get(pk=twin.patient_id).search_name == "rosamund quigley"


def test_the_front_desk_adds_a_patient_record_with_its_search_copies(desk_client):
    response = desk_client.post(PATIENT_LIST + "add/", {
        "first_name": "Zoé", "last_name": "Ångström", "date_of_birth": "1990-05-06", "phone": "(240) 555-0134",
        "email": "zoe@example.com",
    })

    assert response.status_code == 302
    record = Patient.objects.get()
    assert (record.phone, record.search_name, record.phone_digits) == ("+12405550134", "zoe angstrom", "12405550134")


def test_a_new_patient_record_with_a_bad_date_of_birth_is_refused_next_to_the_field(desk_client):
    response = desk_client.post(PATIENT_LIST + "add/", {
        "first_name": "Zoé", "last_name": "Ångström", "date_of_birth": "2990-05-06", "phone": "(240) 555-0134",
        "email": "zoe@example.com",
    })

    assert response.status_code == 200
    assert "date_of_birth" in response.context["adminform"].form.errors
    assert not Patient.objects.exists()


@pytest.mark.parametrize("query", ["?patient=garbage", "?patient=999999", "?patient=-1", "?patient=%00", "?patient=1&patient=2"])
def test_the_booking_form_opened_with_an_odd_patient_in_its_address_still_opens(desk_client, query):
    response = desk_client.get("/admin/appointments/appointment/add/" + query)

    assert response.status_code == 200
    assert "Patient record:" not in response.content.decode()


@pytest.mark.parametrize("query", ["?q=%00", "?q=" + "9" * 500, "?o=99", "?q=12/45/2020", "?q=0000-00-00"])
def test_the_patient_list_answers_odd_addresses(desk_client, query):
    assert desk_client.get(PATIENT_LIST + query, follow=True).status_code == 200


def test_a_booking_form_sent_back_shows_the_no_shows_of_the_record_the_details_match(desk_client, visit_type, provider):
    past_visit(visit_type, provider, 40, Appointment.Status.NO_SHOW)
    starts_at = timezone.localtime(at(next_monday(), 10))

    response = desk_client.post("/admin/appointments/appointment/add/", {
        "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "in_office",
        "starts_at_0": starts_at.strftime("%Y-%m-%d"), "starts_at_1": "10:00:00",
        "first_name": "ROSALIND", "last_name": "Quigley", "date_of_birth": "1958-07-14", "phone": "(301) 555-0188",
        "email": "another@example.com", "reason": "", "coverage": "",  # not asked yet: the form comes back
    })

    page = response.content.decode()
    assert response.status_code == 200 and "coverage" in response.context["adminform"].form.errors
    assert "The details typed match a record" in page and "<strong>1 no-show</strong>" in page


def test_scheduling_a_telehealth_request_shows_its_patient_record(desk_client, visit_type, provider):
    past_visit(visit_type, provider, 40, Appointment.Status.NO_SHOW)
    request = make_telehealth_request(**{k: v for k, v in ROSALIND.items() if k != "is_new_patient"})

    page = desk_client.get(f"/admin/appointments/appointment/add/?telehealth_request={request.pk}").content.decode()

    assert "<strong>1 no-show</strong>" in page
    assert request.patient.get_admin_url() in page
