"""The rules of `appointments.booking` for video visits and new patients (issue 12): a video
visit only with a clinician licensed where the patient will be, who is named to the patient,
with the patient's consent to telehealth recorded (when, and which wording); and a new patient
who chooses a treatment that starts with a consultation is refused with the way to it."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import booking, consent
from appointments.booking import NEEDS_CONSULTATION, OUT_OF_STATE, BookingRefused
from appointments.loader import video_states
from appointments.models import Appointment
from clinic.models import ProviderLicence
from clinic.us_states import state_names
from tests.factories import (
    at,
    consented,
    license_in,
    make_appointment,
    make_licence,
    make_provider,
    make_visit_type,
    weekday_after,
)

pytestmark = pytest.mark.django_db

PATIENT = {
    "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": date(1958, 7, 14), "phone": "+13015550188",
    "email": "rosalind.quigley@example.com", "is_new_patient": False,
}


@pytest.fixture
def video(clinic):
    """A follow-up by video with Dana (licensed in MD, VA and DC) and Marcus (MD only)."""
    return make_visit_type([clinic.dana, clinic.marcus], name="Video follow-up", slug="video-follow-up", in_office=True, by_video=True)


def refused(function, *args, **kwargs) -> BookingRefused:
    with pytest.raises(BookingRefused) as refusal:
        function(*args, **kwargs)
    return refusal.value


def book_video(visit_type, provider, state="MD", starts_at=None, **overrides):
    fields = {
        "visit_type": visit_type, "modality": "video", "starts_at": starts_at or at(weekday_after(3), 10), "patient": PATIENT,
        "provider_id": provider.pk, **consented(state),
    }
    fields.update(overrides)
    return booking.book(**fields)


# --- Who may see a patient by video, and where --------------------------------------------------

def test_a_video_visit_needs_the_state_the_patient_will_be_in(video):
    for state in (None, "", "ZZ", "md"):
        refusal = refused(booking.check_request, video, "video", None, patient_state=state)
        assert (refusal.field, refusal.message) == ("patient_state", booking.CHOOSE_A_STATE)


def test_only_clinicians_licensed_in_the_patients_state_are_offered(clinic, video):
    assert booking.check_request(video, "video", None, patient_state="MD") == [clinic.dana, clinic.marcus]
    assert booking.check_request(video, "video", None, patient_state="VA") == [clinic.dana]
    assert booking.check_request(video, "video", None, patient_state="DC") == [clinic.dana]
    # An office visit does not depend on where the patient lives.
    assert booking.check_request(video, "in_office", None) == [clinic.dana, clinic.marcus]


def test_a_patient_where_nobody_is_licensed_is_refused_with_the_states_where_they_are(video):
    refusal = refused(booking.check_request, video, "video", None, patient_state="PA")
    assert (refusal.field, refusal.code, refusal.details["states"]) == ("patient_state", OUT_OF_STATE, ["DC", "MD", "VA"])
    assert refusal.message == (
        "We are sorry: our clinicians can see you by video only while you are in Maryland, Virginia and the District of "
        "Columbia, where they are licensed, and not in Pennsylvania."
    )


def test_a_chosen_clinician_not_licensed_there_is_refused_by_name(clinic, video):
    refusal = refused(booking.check_request, video, "video", clinic.marcus.pk, patient_state="VA")
    assert refusal.field == "provider"
    assert refusal.message == "Marcus Ellery is not licensed in Virginia, so cannot see you by video there. Please choose another clinician."


def test_only_clinicians_who_see_patients_by_video_count(clinic, video):
    clinic.dana.offers_telehealth = False
    clinic.dana.save()
    assert booking.check_request(video, "video", None, patient_state="MD") == [clinic.marcus]
    assert refused(booking.check_request, video, "video", None, patient_state="VA").code == OUT_OF_STATE
    assert video_states(video) == ["MD"]


def test_the_states_for_video_visits_are_where_an_active_clinician_who_sees_patients_by_video_is_licensed(clinic):
    assert video_states() == ["DC", "MD", "VA"]
    license_in(make_provider(offers_telehealth=False), "PA")
    license_in(make_provider(offers_telehealth=True, is_active=False), "NY")
    assert video_states() == ["DC", "MD", "VA"]
    license_in(make_provider(offers_telehealth=True), "WV")
    assert video_states() == ["DC", "MD", "VA", "WV"]
    assert state_names(video_states()) == "Maryland, Virginia, West Virginia and the District of Columbia"


def test_a_clinician_has_one_licence_per_state(clinic):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_licence(clinic.marcus, "MD", "DO")


# --- Booking a video visit online --------------------------------------------------------------

def test_a_video_visit_records_the_state_the_consent_time_and_the_wording_version(clinic, video):
    now = timezone.now()
    appointment = book_video(video, clinic.marcus, "MD", now=now).appointment
    appointment.refresh_from_db()
    assert (appointment.provider, appointment.modality, appointment.patient_state) == (clinic.marcus, "video", "MD")
    assert appointment.telehealth_consent_at == now
    assert appointment.telehealth_consent_version == consent.TELEHEALTH_CONSENT_VERSION


def test_a_video_visit_with_a_clinician_not_licensed_in_the_state_is_refused_whatever_the_form_sends(clinic, video):
    refusal = refused(book_video, video, clinic.marcus, "VA")
    assert refusal.field == "provider" and "not licensed in Virginia" in refusal.message
    refusal = refused(book_video, video, clinic.dana, "PA")
    assert refusal.code == OUT_OF_STATE
    refusal = refused(book_video, video, clinic.dana, None)
    assert refusal.field == "patient_state"
    assert not Appointment.objects.exists()


def test_a_licence_removed_meanwhile_refuses_the_booking(clinic, video):
    ProviderLicence.objects.filter(provider=clinic.dana, state="VA").delete()
    assert refused(book_video, video, clinic.dana, "VA").code == OUT_OF_STATE
    assert not Appointment.objects.exists()


def test_a_video_visit_needs_the_patients_consent_to_the_current_wording(clinic, video):
    refusal = refused(book_video, video, clinic.dana, telehealth_consent=None)
    assert (refusal.field, refusal.message) == ("telehealth_consent", consent.NOT_GIVEN)
    refusal = refused(book_video, video, clinic.dana, telehealth_consent="an-older-wording")
    assert (refusal.field, refusal.message) == ("telehealth_consent", consent.WORDING_CHANGED)
    assert not Appointment.objects.exists()


def test_a_video_visit_names_its_clinician(clinic, video):
    """The patient is told who, and as what they are licensed, before agreeing: never "first available"."""
    refusal = refused(book_video, video, clinic.dana, provider_id=None)
    assert refusal.field == "provider"
    assert not Appointment.objects.exists()


def test_an_office_visit_records_no_state_and_no_consent(clinic, video):
    appointment = booking.book(
        visit_type=video, modality="in_office", starts_at=at(weekday_after(3), 10), patient=PATIENT, patient_state="PA",
        telehealth_consent=consent.TELEHEALTH_CONSENT_VERSION,
    ).appointment
    appointment.refresh_from_db()
    assert (appointment.patient_state, appointment.telehealth_consent_at, appointment.telehealth_consent_version) == ("", None, "")


def test_a_consent_time_without_its_version_is_refused_by_the_database(clinic, video):
    appointment = make_appointment(visit_type=video, provider=clinic.dana, modality="video")
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(telehealth_consent_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(telehealth_consent_version="2026-12-sample")


def test_every_consent_version_has_its_wording_and_the_current_one_is_among_them():
    assert consent.TELEHEALTH_CONSENT_TEXT == consent.wording(consent.TELEHEALTH_CONSENT_VERSION)
    assert all(paragraphs for paragraphs in consent.WORDINGS.values())
    assert consent.wording("unknown") == ()


# --- Staff booking by video ---------------------------------------------------------------------

def staff_video(clinic, visit_type, provider, **overrides):
    fields = {
        "provider": provider, "visit_type": visit_type, "modality": "video", "starts_at": at(weekday_after(1), 11),
        "patient": PATIENT, **consented("MD"),
    }
    fields.update(overrides)
    return booking.book_for_staff(**fields)


def test_staff_booking_by_video_records_the_state_and_the_consent_they_confirmed(clinic, video):
    appointment = staff_video(clinic, video, clinic.marcus).appointment
    appointment.refresh_from_db()
    assert (appointment.patient_state, appointment.source) == ("MD", "staff")
    assert appointment.telehealth_consent_at is not None
    assert appointment.telehealth_consent_version == consent.TELEHEALTH_CONSENT_VERSION


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"patient_state": None}, "patient_state"),
        ({"patient_state": "PA"}, "provider"),
        ({"telehealth_consent": None}, "telehealth_consent"),
        ({"telehealth_consent": "an-older-wording"}, "telehealth_consent"),
    ],
)
def test_staff_booking_by_video_needs_the_state_a_licence_there_and_the_consent(clinic, video, overrides, field):
    refusal = refused(staff_video, clinic, video, clinic.marcus, **overrides)
    assert refusal.field == field
    assert not Appointment.objects.exists()


def test_staff_may_not_book_a_clinician_by_video_where_they_are_not_licensed(clinic, video):
    refusal = refused(staff_video, clinic, video, clinic.marcus, patient_state="VA")
    assert refusal.message == "Marcus Ellery, MD is not licensed in Virginia: choose a clinician licensed there, or an office visit."


# --- Moving a video visit ---------------------------------------------------------------------

def test_a_video_visit_moved_online_stays_with_its_clinician(clinic, video):
    appointment = book_video(video, clinic.dana, "VA").appointment
    assert booking.providers_to_move_to(appointment) == [clinic.dana]
    day = weekday_after(4)
    moved = booking.move(appointment, starts_at=at(day, 14), by_patient=True)
    assert (moved.provider, moved.patient_state) == (clinic.dana, "VA")


def test_a_video_visit_whose_clinician_lost_the_licence_cannot_be_moved_online(clinic, video):
    appointment = book_video(video, clinic.dana, "VA").appointment
    ProviderLicence.objects.filter(provider=clinic.dana, state="VA").delete()
    refusal = refused(booking.move, appointment, starts_at=at(weekday_after(4), 14), by_patient=True)
    assert "cannot be moved online" in refusal.message


def test_staff_may_move_a_video_visit_only_to_a_clinician_licensed_where_the_patient_will_be(clinic, video):
    appointment = book_video(video, clinic.dana, "VA").appointment
    refusal = refused(booking.move, appointment, starts_at=appointment.starts_at, by_patient=False, provider=clinic.marcus)
    assert refusal.field == "provider" and "not licensed in Virginia" in refusal.message
    in_maryland = book_video(video, clinic.dana, "MD", starts_at=at(weekday_after(3), 14)).appointment
    moved = booking.move(in_maryland, starts_at=in_maryland.starts_at, by_patient=False, provider=clinic.marcus)
    assert moved.provider == clinic.marcus


def test_staff_do_not_turn_an_office_visit_into_a_video_visit(clinic, video):
    appointment = make_appointment(visit_type=video, provider=clinic.dana, modality="in_office", starts_at=at(weekday_after(3), 10))
    refusal = refused(booking.move, appointment, starts_at=appointment.starts_at, by_patient=False, modality="video")
    assert refusal.field == "modality" and "book a new video visit" in refusal.message


# --- New patients and treatments that start with a consultation -------------------------------

@pytest.fixture
def consultation(clinic):
    return make_visit_type(
        [clinic.dana, clinic.marcus], name="New patient consultation", slug="new-patient-consultation", new_patients_only=True,
        by_video=True, order=0,
    )


@pytest.fixture
def needling(clinic):
    clinic.needling.new_patients_may_book = False
    clinic.needling.save()
    return clinic.needling


def book_needling(needling, is_new_patient, starts_at=None):
    return booking.book(
        visit_type=needling, modality="in_office", starts_at=starts_at or at(weekday_after(3), 10),
        patient={**PATIENT, "is_new_patient": is_new_patient},
    )


def test_a_new_patient_is_refused_a_treatment_they_start_with_a_consultation_for(consultation, needling):
    refusal = refused(book_needling, needling, True)
    assert (refusal.field, refusal.code, refusal.details["consultation"]) == ("is_new_patient", NEEDS_CONSULTATION, consultation)
    assert refusal.message == (
        "New patients start with a new patient consultation, so that the clinician can check that dry needling session is "
        "right for you. Please book a new patient consultation first. If you have been seen here before, choose “returning patient”."
    )
    assert not Appointment.objects.exists()


def test_a_returning_patient_books_it_as_before(consultation, needling):
    assert book_needling(needling, False).appointment.visit_type == needling


def test_staff_book_it_for_a_new_patient(clinic, consultation, needling):
    booked = booking.book_for_staff(
        provider=clinic.dana, visit_type=needling, modality="in_office", starts_at=at(weekday_after(1), 11),
        patient={**PATIENT, "is_new_patient": True},
    )
    assert booked.appointment.is_new_patient


def test_new_patients_book_any_visit_that_allows_it_directly(clinic, consultation):
    assert clinic.needling.new_patients_may_book  # the default
    assert book_needling(clinic.needling, True).appointment.is_new_patient


def test_the_consultation_offered_is_bookable_online_and_open_to_new_patients(clinic, consultation, needling):
    assert booking.consultation_for(needling) == consultation
    consultation.is_active = False
    consultation.save()
    assert booking.consultation_for(needling) is None
    refusal = refused(book_needling, needling, True)
    assert refusal.details["consultation"] is None and "call us" in refusal.message


def test_the_demo_practice_sends_new_patients_to_the_consultation_for_its_treatments(db):
    from django.core.management import call_command

    from appointments.models import VisitType

    call_command("seed_demo", verbosity=0)
    may_book = dict(VisitType.objects.values_list("slug", "new_patients_may_book"))
    assert may_book["dry-needling-session"] is False and may_book["trigger-point-injection"] is False
    assert may_book["new-patient-consultation"] is True
    licences = {
        slug: sorted(ProviderLicence.objects.filter(provider__slug=slug).values_list("state", flat=True))
        for slug in ("dana-whitfield", "marcus-ellery", "priya-raman")
    }
    assert licences == {"dana-whitfield": ["DC", "MD", "VA"], "marcus-ellery": ["MD", "VA"], "priya-raman": ["MD"]}


def test_demo_licences_are_never_added_to_a_clinician_staff_gave_licences(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    dana = ProviderLicence.objects.filter(provider__slug="dana-whitfield")
    dana.exclude(state="MD").delete()
    call_command("seed_demo", verbosity=0)
    assert list(dana.values_list("state", flat=True)) == ["MD"]

