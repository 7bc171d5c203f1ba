"""The functions that change appointments and telehealth requests (appointments.booking and
appointments.telehealth), called as the admin, the views and the commands call them: each
refuses what its rule forbids with a message, changes nothing then, and otherwise leaves the
row and its emails as they should be."""

from datetime import date, timedelta

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from appointments import booking, telehealth
from appointments.booking import BookingRefused
from appointments.consent import TELEHEALTH_CONSENT_VERSION
from appointments.models import Appointment, OutboxMessage, TelehealthRequest
from tests.factories import (
    at,
    consented,
    make_appointment,
    make_telehealth_request,
    make_visit_type,
    next_monday,
)

pytestmark = pytest.mark.django_db

PATIENT = {
    "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": date(1958, 7, 14), "phone": "+13015550188",
    "email": "rosalind.quigley@example.com", "is_new_patient": True, "consent_to_contact": True,
}


def kinds():
    return sorted(OutboxMessage.objects.values_list("kind", flat=True))


def refused(function, *args, **kwargs) -> BookingRefused:
    with pytest.raises(BookingRefused) as refusal:
        function(*args, **kwargs)
    return refusal.value


# --- Staff booking ------------------------------------------------------------------------------


def test_book_for_staff_confirms_at_once_and_emails_only_the_patient(visit_type, provider):
    booked = booking.book_for_staff(
        provider=provider, visit_type=visit_type, modality="in_office", starts_at=at(next_monday(), 10), patient=PATIENT,
    )
    appointment = Appointment.objects.get()
    assert appointment == booked.appointment
    assert (appointment.status, appointment.source, appointment.ends_at) == ("confirmed", "staff", at(next_monday(), 10, 30))
    assert appointment.manage_nonce and booked.manage_token
    assert kinds() == ["patient_confirmed"]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"date_of_birth": date(2090, 1, 1)}, "date_of_birth", "The date of birth must be in the past."),
        ({"first_name": "Rosa\nlind"}, "first_name", "Please write this on one line, without line breaks or tabs."),
        ({"email": "not an address"}, "email", "Enter a valid email address."),
    ],
)
def test_book_for_staff_refuses_patient_details_the_model_refuses_and_saves_nothing(visit_type, provider, change, field, message):
    refusal = refused(
        booking.book_for_staff, provider=provider, visit_type=visit_type, modality="in_office",
        starts_at=at(next_monday(), 10), patient={**PATIENT, **change},
    )
    assert (refusal.field, refusal.message) == (field, message)
    assert not Appointment.objects.exists() and not OutboxMessage.objects.exists()


def test_book_for_staff_refuses_a_video_visit_with_a_provider_who_does_not_see_patients_by_video(visit_type, provider):
    provider.offers_telehealth = False
    provider.save()
    refusal = refused(
        booking.book_for_staff, provider=provider, visit_type=visit_type, modality="video", starts_at=at(next_monday(), 10),
        patient=PATIENT,
    )
    assert (refusal.field, refusal.message) == ("provider", "Dana Whitfield, MD does not see patients by video.")
    assert not Appointment.objects.exists()


# --- Confirm, cancel, outcome --------------------------------------------------------------------


def test_confirm_confirms_a_request_and_tells_the_patient_once(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider, status="requested")
    booking.confirm(appointment)
    assert Appointment.objects.get().status == "confirmed"
    assert kinds() == ["patient_confirmed"]

    refusal = refused(booking.confirm, appointment)  # a second desk, a second click
    assert refusal.message == f"This visit ({appointment.reference}) is already confirmed: the patient has their confirmation."
    assert kinds() == ["patient_confirmed"]


def test_confirm_refuses_a_request_whose_visit_is_over(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider, status="requested")
    refused(booking.confirm, appointment, now=appointment.ends_at)
    assert Appointment.objects.get().status == "requested"
    assert not OutboxMessage.objects.exists()


def test_a_patient_cancelling_twice_changes_nothing_the_second_time(visit_type, provider, settings):
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday() + timedelta(days=7), 10))
    booking.cancel(appointment, by_patient=True)
    booking.cancel(appointment, by_patient=True)
    assert Appointment.objects.get().status == "cancelled"
    assert kinds() == ["patient_cancelled", "staff_cancelled"]


def test_staff_cannot_cancel_a_visit_that_is_over_or_already_cancelled(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    assert refused(booking.cancel, appointment, by_patient=False, now=appointment.ends_at).message == (
        "Only requested or confirmed visits that are not over yet can be cancelled."
    )
    booking.cancel(appointment, by_patient=False)
    refused(booking.cancel, appointment, by_patient=False)
    assert kinds() == ["patient_cancelled"]


@pytest.mark.parametrize("outcome, label", [("completed", "completed"), ("no_show", "no-show")])
def test_an_outcome_is_recorded_once_the_visit_has_started_and_emails_no_one(visit_type, provider, outcome, label):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    refusal = refused(booking.record_outcome, appointment, outcome)
    assert refusal.message == f"Only requested or confirmed visits that have started can be marked {label}."
    assert Appointment.objects.get().status == "confirmed"

    booking.record_outcome(appointment, outcome, now=appointment.starts_at)
    assert Appointment.objects.get().status == outcome
    assert not OutboxMessage.objects.exists()


def test_an_outcome_must_be_completed_or_no_show(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    with pytest.raises(ValueError):
        booking.record_outcome(appointment, "cancelled", now=appointment.starts_at)
    assert Appointment.objects.get().status == "confirmed"


# --- Moving ----------------------------------------------------------------------------------------


def test_staff_move_a_visit_to_another_visit_type_and_the_length_follows(visit_type, provider):
    longer = make_visit_type(providers=[provider], name="New patient consultation", duration_minutes=45)
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 10))
    booking.move(appointment, starts_at=at(next_monday(), 14), by_patient=False, visit_type=longer)
    moved = Appointment.objects.get()
    assert (moved.visit_type, moved.starts_at, moved.ends_at, moved.status) == (longer, at(next_monday(), 14), at(next_monday(), 14, 45), "confirmed")
    assert kinds() == ["patient_rescheduled"]


def test_staff_moving_onto_another_visit_is_refused_with_the_reason_and_nothing_changes(visit_type, provider):
    other = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 14))
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 10))
    refusal = refused(booking.move, appointment, starts_at=at(next_monday(), 14, 15), by_patient=False)
    assert refusal.field == "starts_at"
    assert refusal.message == f"Dana Whitfield, MD already has appointment {other.reference} from 14:00 to 14:30."
    assert Appointment.objects.get(pk=appointment.pk).starts_at == at(next_monday(), 10)
    assert not OutboxMessage.objects.exists()


def test_a_patient_cannot_move_a_visit_after_the_cut_off(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=timezone.now() + timedelta(hours=3))
    # Past the change-of-mind grace after booking (30 minutes by default).
    later = appointment.created_at + timedelta(minutes=31)
    refusal = refused(booking.move, appointment, starts_at=at(next_monday() + timedelta(days=7), 10), by_patient=True, now=later)
    assert refusal.message == "It is too late to change this appointment online. Please call us."
    assert Appointment.objects.get().starts_at == appointment.starts_at


def test_a_video_link_of_its_own_must_be_a_web_address(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider, modality="video")
    refusal = refused(booking.change_video_link, appointment, "javascript:alert(1)")
    assert refusal.field == "video_link"
    assert Appointment.objects.get().video_link == ""

    booking.change_video_link(appointment, "https://video.example/room/7")
    assert Appointment.objects.get().video_link == "https://video.example/room/7"


# --- Telehealth requests ------------------------------------------------------------------------------


def test_a_call_back_request_is_saved_with_its_acknowledgement(settings):
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    request = telehealth.request_call_back({**PATIENT, "state": "MD", "preferred_days": "Monday", "preferred_times": ""})
    assert TelehealthRequest.objects.get() == request
    assert request.status == "new"
    assert kinds() == ["patient_telehealth_request", "staff_telehealth_request"]


def test_the_follow_up_contacted_closed_and_reopened():
    request = make_telehealth_request()
    telehealth.mark_contacted(request, notes="Left a message")
    assert TelehealthRequest.objects.values_list("status", "notes").get() == ("contacted", "Left a message")

    refusal = refused(telehealth.close, request, reason="")
    assert (refusal.field, refusal.message) == ("close_reason", "Choose why the request is closed.")
    assert TelehealthRequest.objects.get().status == "contacted"

    telehealth.close(request, reason="duplicate")
    assert TelehealthRequest.objects.values_list("status", "close_reason", "notes").get() == ("closed", "duplicate", "Left a message")

    telehealth.reopen(request)
    assert TelehealthRequest.objects.values_list("status", "close_reason").get() == ("new", "")


def test_scheduling_from_a_request_books_the_visit_and_links_it(visit_type, provider):
    request = make_telehealth_request()
    booked = telehealth.schedule_from_request(
        request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 10), patient=request.contact_details(),
        telehealth_consent=consented()["telehealth_consent"],
    )
    request.refresh_from_db()
    assert (request.status, request.appointment) == ("scheduled", booked.appointment)
    # The state the request gave, and the consent staff confirmed, with its wording's version.
    assert (booked.appointment.patient_state, booked.appointment.telehealth_consent_version) == ("MD", TELEHEALTH_CONSENT_VERSION)
    assert (booked.appointment.modality, booked.appointment.email) == ("video", request.email)
    assert kinds() == ["patient_confirmed"]
    with pytest.raises(ProtectedError):  # the visit of a scheduled request is cancelled, never deleted
        booked.appointment.delete()


def test_scheduling_a_request_that_is_closed_books_nothing(visit_type, provider):
    request = make_telehealth_request(status="closed", close_reason="duplicate")
    refusal = refused(
        telehealth.schedule_from_request, request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 10),
        patient=request.contact_details(),
    )
    assert refusal.message == telehealth.NO_LONGER_OPEN
    assert not Appointment.objects.exists() and not OutboxMessage.objects.exists()


def test_scheduling_at_a_taken_time_leaves_the_request_open(visit_type, provider):
    make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 10))
    request = make_telehealth_request()
    refused(
        telehealth.schedule_from_request, request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 10),
        patient=request.contact_details(),
    )
    request.refresh_from_db()
    assert (request.status, request.appointment) == ("new", None)
    assert Appointment.objects.count() == 1


def test_a_request_whose_visit_is_booked_keeps_its_status_until_the_visit_is_cancelled(visit_type, provider):
    request = make_telehealth_request()
    booked = telehealth.schedule_from_request(
        request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 10), patient=request.contact_details(),
        **consented(),
    )
    for follow_up in (telehealth.reopen, telehealth.mark_contacted, lambda r: telehealth.close(r, reason="duplicate")):
        assert refused(follow_up, request).message == telehealth.HAS_A_VISIT
    assert TelehealthRequest.objects.values_list("status", "appointment").get() == ("scheduled", booked.appointment.pk)
    telehealth.save_notes(request, notes="Patient asked for a morning")  # notes are always welcome

    booking.cancel(booked.appointment, by_patient=False)
    telehealth.reopen(request)
    again = telehealth.schedule_from_request(
        request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 14), patient=request.contact_details(),
        **consented(),
    )
    request.refresh_from_db()
    assert (request.status, request.appointment, request.notes) == ("scheduled", again.appointment, "Patient asked for a morning")
    assert Appointment.objects.active().get() == again.appointment


def test_a_request_saved_under_older_rules_can_still_be_followed_up():
    request = make_telehealth_request()
    TelehealthRequest.objects.filter(pk=request.pk).update(first_name="Ann\nMarie")  # before names had to be on one line
    telehealth.close(request, reason="not_reached", notes="Spam?")
    assert TelehealthRequest.objects.values_list("status", "first_name").get() == ("closed", "Ann\nMarie")


def test_a_call_back_request_obeys_the_models_rules_whoever_sends_it():
    refusal = refused(telehealth.request_call_back, {**PATIENT, "date_of_birth": date(2090, 1, 1), "state": "MD"})
    assert (refusal.field, refusal.message) == ("date_of_birth", "The date of birth must be in the past.")
    assert not TelehealthRequest.objects.exists() and not OutboxMessage.objects.exists()


# --- Nobody holds two visits at once ---------------------------------------------------------------


@pytest.mark.parametrize(
    "same_person", [{"email": "ROSALIND.QUIGLEY@example.com"}, {"email": "other@example.com", "first_name": "rosalind"}],
    ids=["same email", "same name and date of birth"],
)
def test_a_patient_cannot_book_a_second_visit_at_the_same_time(visit_type, provider, second_provider, same_person):
    starts_at = at(next_monday() + timedelta(days=7), 10)
    booking.book(visit_type=visit_type, modality="in_office", starts_at=starts_at, patient=PATIENT)
    refusal = refused(booking.book, visit_type=visit_type, modality="in_office", starts_at=starts_at + timedelta(minutes=15),
                      patient={**PATIENT, **same_person})
    assert refusal.message == booking.ALREADY_BOOKED_THEN  # says nothing of whether that person has a visit
    assert Appointment.objects.count() == 1
    # Another time, or another person at the same time, is fine.
    booking.book(visit_type=visit_type, modality="in_office", starts_at=starts_at + timedelta(hours=4), patient=PATIENT)
    booking.book(visit_type=visit_type, modality="in_office", starts_at=starts_at,
                 patient={**PATIENT, "first_name": "Ann", "email": "ann@example.com"})
    assert Appointment.objects.count() == 3


def test_staff_are_told_which_visit_the_patient_already_has(visit_type, provider, second_provider):
    first = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 10), email=PATIENT["email"])
    refusal = refused(
        booking.book_for_staff, provider=second_provider, visit_type=visit_type, modality="in_office",
        starts_at=at(next_monday(), 10), patient=PATIENT,
    )
    assert (refusal.field, refusal.message) == ("starts_at", f"This patient already has appointment {first.reference} at that time.")


def test_a_visit_cannot_be_moved_onto_another_of_the_same_patient(visit_type, provider, second_provider):
    make_appointment(visit_type=visit_type, provider=second_provider, starts_at=at(next_monday(), 14), email=PATIENT["email"])
    moving = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 10), email=PATIENT["email"])
    refused(booking.move, moving, starts_at=at(next_monday(), 14), by_patient=False)
    assert Appointment.objects.get(pk=moving.pk).starts_at == at(next_monday(), 10)
