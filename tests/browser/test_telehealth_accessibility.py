"""axe-core finds no WCAG 2.2 A/AA violations on the telehealth page, the telehealth request
form (empty, and sent back with mistakes) and the page with the request's reference, on a
phone and on a desktop."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from appointments import antispam
from appointments.models import TelehealthRequest
from tests.factories import TRACED_PATIENT_BY_LABEL, backdated
from tests.pages import describe, wcag_violations


# Each step leaves the page where axe should look, and returns the status that page answered with.


def telehealth_page(page, base_url):
    response = page.goto(f"{base_url}/telehealth/")
    expect(page.get_by_role("link", name="Request a telehealth visit")).to_be_visible()
    return response.status


def request_form(page, base_url):
    return page.goto(f"{base_url}/telehealth/request/").status


def request_form_with_errors(page, base_url):
    request_form(page, base_url)
    page.get_by_label("First name").fill(TRACED_PATIENT_BY_LABEL["First name"])
    page.get_by_label("Date of birth").fill("31/31/1961")
    page.get_by_label("Which state will you be in during the video visit?").select_option(label="New York")
    page.get_by_role("checkbox", name="Monday").check()  # and every other box left empty
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("alert")).to_contain_text("Our providers can only see patients in Maryland")
    return navigation.value.status


def request_form_sent_too_fast(page, base_url):
    """Filled in at once, as autofill does, and sent at once: the page asks to press again."""
    request_form(page, base_url)
    for label, value in TRACED_PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name="Email").fill("zebedee.q@example.com")
    page.get_by_role("radio", name="Yes, I am a returning patient").check()
    page.get_by_label("Which state will you be in during the video visit?").select_option(label="Virginia")
    page.locator("[name='consent_to_contact']").check()
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".confirm-notice")).to_contain_text("Nothing is sent yet")
    return navigation.value.status


def request_sent_page(page, base_url):
    request_form(page, base_url)
    for label, value in TRACED_PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name="Email").fill("zebedee.q@example.com")
    page.get_by_role("radio", name="Yes, I am a returning patient").check()
    page.get_by_label("Which state will you be in during the video visit?").select_option(label="Virginia")
    page.get_by_role("checkbox", name="Thursday").check()
    page.get_by_role("checkbox", name="Afternoon").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this request.").check()
    # A stamp as if the form had been shown 10 seconds ago: the time-trap is tested elsewhere.
    stamp = page.locator("input[name='form_stamp']")
    stamp.evaluate("(input, stamp) => { input.value = stamp; }", backdated(stamp.input_value(), 10))
    with page.expect_navigation(url=f"{base_url}/telehealth/request/sent/") as navigation:
        page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".reference-code")).to_have_text(TelehealthRequest.objects.get().reference)
    return navigation.value.status


STEPS = [
    (telehealth_page, 200),
    (request_form, 200),
    (request_form_with_errors, 200),
    (request_form_sent_too_fast, 200),
    (request_sent_page, 200),
]


@pytest.mark.parametrize("step, status", STEPS, ids=[step.__name__ for step, _ in STEPS])
def test_telehealth_page_has_no_wcag_violations(live_site, open_page, step, status, width, monkeypatch):
    if step is request_form_sent_too_fast:
        # "At once" whatever the machine's load (as in test_booking_accessibility).
        monkeypatch.setattr(antispam, "MIN_SECONDS", 300)
    call_command("seed_demo", verbosity=0)
    # axe is injected as an inline script, which the site's CSP would block.
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    assert step(page, live_site) == status

    violations = wcag_violations(page)
    name = step.__name__.replace("_", " ")
    where = f"the {name} ({page.url}) at {width}px"
    assert violations == [], f"{len(violations)} axe violation(s) on {where}:\n{describe(violations)}"
