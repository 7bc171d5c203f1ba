"""The front desk finds a patient by what they type, reads the record, corrects an email and merges a
duplicate, by keyboard, at 1280 px; axe finds no WCAG 2.2 A/AA violation on the pages on the way."""

from datetime import date, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment, Patient
from clinic.roles import FRONT_DESK
from tests.factories import at, make_appointment, make_staff
from tests.pages import describe, wcag_violations

SOFIA = {"first_name": "Sofía", "last_name": "Núñez", "date_of_birth": date(1958, 3, 27), "phone": "+13015550199",
         "email": "sofia.n@example.com"}


def assert_accessible(page):
    violations = wcag_violations(page)
    assert violations == [], f"{len(violations)} axe violation(s) on {page.url}:\n{describe(violations)}"


def test_front_desk_finds_corrects_and_merges_patient_records_by_keyboard(live_site, open_page, sign_in):
    make_staff("desk", group=FRONT_DESK)
    soon = make_appointment(**SOFIA, starts_at=at(timezone.localdate() + timedelta(days=5), 10))
    make_appointment(**SOFIA, visit_type=soon.visit_type, provider=soon.provider, status=Appointment.Status.NO_SHOW,
                     starts_at=at(timezone.localdate() - timedelta(days=20), 10))
    duplicate = make_appointment(**{**SOFIA, "email": "sofia@example.org", "phone": "+13015550111"},
                                 visit_type=soon.visit_type, provider=soon.provider,
                                 starts_at=at(timezone.localdate() - timedelta(days=40), 10))
    assert Patient.objects.count() == 2

    desk = open_page(bypass_csp=True, viewport={"width": 1280, "height": 900})
    sign_in(desk, "desk")
    desk.goto(f"{live_site}/admin/appointments/patient/")
    desk.get_by_role("textbox", name="Search").fill("sofia")
    desk.keyboard.press("Enter")
    expect(desk.locator("#result_list tbody tr")).to_have_count(2)
    assert_accessible(desk)

    desk.locator(f"#result_list a[href*='/patient/{soon.patient_id}/change/']").focus()
    desk.keyboard.press("Enter")
    expect(desk.locator("main")).to_contain_text("1 no-show")
    expect(desk.locator("main")).to_contain_text("Núñez, Sofía (03/27/1958)")
    assert_accessible(desk)
    desk.get_by_label("Email").fill("sofia.nunez@example.net")
    desk.get_by_label("Email").press("Enter")
    expect(desk.locator(".messagelist")).to_contain_text("Corrected: email")
    soon.refresh_from_db()
    assert soon.email == "sofia.nunez@example.net"

    desk.goto(f"{live_site}/admin/appointments/patient/?q=03/27/1958")
    for box in desk.locator("#result_list tbody input[type=checkbox]").all():
        box.check()
    desk.get_by_label("Action:").select_option("merge_patients")
    desk.get_by_role("button", name="Go").press("Enter")
    expect(desk.get_by_role("group", name="Record to keep")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_label(f"(record {soon.patient_id})", exact=False).check()
    desk.get_by_role("button", name="Merge into the record chosen").press("Enter")
    expect(desk.locator(".messagelist")).to_contain_text("Merged 1 patient into Núñez, Sofía")
    duplicate.refresh_from_db()
    assert duplicate.patient_id == soon.patient_id and Patient.objects.count() == 1
