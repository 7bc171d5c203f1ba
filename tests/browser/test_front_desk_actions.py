"""A receptionist at a desktop screen, with JavaScript off, moves a visit by picking one of the
provider's free times and checks a patient in, each in one click on the appointment's page; the
appointment's page and the page of visits a closure hits have no WCAG 2.2 AA violations."""

from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from appointments.models import Appointment
from clinic.models import HolidayHours
from clinic.roles import FRONT_DESK
from tests.factories import (
    at,
    make_appointment,
    make_office_hours,
    make_practice,
    make_provider,
    make_staff,
    make_visit_type,
    make_working_hours,
    weekday_after,
)
from tests.pages import describe, wcag_violations

DESKTOP = {"width": 1280, "height": 900}


def the_day():
    practice = make_practice()
    make_office_hours(practice)
    provider = make_provider(name="Dana Whitfield")
    make_working_hours(provider)
    visit_type = make_visit_type(providers=[provider], name="Follow-up visit", duration_minutes=30)
    make_staff("desk", group=FRONT_DESK)
    later = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(weekday_after(3), 10))
    arriving = make_appointment(visit_type=visit_type, provider=provider, starts_at=timezone.now().replace(second=0, microsecond=0))
    return later, arriving


def test_receptionist_moves_a_visit_to_a_free_time_and_checks_a_patient_in_without_javascript(live_site, open_page, sign_in):
    later, arriving = the_day()
    desk = open_page(java_script_enabled=False, viewport=DESKTOP)
    sign_in(desk, "desk")

    desk.goto(f"{live_site}{later.get_admin_url()}")
    day = date_format(weekday_after(3), "l, F j")
    desk.get_by_role("button", name=f"Move to {day}, 2:15 PM").click()

    expect(desk.locator(".messagelist")).to_contain_text(f"moved to {day} at 2:15 PM")
    later.refresh_from_db()
    assert later.starts_at == at(weekday_after(3), 14, 15)

    desk.goto(f"{live_site}{arriving.get_admin_url()}")
    desk.get_by_role("button", name="Check in").click()

    expect(desk.locator(".messagelist")).to_contain_text(f"Appointment {arriving.reference} is checked in.")
    expect(desk.get_by_role("button", name="Check in")).to_have_count(0)
    arriving.refresh_from_db()
    assert arriving.checked_in_at is not None and arriving.status == Appointment.Status.CONFIRMED


def test_the_appointment_page_and_a_closures_visits_have_no_wcag_violations(live_site, open_page, sign_in):
    later, _ = the_day()
    holiday = HolidayHours.objects.create(label="Snow day", first_day=weekday_after(3), last_day=weekday_after(3), is_closed=True)
    desk = open_page(bypass_csp=True, viewport=DESKTOP)
    sign_in(desk, "desk")

    for path in (later.get_admin_url(), f"/admin/clinic/holidayhours/{holiday.pk}/affected/"):
        desk.goto(f"{live_site}{path}")
        expect(desk.locator("#content-main")).to_be_visible()
        violations = wcag_violations(desk)
        assert violations == [], f"{path}\n{describe(violations)}"
        # Nothing wider than the screen at 1280 px.
        assert desk.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    expect(desk.get_by_role("button", name="Cancel these visits and notify the patients")).to_be_visible()
