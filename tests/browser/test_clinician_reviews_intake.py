"""A clinician at a desktop screen opens a flagged intake summary of their own patient, marks it
reviewed, and the front desk sees the status change in the appointment list; the summary has no
WCAG 2.2 AA violations."""

from playwright.sync_api import expect

from appointments import intake as intakes
from appointments.models import Intake, ScreeningQuestion, TreatmentConsent
from clinic.models import Provider
from clinic.roles import CLINICIANS, FRONT_DESK
from tests.factories import (
    at,
    make_appointment,
    make_filled_intake,
    make_office_hours,
    make_practice,
    make_provider,
    make_service,
    make_staff,
    make_visit_type,
    weekday_after,
)
from tests.pages import describe, wcag_violations

DESKTOP = {"width": 1280, "height": 900}
QUESTION = "Do you take a medicine that thins your blood?"


def a_flagged_visit():
    make_office_hours(make_practice())
    service = make_service(title="Dry needling", slug="dry-needling")
    ScreeningQuestion.objects.create(service=service, question=QUESTION, reason="Needles can cause bleeding.", key="blood_thinners")
    intakes.publish_consent(TreatmentConsent.objects.create(service=service, text="Thin needles.\n\nYou may stop at any time."))
    dana = make_provider(name="Dana Whitfield")
    visit_type = make_visit_type(providers=[dana], name="Dry needling session", service=service, by_video=False)
    Provider.objects.filter(pk=dana.pk).update(staff_user=make_staff("drdana", group=CLINICIANS))
    make_staff("desk", group=FRONT_DESK)
    # Days ahead: the visit exists whatever the time of day the test runs.
    appointment = make_appointment(provider=dana, visit_type=visit_type, starts_at=at(weekday_after(3), 10))
    return make_filled_intake(appointment)


def test_clinician_reviews_a_flagged_intake_and_the_front_desk_sees_it(live_site, open_page, sign_in):
    intake = a_flagged_visit()
    reference = intake.appointment.reference
    desk = open_page(java_script_enabled=False, viewport=DESKTOP)
    sign_in(desk, "desk")
    desk.goto(f"{live_site}/admin/appointments/appointment/?when=all")
    row = desk.locator("#result_list tbody tr", has_text=reference)
    expect(row).to_contain_text("Needs clinician review")

    clinician = open_page(bypass_csp=True, viewport=DESKTOP)
    sign_in(clinician, "drdana")
    clinician.goto(f"{live_site}/admin/appointments/intake/")
    clinician.get_by_role("link", name=reference).click()
    expect(clinician.get_by_role("heading", name="Answers that need a clinician's review")).to_be_visible()
    expect(clinician.locator(".intake-flagged")).to_contain_text(QUESTION)
    violations = wcag_violations(clinician)
    assert violations == [], describe(violations)
    assert clinician.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    clinician.get_by_role("button", name="Reviewed: OK to proceed").click()

    expect(clinician.locator(".messagelist")).to_contain_text(f"Visit {reference} marked “Reviewed: OK to proceed”.")
    expect(clinician.locator(".intake-review-state")).to_contain_text("Reviewed: OK to proceed, by drdana")
    intake.refresh_from_db()
    assert intake.review == Intake.Review.OK and intake.reviewed_by.username == "drdana"

    desk.reload()
    expect(desk.locator("#result_list tbody tr", has_text=reference)).to_contain_text("Reviewed: OK to proceed")
