"""axe-core finds no WCAG 2.2 A/AA violations on any step of online booking, or on the patient's
own appointment pages, on a phone and on a desktop."""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from appointments import antispam, booking
from appointments.forms.booking import parse_start
from appointments.models import Appointment, BookingSettings, VisitType
from tests.factories import TRACED_PATIENT_BY_LABEL, backdated
from tests.pages import describe, wcag_violations

VISIT = "dry-needling-session"
TIME_PATH = "/book/time/?" + urlencode({"visit": VISIT, "mode": "in_office", "provider": "any"})


def first_free_time(page, base_url):
    """The last time offered on the day shown, in fact: the first can slip inside the minimum notice
    while a test runs (it lies just past it), and late in the afternoon today may have one time left."""
    page.goto(f"{base_url}{TIME_PATH}")
    return page.locator("button.time-button[name='start']").last.get_attribute("value")


def book_directly(page, base_url):
    """A booking made as the details page makes it; returns its manage token."""
    start = first_free_time(page, base_url)
    booked = booking.book(
        visit_type=VisitType.objects.get(slug=VISIT),
        modality=Appointment.Modality.IN_OFFICE,
        starts_at=parse_start(start),
        patient=dict(
            first_name="Zebedee", last_name="Quillfeather", date_of_birth=date(1961, 7, 19), phone="+13015550187",
            email="zebedee.q@example.com", is_new_patient=False, consent_to_contact=True,
        ),
    )
    return booked.manage_token


# Each step leaves the page where axe should look, and returns the status that page answered with.

def step_1(page, base_url):
    return page.goto(f"{base_url}/book/").status


def step_1_for_a_treatment(page, base_url):
    return page.goto(f"{base_url}/book/dry-needling/").status


def time_page(page, base_url):
    return page.goto(f"{base_url}{TIME_PATH}").status


def time_page_after_changing_the_provider(page, base_url):
    """A time pressed after choosing another provider in the list, without "Show times"."""
    time_page(page, base_url)
    page.get_by_label("Who would you like to see?").select_option(label="Priya Raman, PA-C")
    with page.expect_navigation(url=lambda url: "provider_changed=1" in url) as navigation:
        page.locator("button.time-button[name='start']").first.click()
    expect(page.get_by_role("status")).to_contain_text("You chose Priya Raman, PA-C")
    return navigation.value.status


def time_page_with_a_bad_address(page, base_url):
    return page.goto(f"{base_url}/book/time/?visit=no-such-visit&mode=in_office").status


def details_page(page, base_url):
    start = first_free_time(page, base_url)
    query = urlencode({"visit": VISIT, "mode": "in_office", "provider": "any", "start": start})
    return page.goto(f"{base_url}/book/details/?{query}").status


def details_page_with_errors(page, base_url):
    details_page(page, base_url)
    page.get_by_label("First name").fill(TRACED_PATIENT_BY_LABEL["First name"])
    page.get_by_label("Date of birth").fill("31/31/1961")  # and every other box left empty
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check the following")
    return navigation.value.status


def details_page_sent_too_fast(page, base_url):
    """Filled in at once, as autofill does, and sent at once: the page asks to press again."""
    details_page(page, base_url)
    for label, value in TRACED_PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name="Email").fill("zebedee.q@example.com")
    page.get_by_role("radio", name="No, I am a new patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.locator("[name='consent_to_contact']").check()
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.locator(".confirm-notice")).to_contain_text("Nothing is booked yet")
    return navigation.value.status


def details_page_with_a_plan_not_taken(page, base_url):
    """Medicare chosen for dry needling, which Medicare does not pay for (the demo's plans): told kindly."""
    details_page(page, base_url)
    page.get_by_role("radio", name="I have insurance: please bill my plan").check()
    page.get_by_label("Your insurance plan").select_option(label="Medicare — Part B (not taken for this visit)")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.locator("#plan-not-taken")).to_contain_text("We cannot bill your plan for this visit")
    return navigation.value.status


def confirmation_page(page, base_url):
    details_page(page, base_url)
    for label, value in TRACED_PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name="Email").fill("zebedee.q@example.com")
    page.get_by_role("radio", name="Yes, I am a returning patient").check()  # new patients start with a consultation
    page.get_by_role("radio", name="I have insurance: please bill my plan").check()
    page.get_by_label("Your insurance plan").select_option(label="My plan is not listed")
    page.get_by_label("Your plan’s name, if it is not listed").fill("Aetna Open Access")
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()
    # A stamp as if the form had been shown 10 seconds ago: the time-trap is tested elsewhere.
    stamp = page.locator("input[name='form_stamp']")
    stamp.evaluate("(input, stamp) => { input.value = stamp; }", backdated(stamp.input_value(), 10))
    with page.expect_navigation(url=f"{base_url}/book/confirmed/") as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.locator(".reference-code")).to_have_text(Appointment.objects.get().reference)
    return navigation.value.status


def manage_page(page, base_url):
    token = book_directly(page, base_url)
    return page.goto(f"{base_url}/appointments/manage/{token}/").status


def cancel_confirmation_page(page, base_url):
    manage_page(page, base_url)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Cancel this appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    return navigation.value.status


def manage_page_after_cancelling(page, base_url):
    cancel_confirmation_page(page, base_url)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Yes, cancel this appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled.")
    return navigation.value.status


def reschedule_page(page, base_url):
    token = book_directly(page, base_url)
    response = page.goto(f"{base_url}/appointments/manage/{token}/reschedule/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new time")
    expect(page.locator("button.time-button[name='start']").first).to_be_visible()
    return response.status


def reschedule_page_with_another_provider(page, base_url):
    reschedule_page(page, base_url)
    provider = page.get_by_label("Provider")
    others = [value for value in provider.locator("option").evaluate_all("options => options.map(o => o.value)")
              if value != provider.input_value()]
    provider.select_option(others[0])
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Show times").click()
    expect(page.locator(".other-provider-notice")).to_be_visible()
    return navigation.value.status


def everything_soon():
    """Every time of the coming weeks inside the cancellation cut-off, so the pages say "soon"."""
    settings = BookingSettings.load()
    settings.cancellation_cutoff_hours = 30 * 24
    settings.save()


def time_page_with_soon_times(page, base_url):
    everything_soon()
    status = time_page(page, base_url)
    expect(page.locator("#soon-times")).to_be_visible()
    return status


def details_page_for_a_soon_visit(page, base_url):
    everything_soon()
    status = details_page(page, base_url)
    expect(page.locator(".soon-note")).to_be_visible()
    return status


def confirmation_page_for_a_soon_visit(page, base_url):
    everything_soon()
    status = confirmation_page(page, base_url)
    expect(page.locator(".soon-note")).to_be_visible()
    return status


def manage_page_for_a_soon_visit(page, base_url):
    everything_soon()
    status = manage_page(page, base_url)
    expect(page.locator(".soon-note")).to_be_visible()
    return status


STEPS = [
    (step_1, 200),
    (step_1_for_a_treatment, 200),
    (time_page, 200),
    (time_page_after_changing_the_provider, 200),
    (time_page_with_a_bad_address, 400),
    (details_page, 200),
    (details_page_with_errors, 200),
    (details_page_sent_too_fast, 200),
    (details_page_with_a_plan_not_taken, 200),
    (confirmation_page, 200),
    (manage_page, 200),
    (cancel_confirmation_page, 200),
    (manage_page_after_cancelling, 200),
    (reschedule_page, 200),
    (reschedule_page_with_another_provider, 200),
    (time_page_with_soon_times, 200),
    (details_page_for_a_soon_visit, 200),
    (confirmation_page_for_a_soon_visit, 200),
    (manage_page_for_a_soon_visit, 200),
]


@pytest.mark.parametrize("step, status", STEPS, ids=[step.__name__ for step, _ in STEPS])
def test_booking_step_has_no_wcag_violations(live_site, open_page, step, status, width, monkeypatch):
    if step is details_page_sent_too_fast:
        # "At once" whatever the machine's load: filling eight boxes took over 3 s on a busy CI run.
        monkeypatch.setattr(antispam, "MIN_SECONDS", 300)
    call_command("seed_demo", verbosity=0)
    settings = BookingSettings.load()
    # The first free time lies past the cancellation cut-off, so the manage page offers cancel and change.
    settings.minimum_notice_minutes = (settings.cancellation_cutoff_hours + 1) * 60
    settings.save()
    # axe is injected as an inline script, which the site's CSP would block.
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    assert step(page, live_site) == status

    violations = wcag_violations(page)
    name = step.__name__.replace("_", " ")
    where = f"the {name} ({page.url}) at {width}px"
    assert violations == [], f"{len(violations)} axe violation(s) on {where}:\n{describe(violations)}"
