"""A receptionist at a 1280 px screen, without JavaScript and by keyboard alone: opens the
calendar, tabs to a free time, presses Enter, finds the booking form filled in and books. The
calendar and the start page pass axe's WCAG 2.2 A and AA checks."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from clinic.roles import FRONT_DESK
from tests.factories import at, build_clinic, make_appointment, make_holiday, make_staff, make_telehealth_request, next_monday
from tests.pages import describe, wcag_violations

DESKTOP = {"width": 1280, "height": 900}
CALENDAR = "/admin/appointments/appointment/calendar/"


@pytest.fixture
def week():
    """Build_clinic's practice, a visit with Dana next Monday at 10:00, a snow day next Wednesday, and a call to make."""
    clinic = build_clinic()
    monday = next_monday()
    make_appointment(visit_type=clinic.follow_up, provider=clinic.dana, starts_at=at(monday, 10), first_name="Ana", last_name="Zeller",
                     status=Appointment.Status.REQUESTED)
    make_holiday(label="Snow day", first_day=monday + timedelta(days=2))
    make_telehealth_request()
    make_staff("frontdesk", group=FRONT_DESK)
    return clinic, monday


def test_a_receptionist_books_a_free_time_by_keyboard_without_javascript(live_site, open_page, sign_in, week):
    clinic, monday = week
    page = open_page(java_script_enabled=False, viewport=DESKTOP)
    sign_in(page, "frontdesk")
    page.goto(f"{live_site}{CALENDAR}?view=day&date={monday.isoformat()}&provider={clinic.marcus.pk}&visit={clinic.needling.slug}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendar,")
    expect(page.locator(".calendar")).to_contain_text("Office closed")

    for _ in range(400):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')") or ""
        if "/appointment/add/?" in href:
            break
    else:
        pytest.fail("Tab never reached a free time")
    assert f"provider={clinic.marcus.pk}" in href and f"starts_at={monday.isoformat()}T09:00" in href
    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name(re.compile(r"^Book 09:00 with Marcus Ellery"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Add appointment")
    expect(page.locator("select[name=provider]")).to_have_value(str(clinic.marcus.pk))
    expect(page.locator("select[name=visit_type]")).to_have_value(str(clinic.needling.pk))
    expect(page.locator("[name=starts_at_0]")).to_have_value(monday.isoformat())
    expect(page.locator("[name=starts_at_1]")).to_have_value("09:00:00")
    page.locator("[name=first_name]").fill("Rosalind")
    page.locator("[name=last_name]").fill("Quigley")
    page.locator("[name=date_of_birth]").fill("1958-07-14")
    page.locator("[name=phone]").fill("(301) 555-0188")
    page.locator("[name=email]").fill("rosalind.quigley@example.com")
    page.locator("[name=coverage]").select_option("insurance")
    page.locator("[name=insurance_plan_name]").fill("Acme Health PPO")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    booked = Appointment.objects.get(last_name="Quigley")
    assert (booked.provider, booked.visit_type, booked.starts_at) == (clinic.marcus, clinic.needling, at(monday, 9))


@pytest.mark.parametrize("path", ["calendar", "start page"])
def test_the_calendar_and_the_start_page_have_no_wcag_violations(live_site, open_page, sign_in, week, path):
    clinic, monday = week
    page = open_page(bypass_csp=True, viewport=DESKTOP)
    sign_in(page, "frontdesk")
    page.goto(f"{live_site}{CALENDAR}?date={monday.isoformat()}" if path == "calendar" else f"{live_site}/admin/")
    expect(page.locator("#content")).to_contain_text("Zeller")

    violations = wcag_violations(page)

    assert not violations, describe(violations)
