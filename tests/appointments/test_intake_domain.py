"""appointments.intake: which sections a visit has, saving them (sealed), the review flag, consent, purge."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from appointments import intake as intakes
from appointments.forms.intake import ConsentForm, MedicinesForm, ProgressForm
from appointments.models import ConsentSignature, Intake, OutboxMessage
from clinic import encryption
from tests.factories import make_appointment, make_dry_needling_with_screening, set_booking_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def dry_needling():
    """Dry needling's safety questions (blood thinners from the forms, needle phobia), a published consent, its visit."""
    return make_dry_needling_with_screening()


def medicines(appointment, blood_thinners="no"):
    form = MedicinesForm({"medicines": "none", "blood_thinners": blood_thinners, "blood_thinner_names": "apixaban 5 mg"},
                         appointment=appointment)
    assert form.is_valid(), form.errors
    return form


def test_it_gives_a_new_patient_the_forms_then_screening_then_consent(dry_needling):
    appointment = make_appointment(visit_type=dry_needling, is_new_patient=True)
    intake = intakes.open_intake(appointment)
    slugs = [form.slug for form in intakes.sections_for(appointment, intake)]
    assert intake.kind == Intake.Kind.NEW_PATIENT
    assert slugs == ["contacts", "doctors", "history", "medicines", "pregnancy-devices", "pain", "screening", "consent"]


def test_it_seals_the_answers_and_flags_a_blood_thinner_once(dry_needling):
    appointment = make_appointment(visit_type=dry_needling)
    intake = intakes.open_intake(appointment)
    intakes.save_section(intake, medicines(appointment, "yes"))
    intake.refresh_from_db()
    assert intake.review == Intake.Review.NEEDS_REVIEW
    assert intake.flagged_count == 1
    assert "apixaban" not in intake.sealed_answers
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_answers FROM appointments_intake")
        assert "apixaban" not in cursor.fetchone()[0]
    assert intakes.answers_of(intake)["medicines"]["blood_thinner_names"] == "apixaban 5 mg"
    assert OutboxMessage.objects.filter(kind="staff_intake_review").count() == 1
    intakes.save_section(intake, medicines(appointment, "yes"))
    assert OutboxMessage.objects.filter(kind="staff_intake_review").count() == 1
    alert = OutboxMessage.objects.get(kind="staff_intake_review")
    assert "apixaban" not in alert.body and appointment.last_name not in alert.body


def test_it_asks_a_new_patient_only_what_the_forms_did_not(dry_needling):
    appointment = make_appointment(visit_type=dry_needling)
    intake = intakes.save_section(intakes.open_intake(appointment), medicines(appointment))
    asked = intakes.questions_to_ask(appointment, intake, intakes.answers_of(intake))
    assert [question.question for question in asked] == ["Are you afraid of needles?"]


def test_it_signs_the_consent_and_completes(dry_needling):
    appointment = make_appointment(visit_type=dry_needling)
    intake = intakes.open_intake(appointment)
    intake.sections_done = ["contacts", "doctors", "history", "medicines", "pregnancy-devices", "pain", "screening"]
    intake.save()
    form = ConsentForm({"signed_name": f"{appointment.first_name} {appointment.last_name}", "agree": "on"}, appointment=appointment)
    assert form.is_valid(), form.errors
    intake = intakes.save_section(intake, form)
    assert intake.is_complete
    signature = ConsentSignature.objects.get(intake=intake)
    assert signature.treatment_consent.version == 1


def test_it_gives_the_follow_up_check_once_forms_are_on_file(dry_needling):
    first = make_appointment(visit_type=dry_needling, starts_at=timezone.now() + timedelta(days=2))
    Intake.objects.create(appointment=first, kind=Intake.Kind.NEW_PATIENT, completed_at=timezone.now())
    second = make_appointment(visit_type=dry_needling, starts_at=timezone.now() + timedelta(days=9), patient=first.patient,
                              first_name=first.first_name, last_name=first.last_name, email=first.email)
    intake = intakes.open_intake(second)
    assert intake.kind == Intake.Kind.FOLLOW_UP
    assert [form.slug for form in intakes.sections_for(second, intake)][0] == ProgressForm.slug


def test_it_refuses_a_cancelled_visit(dry_needling):
    appointment = make_appointment(visit_type=dry_needling, status="cancelled")
    with pytest.raises(intakes.IntakeClosed):
        intakes.open_intake(appointment)


def test_purge_removes_old_answers_keeps_the_record_and_changes_nothing_twice(dry_needling):
    set_booking_settings(intake_answers_kept_days=30)
    appointment = make_appointment(visit_type=dry_needling)
    intake = intakes.open_intake(appointment)
    intakes.save_section(intake, medicines(appointment, "yes"))
    later = appointment.ends_at + timedelta(days=31)
    assert intakes.purge_answers(now=later) == 1
    intake.refresh_from_db()
    assert intake.sealed_answers == "" and intake.answers_purged_at == later
    assert intake.review == Intake.Review.NEEDS_REVIEW and intake.sections_done == ["medicines"]
    assert intakes.purge_answers(now=later + timedelta(days=1)) == 0


def test_a_key_that_is_not_configured_opens_nothing(settings):
    sealed = encryption.seal({"a": 1})
    settings.INTAKE_KEYS = [encryption.new_key()]
    with pytest.raises(encryption.CannotOpen):
        encryption.unseal(sealed)


def test_a_reviewed_intake_needs_review_again_when_the_patient_changes_a_clinical_answer(dry_needling):
    from django.contrib.auth import get_user_model

    clinician = get_user_model().objects.create_user("drreview")
    appointment = make_appointment(visit_type=dry_needling)
    intake = intakes.save_section(intakes.open_intake(appointment), medicines(appointment, "yes"))
    intake = intakes.record_review(intake, Intake.Review.OK, clinician)
    intakes.save_section(intake, medicines(appointment, "yes"))  # saved again unchanged: the review stands
    intake.refresh_from_db()
    assert intake.review == Intake.Review.OK

    changed = MedicinesForm({"medicines": "none", "blood_thinners": "yes", "blood_thinner_names": "warfarin 10 mg"},
                            appointment=appointment)
    assert changed.is_valid()
    intake = intakes.save_section(intake, changed)
    assert intake.review == Intake.Review.NEEDS_REVIEW
    again = OutboxMessage.objects.filter(kind="staff_intake_review").order_by("pk").last()
    assert again.subject == f"Needs clinician review again: {appointment.reference}" and "warfarin" not in again.body


def test_a_flag_corrected_before_review_tells_the_front_desk(dry_needling):
    appointment = make_appointment(visit_type=dry_needling)
    intake = intakes.save_section(intakes.open_intake(appointment), medicines(appointment, "yes"))
    intake = intakes.save_section(intake, medicines(appointment, "no"))
    assert intake.review == Intake.Review.NOT_NEEDED and intake.flagged_count == 0
    withdrawn = OutboxMessage.objects.get(kind="staff_intake_review_withdrawn")
    assert appointment.reference in withdrawn.subject and "apixaban" not in withdrawn.body


@pytest.mark.parametrize("typed, accepted", [
    ("Renée O’Hara-Łukasz", True),
    ("renee o'hara lukasz", True),
    ("Renee Marie OHara Lukasz", True),
    ("Bob O’Hara-Łukasz", False),
    ("Renée Lukasz", False),
])
def test_consent_is_signed_with_the_patients_own_name_typed_as_they_can(typed, accepted):
    appointment = make_appointment(first_name="Renée", last_name="O’Hara-Łukasz")
    form = ConsentForm({"signed_name": typed, "agree": "on"}, appointment=appointment)
    assert form.is_valid() == accepted, form.errors


def test_reports_are_asked_about_only_when_a_doctor_is_named():
    from appointments.forms.intake import DoctorsForm

    nobody = DoctorsForm({"primary_care": "", "referred_by": ""})
    assert nobody.is_valid(), nobody.errors
    named = DoctorsForm({"primary_care": "Dr Ada Quell", "referred_by": ""})
    assert not named.is_valid() and list(named.errors) == ["may_share_reports"]


def test_a_plan_holder_born_in_the_future_is_told_so():
    from appointments.forms.intake import InsuranceForm

    form = InsuranceForm({"plan": "Aetna", "member_id": "W1234", "subscriber": "spouse", "subscriber_name": "Sam Quell",
                          "subscriber_birth_date": "01/02/2999"})
    assert form.errors["subscriber_birth_date"] == ["The plan holder's date of birth must be in the past."]


def test_a_blood_thinner_name_on_two_lines_gets_one_message():
    form = MedicinesForm({"medicines": "none", "blood_thinners": "yes", "blood_thinner_names": "apixaban\n5 mg"})
    assert not form.is_valid() and len(form.errors["blood_thinner_names"]) == 1


def test_a_server_whose_keys_do_not_open_the_stored_answers_seals_nothing_new(dry_needling, settings):
    first = make_appointment(visit_type=dry_needling)
    intakes.save_section(intakes.open_intake(first), medicines(first))
    right_keys = settings.INTAKE_KEYS
    settings.INTAKE_KEYS = [encryption.new_key()]  # a restore without its key file
    second = make_appointment(visit_type=dry_needling, starts_at=first.ends_at)
    with pytest.raises(intakes.IntakeClosed) as closed:
        intakes.open_intake(second)
    assert closed.value.message == intakes.NOT_AVAILABLE
    assert not Intake.objects.filter(appointment=second).exists()
    settings.INTAKE_KEYS = right_keys
    assert intakes.open_intake(second).pk is not None


def test_forms_done_first_for_a_later_visit_do_not_make_the_earlier_one_a_follow_up(dry_needling):
    consultation = make_appointment(visit_type=dry_needling, starts_at=timezone.now() + timedelta(days=2))
    later = make_appointment(visit_type=dry_needling, starts_at=timezone.now() + timedelta(days=3), patient=consultation.patient,
                             first_name=consultation.first_name, last_name=consultation.last_name, email=consultation.email)
    Intake.objects.create(appointment=later, kind=Intake.Kind.NEW_PATIENT, completed_at=timezone.now())
    assert intakes.open_intake(consultation).kind == Intake.Kind.NEW_PATIENT


def test_a_text_answer_at_the_browsers_limit_is_accepted_whatever_its_line_breaks():
    from appointments.forms.intake import HistoryForm

    typed = "\n".join(["x" * 46] * 21)  # 986 characters as the browser counts them, 20 line breaks
    sent = typed.replace("\n", "\r\n")  # 1006 as the browser sends them
    assert len(typed) <= 1000 < len(sent)
    form = HistoryForm({"surgeries": sent})
    assert form.is_valid(), form.errors
    too_long = HistoryForm({"surgeries": "x" * 1001})
    assert too_long.errors["surgeries"] == ["Please shorten this to at most 1000 characters."]


def test_the_plan_holders_birth_date_is_shown_again_as_month_day_year():
    from appointments.forms.intake import InsuranceForm

    form = InsuranceForm(initial={"subscriber": "spouse", "subscriber_birth_date": "1961-04-30"})
    assert 'value="04/30/1961"' in str(form["subscriber_birth_date"])
