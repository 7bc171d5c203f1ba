"""The staff side of intake: who reads what (clinicians their own patients' answers, the front
desk status and registration only, editors nothing), the audited summary, the review buttons,
resending the link, the status on visits, and no answer on any list page."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments import intake as intakes, notifications
from appointments.forms.intake import ConsentForm
from appointments.models import Appointment, Intake, OutboxMessage, ScreeningQuestion, TreatmentConsent
from clinic.models import Provider
from clinic.roles import CLINICIANS, CONTENT_EDITORS, FRONT_DESK
from tests.factories import (
    make_appointment,
    make_filled_intake,
    make_provider,
    make_service,
    make_staff,
    make_visit_type,
    set_booking_settings,
)

pytestmark = pytest.mark.django_db

A = "/admin/appointments"
# What the patients answered, looked for (and never expected) on pages and in emails.
ADDRESS = "12 Quillfeather Lane"
BLOOD_THINNER = "apixaban 5 mg"
MEDICINES = "metoprolol 25 mg"
FLAGGED_QUESTION = "Do you take a medicine that thins your blood?"


@pytest.fixture
def dry_needling():
    service = make_service(title="Dry needling", slug="dry-needling")
    ScreeningQuestion.objects.create(
        service=service, question=FLAGGED_QUESTION, reason="Needles can cause bleeding.", key="blood_thinners", order=1,
    )
    ScreeningQuestion.objects.create(service=service, question="Are you afraid of needles?", reason="We can go slowly.", order=2)
    intakes.publish_consent(TreatmentConsent.objects.create(service=service, text="Thin needles.\n\nYou may stop at any time."))
    return service


@pytest.fixture
def providers(dry_needling):
    dana, marcus = make_provider(name="Dana Whitfield"), make_provider(name="Marcus Ellery")
    visit_type = make_visit_type(providers=[dana, marcus], name="Dry needling session", service=dry_needling, by_video=False)
    return dana, marcus, visit_type


@pytest.fixture
def users(providers):
    dana = providers[0]
    clinician = make_staff("drdana", group=CLINICIANS)
    Provider.objects.filter(pk=dana.pk).update(staff_user=clinician)
    return {
        "superuser": make_staff("boss", superuser=True),
        "front_desk": make_staff("desk", group=FRONT_DESK),
        "editor": make_staff("editor", group=CONTENT_EDITORS),
        "clinician": clinician,
        "unlinked_clinician": make_staff("drnobody", group=CLINICIANS),
    }


def filled_intake(appointment, blood_thinners="yes") -> Intake:
    """An intake with the contacts (registration) and medicines (clinical) sections saved."""
    return make_filled_intake(appointment, blood_thinners, address=ADDRESS, medicines=MEDICINES, blood_thinner_names=BLOOD_THINNER)


@pytest.fixture
def visits(providers):
    """A visit with Dana (her patient: flagged) and one with Marcus, each with answers."""
    dana, marcus, visit_type = providers
    own = make_appointment(provider=dana, visit_type=visit_type)
    other = make_appointment(provider=marcus, visit_type=visit_type)
    return {"own": filled_intake(own), "other": filled_intake(other)}


def summary_url(intake):
    return f"{A}/intake/{intake.pk}/change/"


def review(client, intake, decision):
    return client.post(f"{A}/intake/{intake.pk}/review/", {"decision": decision})


def shows_an_answer(html: str) -> bool:
    return any(answer in html for answer in (ADDRESS, BLOOD_THINNER, MEDICINES))


# --- The role and who reads what ------------------------------------------------------------------


def test_the_clinicians_group_has_exactly_its_permissions():
    codenames = set(Group.objects.get(name=CLINICIANS).permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_appointment", "view_patient", "view_intake", "view_intake_answers", "review_intake",
        "view_screeningquestion", "add_screeningquestion", "change_screeningquestion",
        "view_treatmentconsent", "add_treatmentconsent", "change_treatmentconsent",
    }
    desk = set(Group.objects.get(name=FRONT_DESK).permissions.values_list("codename", flat=True))
    assert {"view_intake", "view_intake_registration"} <= desk
    assert not {"view_intake_answers", "review_intake", "change_treatmentconsent"} & desk
    editors = set(Group.objects.get(name=CONTENT_EDITORS).permissions.values_list("codename", flat=True))
    assert not {code for code in editors if "intake" in code or "consent" in code or "screening" in code}


def test_editors_cannot_open_the_intake_list_a_summary_or_the_clinical_content(client, users, visits):
    client.force_login(users["editor"])
    for url in [f"{A}/intake/", summary_url(visits["own"]), f"{A}/screeningquestion/", f"{A}/treatmentconsent/",
                f"{A}/treatmentconsent/add/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert not shows_an_answer(response.content.decode())
    assert review(client, visits["own"], "ok").status_code == 403
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS, content_type__model="intake").exists()


def test_the_front_desk_sees_status_and_registration_never_a_clinical_answer(client, users, visits):
    client.force_login(users["front_desk"])

    html = client.get(summary_url(visits["own"])).content.decode()

    assert "Needs clinician review" in html
    assert ADDRESS in html and "Sam Kin" in html
    assert BLOOD_THINNER not in html and MEDICINES not in html and FLAGGED_QUESTION not in html
    assert "Medicines and allergies" not in html
    assert "Reviewed: OK to proceed</button>" not in html
    assert review(client, visits["own"], "ok").status_code == 403
    visits["own"].refresh_from_db()
    assert visits["own"].review == Intake.Review.NEEDS_REVIEW


def test_a_clinician_reads_their_own_patients_summary_flagged_answers_first(client, users, visits):
    client.force_login(users["clinician"])

    response = client.get(summary_url(visits["own"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert BLOOD_THINNER in html and MEDICINES in html and ADDRESS in html
    flagged = html.index("Answers that need a clinician's review")
    assert flagged < html.index(FLAGGED_QUESTION) < html.index("Medicines and allergies")
    # The answers in words, from the forms' choices.
    assert "Do you take a medicine that thins your blood?</th><td><strong>Yes</strong>" in html
    assert "Reviewed: OK to proceed</button>" in html and "Call the patient</button>" in html
    assert "Consent signed online" in html


def test_a_clinician_gets_not_found_for_another_providers_intake_and_cannot_review_it(client, users, visits):
    client.force_login(users["clinician"])

    assert client.get(summary_url(visits["other"])).status_code == 404
    assert review(client, visits["other"], "ok").status_code == 404
    list_html = client.get(f"{A}/intake/?when=all").content.decode()

    visits["other"].refresh_from_db()
    assert visits["other"].review == Intake.Review.NEEDS_REVIEW
    assert visits["own"].appointment.reference in list_html
    assert visits["other"].appointment.reference not in list_html


def test_a_clinician_sees_only_their_own_visits_in_the_list_calendar_and_patients(client, users, visits):
    own, other = visits["own"].appointment, visits["other"].appointment
    client.force_login(users["clinician"])

    appointments = client.get(f"{A}/appointment/?when=all").content.decode()
    calendar = client.get(f"{A}/appointment/calendar/?date={own.starts_at.date().isoformat()}").content.decode()
    patients = client.get(f"{A}/patient/").content.decode()

    assert own.last_name in appointments and other.last_name not in appointments
    assert own.last_name in calendar and other.last_name not in calendar
    assert "Marcus Ellery" not in calendar
    assert own.last_name in patients and other.last_name not in patients
    assert client.get(f"/admin/appointments/appointment/{other.pk}/change/").status_code == 302  # “does not exist”


def test_a_clinician_without_a_linked_provider_sees_no_visit_and_no_intake(client, users, visits):
    client.force_login(users["unlinked_clinician"])

    appointments = client.get(f"{A}/appointment/?when=all")
    intake_list = client.get(f"{A}/intake/?when=all")

    assert appointments.context["cl"].result_count == 0
    assert intake_list.context["cl"].result_count == 0
    assert client.get(summary_url(visits["own"])).status_code == 404


def test_superusers_see_every_intake(client, users, visits):
    client.force_login(users["superuser"])
    assert client.get(f"{A}/intake/?when=all").context["cl"].result_count == 2
    assert BLOOD_THINNER in client.get(summary_url(visits["other"])).content.decode()


def test_every_showing_of_a_summary_is_audited_and_in_the_patients_trail(client, users, visits):
    intake = visits["own"]
    client.force_login(users["clinician"])
    client.get(summary_url(intake))
    client.force_login(users["front_desk"])
    client.get(summary_url(intake))

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, content_type__model="intake", object_pk=str(intake.pk))
    assert sorted(entry.actor.username for entry in entries) == ["desk", "drdana"]
    client.force_login(users["superuser"])
    trail = client.get(f"{A}/patientlistview/patient/{intake.appointment.patient_id}/").content.decode()
    assert trail.count(f"Intake for visit {intake.appointment.reference}") >= 2


def test_the_summary_is_never_cached(client, users, visits):
    client.force_login(users["clinician"])
    response = client.get(summary_url(visits["own"]))
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control and "private" in cache_control


def test_the_intake_list_is_audited_with_its_visits(client, users, visits):
    from appointments.models import PatientListView

    client.force_login(users["front_desk"])
    client.get(f"{A}/intake/?when=all")
    view = PatientListView.objects.get(page="Intake list")
    assert {row.appointment_id for row in view.rows.all()} == {visits["own"].appointment_id, visits["other"].appointment_id}


def test_a_purged_intake_shows_when_its_answers_were_deleted_and_the_record(client, users, visits):
    intake = visits["own"]
    intakes.record_review(intake, Intake.Review.OK, users["clinician"])
    set_booking_settings(intake_answers_kept_days=1)
    purged_on = intake.appointment.ends_at + timedelta(days=2)
    intakes.purge_answers(now=purged_on)
    client.force_login(users["clinician"])

    html = client.get(summary_url(intake)).content.decode()

    assert "answers were deleted on" in html and f"{timezone.localtime(purged_on):%B} " in html
    assert "Reviewed: OK to proceed" in html and "drdana" in html
    assert not shows_an_answer(html)
    assert "Call the patient</button>" not in html


# --- Review --------------------------------------------------------------------------------------


def test_ok_to_proceed_records_who_and_when_and_emails_nobody(client, users, visits, settings):
    settings.FRONT_DESK_EMAIL = "desk@practice.example"
    client.force_login(users["clinician"])

    response = review(client, visits["own"], Intake.Review.OK)

    intake = Intake.objects.get(pk=visits["own"].pk)
    assert response.status_code == 302 and response["Location"] == summary_url(intake)
    assert intake.review == Intake.Review.OK and intake.reviewed_by == users["clinician"] and intake.reviewed_at is not None
    assert not OutboxMessage.objects.filter(kind="staff_intake_call").exists()


def test_call_the_patient_alerts_the_front_desk_once_with_the_reference_and_link_only(client, users, visits, settings):
    settings.FRONT_DESK_EMAIL = "desk@practice.example"
    intake = visits["own"]
    client.force_login(users["clinician"])

    review(client, intake, Intake.Review.CALL)
    review(client, intake, Intake.Review.CALL)  # a double click

    intake.refresh_from_db()
    assert intake.review == Intake.Review.CALL
    [alert] = OutboxMessage.objects.filter(kind="staff_intake_call")
    assert intake.appointment.reference in alert.subject + alert.body
    assert f"/admin/appointments/intake/{intake.pk}/change/" in alert.body
    assert intake.appointment.last_name not in alert.body + alert.subject
    assert not shows_an_answer(alert.body + alert.subject) and FLAGGED_QUESTION not in alert.body


def test_a_review_of_nothing_answered_or_a_bad_decision_is_refused_with_a_message(client, users, providers):
    dana, _, visit_type = providers
    intake = intakes.open_intake(make_appointment(provider=dana, visit_type=visit_type))
    client.force_login(users["clinician"])

    response = client.post(f"{A}/intake/{intake.pk}/review/", {"decision": Intake.Review.OK}, follow=True)
    bad = client.post(f"{A}/intake/{intake.pk}/review/", {"decision": "delete-everything"}, follow=True)

    assert "has not answered anything yet" in response.content.decode()
    assert "Choose" in bad.content.decode()
    intake.refresh_from_db()
    assert intake.review == "" and intake.reviewed_by is None


# --- Resend the link and the status on visits ------------------------------------------------------


def test_the_front_desk_resends_the_intake_link_from_the_visit(client, users, providers):
    dana, _, visit_type = providers
    appointment = make_appointment(provider=dana, visit_type=visit_type)
    client.force_login(users["front_desk"])

    page = client.get(f"{A}/appointment/{appointment.pk}/change/").content.decode()
    response = client.post(f"{A}/appointment/{appointment.pk}/intake-link/", follow=True)

    assert "Resend the intake link" in page and "Not started" in page
    assert "is emailed the link to their forms" in response.content.decode()
    [email] = OutboxMessage.objects.filter(kind=notifications.PATIENT_INTAKE_LINK, appointment=appointment)
    assert email.to == appointment.email

    again = client.post(f"{A}/appointment/{appointment.pk}/intake-link/", follow=True).content.decode()  # a second desk
    assert f"The link to the forms of {appointment.reference} was emailed a moment ago" in again
    assert OutboxMessage.objects.filter(kind=notifications.PATIENT_INTAKE_LINK, appointment=appointment).count() == 1


def test_the_link_is_not_sent_while_online_forms_are_off(client, users, providers, settings):
    dana, _, visit_type = providers
    appointment = make_appointment(provider=dana, visit_type=visit_type)
    settings.INTAKE_KEYS = []
    client.force_login(users["front_desk"])

    response = client.post(f"{A}/appointment/{appointment.pk}/intake-link/", follow=True).content.decode()

    assert "Online forms are switched off on this site" in response
    assert not OutboxMessage.objects.filter(kind=notifications.PATIENT_INTAKE_LINK).exists()


def test_the_link_is_not_resent_for_a_cancelled_visit_or_complete_forms(client, users, providers, visits):
    dana, _, visit_type = providers
    cancelled = make_appointment(provider=dana, visit_type=visit_type, status=Appointment.Status.CANCELLED)
    complete = visits["own"]
    Intake.objects.filter(pk=complete.pk).update(completed_at=timezone.now())
    before = OutboxMessage.objects.count()
    client.force_login(users["front_desk"])

    refused = client.post(f"{A}/appointment/{cancelled.pk}/intake-link/", follow=True).content.decode()
    done = client.post(f"{A}/appointment/{complete.appointment_id}/intake-link/", follow=True).content.decode()

    assert "Only requested or confirmed visits" in refused
    assert "complete already" in done
    assert OutboxMessage.objects.count() == before


def test_the_resend_action_on_the_list_emails_each_patient_it_may(client, users, providers):
    dana, _, visit_type = providers
    first = make_appointment(provider=dana, visit_type=visit_type)
    cancelled = make_appointment(provider=dana, visit_type=visit_type, status=Appointment.Status.CANCELLED,
                                 starts_at=first.starts_at + timedelta(hours=2))
    client.force_login(users["front_desk"])

    client.post(f"{A}/appointment/?when=all", {"action": "resend_intake_link", ACTION_CHECKBOX_NAME: [first.pk, cancelled.pk]})

    assert OutboxMessage.objects.filter(appointment=first, kind=notifications.PATIENT_INTAKE_LINK).count() == 1
    assert not OutboxMessage.objects.filter(appointment=cancelled, kind=notifications.PATIENT_INTAKE_LINK).exists()


def test_clinicians_cannot_resend_the_link(client, users, visits):
    client.force_login(users["clinician"])
    before = OutboxMessage.objects.count()
    response = client.post(f"{A}/appointment/{visits['own'].appointment_id}/intake-link/")
    assert response.status_code == 403
    assert OutboxMessage.objects.count() == before


def test_the_appointment_list_shows_each_visits_intake_status_in_a_fixed_number_of_queries(client, users, providers):
    dana, _, visit_type = providers
    flagged = make_appointment(provider=dana, visit_type=visit_type)
    filled_intake(flagged)
    make_appointment(provider=dana, visit_type=visit_type, starts_at=flagged.starts_at + timedelta(hours=1))
    client.force_login(users["front_desk"])
    client.get(f"{A}/appointment/?when=all")  # warm the session and the caches

    with CaptureQueriesContext(connection) as two_rows:
        html = client.get(f"{A}/appointment/?when=all").content.decode()
    for hour in range(2, 6):
        filled_intake(make_appointment(provider=dana, visit_type=visit_type, starts_at=flagged.starts_at + timedelta(hours=hour)))
    with CaptureQueriesContext(connection) as six_rows:
        client.get(f"{A}/appointment/?when=all")

    assert "Needs clinician review" in html and "Not started" in html
    assert not shows_an_answer(html)
    assert len(six_rows) == len(two_rows)


def test_the_calendar_shows_where_each_visits_forms_stand(client, users, visits):
    appointment = visits["own"].appointment
    client.force_login(users["front_desk"])
    html = client.get(f"{A}/appointment/calendar/?view=day&date={timezone.localtime(appointment.starts_at).date().isoformat()}")
    assert "calendar-intake-needs_review\">Forms: Needs clinician review" in html.content.decode()  # marked to stand out
    assert not shows_an_answer(html.content.decode())


def test_the_front_desk_start_page_lists_visits_needing_review_by_reference_only(client, users, visits):
    client.force_login(users["front_desk"])
    html = client.get("/admin/").content.decode()
    start = html.index("Forms that need a clinician")
    part = html[start:html.index("</section>", start)]
    assert visits["own"].appointment.reference in part and visits["other"].appointment.reference in part
    assert visits["own"].appointment.last_name not in part
    assert not shows_an_answer(html)


def test_no_admin_list_page_shows_an_answer(client, users, visits):
    client.force_login(users["superuser"])
    lists = [f"{A}/appointment/?when=all", f"{A}/intake/?when=all", f"{A}/patient/", f"{A}/outboxmessage/",
             "/admin/auditlog/logentry/", f"{A}/patientlistview/", f"{A}/intake/?status=needs_review",
             f"{A}/appointment/calendar/", f"{A}/appointment/day/", "/admin/"]
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not shows_an_answer(response.content.decode()), url


def test_odd_addresses_get_no_server_error(client, users, visits):
    client.force_login(users["clinician"])
    own = visits["own"]
    assert client.get(f"{A}/intake/abc/change/").status_code == 404
    assert client.get(f"{A}/intake/99999999/change/").status_code == 404
    assert client.get(f"{A}/intake/{'9' * 40}/change/").status_code == 404
    assert client.get(f"{A}/intake/{own.pk}/review/").status_code == 302  # GET on a POST-only address
    assert client.post(f"{A}/intake/abc/review/", {"decision": "ok"}).status_code == 404
    assert client.post(f"{A}/intake/{own.pk}/review/", {}).status_code == 302
    client.force_login(users["front_desk"])
    assert client.get(f"{A}/appointment/{own.appointment_id}/intake-link/").status_code == 302
    assert client.post(f"{A}/appointment/abc/intake-link/").status_code == 302
    assert client.post(f"{A}/appointment/99999999/intake-link/").status_code == 302
    assert client.get(f"{A}/intake/?status=nonsense&when=nonsense").status_code == 200
    own.refresh_from_db()
    assert own.review == Intake.Review.NEEDS_REVIEW


# --- Signatures on the summary, the demo ------------------------------------------------------------


def test_the_summary_shows_which_consent_version_was_signed_when_and_its_text(client, users, providers):
    dana, _, visit_type = providers
    appointment = make_appointment(provider=dana, visit_type=visit_type)
    intake = intakes.open_intake(appointment)
    intake.sections_done = ["contacts", "doctors", "history", "medicines", "pregnancy-devices", "pain", "screening"]
    intake.save()
    form = ConsentForm({"signed_name": f"{appointment.first_name} {appointment.last_name}", "agree": "on"}, appointment=appointment)
    assert form.is_valid(), form.errors
    intakes.save_section(intake, form)
    client.force_login(users["clinician"])

    html = client.get(summary_url(intake)).content.decode()

    assert "Consent to dry needling, version 1" in html
    assert f"{appointment.first_name} {appointment.last_name}</strong>" in html
    assert "You may stop at any time." in html


def test_seed_demo_adds_screening_consent_and_the_clinician_linked_to_dana(db):
    call_command("seed_demo", "--demo-logins", verbosity=0)
    call_command("seed_demo", "--demo-logins", verbosity=0)

    dana = Provider.objects.get(slug="dana-whitfield")
    assert dana.staff_user.username == "clinician"
    assert dana.staff_user.groups.filter(name=CLINICIANS).exists()
    keys = set(ScreeningQuestion.objects.filter(service__slug="dry-needling").values_list("key", flat=True))
    assert keys == {"blood_thinners", "bleeding_disorder", "pregnancy", "pacemaker", ""}
    injections = set(ScreeningQuestion.objects.filter(service__slug="trigger-point-injections").values_list("key", flat=True))
    assert injections == {"local_anaesthetic_allergy", "blood_thinners"}
    for slug in ("dry-needling", "trigger-point-injections"):
        [consent] = TreatmentConsent.objects.filter(service__slug=slug)
        assert consent.published_at is not None and "counsel" in consent.text and "medical director" in consent.text


def test_the_summary_says_when_a_reviewed_intake_needs_review_again(client, users, visits):
    from appointments.forms.intake import MedicinesForm

    intake = intakes.record_review(visits["own"], Intake.Review.OK, users["clinician"])
    changed = MedicinesForm({"medicines": MEDICINES, "blood_thinners": "yes", "blood_thinner_names": "warfarin 5 mg"},
                            appointment=intake.appointment)
    assert changed.is_valid()
    intakes.save_section(intake, changed)
    client.force_login(users["clinician"])
    html = client.get(summary_url(intake)).content.decode()
    assert "Needs clinician review again: the patient changed an answer after drdana reviewed the forms on" in html
