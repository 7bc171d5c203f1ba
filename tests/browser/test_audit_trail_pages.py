"""A superuser reads what the front desk's lists showed: the list pages viewed, one of them, and
the audit trail of a patient shown on it, by keyboard, with no WCAG 2.2 AA failure (axe)."""

from datetime import date, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Patient, PatientListView
from clinic.roles import FRONT_DESK
from tests.factories import at, make_appointment, make_provider, make_staff, make_visit_type
from tests.pages import describe, wcag_violations


def test_a_superuser_reads_a_list_shown_and_the_trail_of_its_patient_by_keyboard(live_site, open_page, sign_in, console):
    provider = make_provider()
    visit_type = make_visit_type(providers=[provider])
    patient = Patient.objects.create(first_name="Hattie", last_name="Marwood", date_of_birth=date(1958, 4, 12),
                                     phone="+13015550176", email="hattie@example.com")
    visit = make_appointment(visit_type=visit_type, provider=provider, patient=patient, first_name="Hattie", last_name="Marwood",
                             starts_at=at(timezone.localdate() + timedelta(days=3), 10))
    make_staff("desk", group=FRONT_DESK)
    make_staff("boss", superuser=True)

    desk = open_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, "desk")
    desk.goto(f"{live_site}/admin/appointments/appointment/?q=Marwood")
    expect(desk.locator("#result_list")).to_contain_text("Marwood")
    # Signing in opened the start page (a list view of its own); the search is the one to read.
    assert PatientListView.objects.filter(page="Appointment list, search results").count() == 1

    boss = open_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    sign_in(boss, "boss")
    boss.goto(f"{live_site}/admin/appointments/patientlistview/")
    expect(boss.locator("#result_list")).to_contain_text("Appointment list, search results")
    assert not wcag_violations(boss), describe(wcag_violations(boss))

    boss.locator("#result_list tr", has_text="Appointment list, search results").get_by_role("link").first.focus()
    boss.keyboard.press("Enter")
    expect(boss.locator("#content")).to_contain_text(f"appointment {visit.reference}")
    assert not wcag_violations(boss), describe(wcag_violations(boss))

    boss.get_by_role("link", name=f"patient record {patient.pk}").focus()
    boss.keyboard.press("Enter")
    expect(boss.get_by_role("heading", name=f"Audit trail for patient record {patient.pk}")).to_be_visible()
    expect(boss.locator("#content-main table")).to_contain_text("Appointment list, search results")
    expect(boss.locator("#content")).not_to_contain_text("Marwood")
    assert not wcag_violations(boss), describe(wcag_violations(boss))
    assert not console.about_csp("/admin/"), console
