"""Issue 12 in the browser (Debian's Chromium, a phone's 390 px, JavaScript off): a video visit
from Pennsylvania is refused kindly, with the phone number and the call-back form; one from
Maryland offers only the clinicians licensed there, names the clinician and their licence type,
needs the consent to telehealth, and the appointment records the state, the consent's time and
its wording's version; a new patient who chooses dry needling is guided to the consultation.
And axe finds nothing on the new and changed pages, at 390 and 1280 px."""

import re
import time
from datetime import time as dt_time
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments import antispam, consent
from appointments.models import Appointment, BookingSettings, VisitType, WorkingHours
from clinic.models import Provider
from tests.factories import backdated, license_in, make_provider
from tests.pages import describe, wcag_violations

PHONE = {"width": 390, "height": 844}
PATIENT_BY_LABEL = {
    "First name": "Zebedee",
    "Last name": "Quillfeather",
    "Date of birth": "07/19/1961",
    "Mobile phone": "(301) 555-0187",
}
EMAIL = "zebedee.q@example.com"


def demo_practice():
    """The demo practice, and a clinician who sees patients by video licensed only in Virginia:
    a patient in Maryland must not be offered her."""
    call_command("seed_demo", verbosity=0)
    settings = BookingSettings.load(fresh=True)
    settings.requires_confirmation = True
    settings.save()
    vera = license_in(make_provider(name="Vera Virginia", credentials="MD", offers_telehealth=True, order=9), "VA")
    for weekday in range(5):
        WorkingHours.objects.create(provider=vera, weekday=weekday, starts=dt_time(8, 30), ends=dt_time(17))
    VisitType.objects.get(slug="follow-up-visit").providers.add(vera)
    return vera


def fill_in_details(page, *, new_patient, javascript=True):
    shown_at = time.monotonic()
    for label, value in PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name=re.compile(r"^Email")).fill(EMAIL)
    page.get_by_role("radio", name="No, I am a new patient" if new_patient else "Yes, I am a returning patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()
    if javascript:
        # As if the form had been shown 10 seconds ago: the time-trap is tested elsewhere.
        stamp = page.locator("input[name='form_stamp']")
        stamp.evaluate("(input, stamp) => { input.value = stamp; }", backdated(stamp.input_value(), 10))
    else:
        # No script runs on the page: wait as a person would, past the time-trap.
        wait = antispam.MIN_SECONDS + 0.5 - (time.monotonic() - shown_at)
        if wait > 0:
            page.wait_for_timeout(wait * 1000)


def submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_video_visits_only_where_the_clinician_is_licensed_and_new_patients_to_the_consultation(live_site, open_page, console):
    vera = demo_practice()
    page = open_page(java_script_enabled=False, viewport=PHONE)

    # Step 1 from "Book a video visit": the follow-up, by video.
    page.goto(f"{live_site}/book/?mode=video")
    page.get_by_role("radio", name="Follow-up visit").check()
    expect(page.get_by_role("radio", name="Video visit")).to_be_checked()
    submit(page, "Next: choose a time")

    # Before any time: where will the patient be? Pennsylvania: kindly refused.
    expect(page.get_by_role("heading", level=1)).to_have_text("Where will you be during the video visit?")
    assert page.locator("button.time-button").count() == 0
    page.get_by_label("The state you will be in during the visit").select_option(label="Pennsylvania")
    submit(page, "Next: choose a time")
    expect(page.get_by_role("heading", level=1)).to_have_text("We cannot see you by video in Pennsylvania")
    refusal = page.get_by_role("status")
    expect(refusal).to_contain_text("Maryland, Virginia and the District of Columbia")
    expect(refusal.get_by_role("link", name="(301) 555-0142")).to_have_attribute("href", re.compile(r"^tel:"))
    expect(refusal.get_by_role("link", name="ask us to call you back")).to_have_attribute("href", "/telehealth/request/")
    assert page.locator("button.time-button").count() == 0

    # Maryland: only the clinicians licensed there.
    page.get_by_label("The state you will be in during the visit").select_option(label="Maryland")
    submit(page, "Next: choose a time")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    expect(page.get_by_text("Only clinicians licensed in Maryland are shown")).to_be_visible()
    offered = page.get_by_label("Who would you like to see?").locator("option").all_inner_texts()
    assert offered == ["First available", "Dana Whitfield, MD", "Marcus Ellery, DO", "Priya Raman, PA-C"]
    assert vera.name not in " ".join(offered)
    # Marcus, by name: his licence in Maryland is a DO's.
    page.get_by_label("Who would you like to see?").select_option(label="Marcus Ellery, DO")
    submit(page, "Show times")
    with page.expect_navigation():
        page.locator("button.time-button[name='start']").last.click()

    # The details: who, as what, and the consent.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    consent_box = page.get_by_role("group", name="Your consent to a video visit")
    expect(consent_box).to_contain_text("Your clinician: Marcus Ellery, licensed in Maryland as a physician (DO).")
    expect(consent_box).to_contain_text(consent.TELEHEALTH_CONSENT_TEXT[0])
    fill_in_details(page, new_patient=False, javascript=False)
    submit(page, "Book this appointment")  # without the consent
    expect(page.get_by_role("alert")).to_contain_text(consent.NOT_GIVEN)
    assert not Appointment.objects.exists()
    # Sent back, the form keeps what was typed; the stamp is kept, and judged on its own time.
    expect(page.get_by_label("First name")).to_have_value("Zebedee")
    page.get_by_role("checkbox", name=consent.PATIENT_AGREES).check()
    before = timezone.now()
    submit(page, "Book this appointment")
    after = timezone.now()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    expect(page.get_by_text("Video visit, while you are in Maryland")).to_be_visible()

    appointment = Appointment.objects.get()
    assert (appointment.modality, appointment.provider.slug, appointment.patient_state) == ("video", "marcus-ellery", "MD")
    assert before <= appointment.telehealth_consent_at <= after  # when the patient sent the ticked box
    assert appointment.telehealth_consent_version == consent.TELEHEALTH_CONSENT_VERSION

    # A new patient choosing dry needling is guided to the consultation.
    other = open_page(java_script_enabled=False, viewport=PHONE)
    other.goto(f"{live_site}/book/dry-needling/")
    expect(other.locator("#visit-dry-needling-session-about")).to_contain_text(
        "for returning patients (new patients book a consultation first)"
    )
    other.get_by_role("radio", name="In the office").check()
    submit(other, "Next: choose a time")
    expect(other.get_by_role("link", name="Book a new patient consultation")).to_be_visible()
    with other.expect_navigation():
        other.locator("button.time-button[name='start']").last.click()
    fill_in_details(other, new_patient=True, javascript=False)
    submit(other, "Book this appointment")
    expect(other.get_by_role("alert")).to_contain_text("New patients start with a new patient consultation")
    assert Appointment.objects.count() == 1
    with other.expect_navigation():
        other.get_by_role("link", name="Book a new patient consultation instead").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Choose a time")
    expect(other.get_by_text("New patient consultation, 45 minutes, in the office.")).to_be_visible()
    assert other.locator("button.time-button[name='start']").count() > 0
    assert console.about_csp() == []


# --- axe on the new and changed pages -----------------------------------------------------------

def video_query(**params):
    return urlencode({"visit": "follow-up-visit", "mode": "video", "provider": "any", **params})


def where_page(page, base_url):
    return page.goto(f"{base_url}/book/time/?{video_query()}").status


def where_page_without_a_choice(page, base_url):
    return page.goto(f"{base_url}/book/time/?{video_query(state='')}").status


def out_of_state_page(page, base_url):
    return page.goto(f"{base_url}/book/time/?{video_query(state='PA')}").status


def video_time_page(page, base_url):
    return page.goto(f"{base_url}/book/time/?{video_query(state='MD')}").status


def video_details_page(page, base_url):
    video_time_page(page, base_url)
    start = page.locator("button.time-button[name='start']").last.get_attribute("value")
    return page.goto(f"{base_url}/book/details/?{video_query(state='MD', start=start)}").status


def video_details_without_consent(page, base_url):
    video_details_page(page, base_url)
    fill_in_details(page, new_patient=False)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("alert")).to_contain_text(consent.NOT_GIVEN)
    return navigation.value.status


def new_patient_guided_to_the_consultation(page, base_url):
    page.goto(f"{base_url}/book/time/?" + urlencode({"visit": "dry-needling-session", "mode": "in_office", "provider": "any"}))
    start = page.locator("button.time-button[name='start']").last.get_attribute("value")
    page.goto(f"{base_url}/book/details/?" + urlencode({"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": start}))
    fill_in_details(page, new_patient=True)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("alert")).to_contain_text("New patients start with")
    return navigation.value.status


def treatment_time_page(page, base_url):
    return page.goto(f"{base_url}/book/time/?" + urlencode({"visit": "dry-needling-session", "mode": "in_office"})).status


def video_confirmation(page, base_url):
    video_details_page(page, base_url)
    fill_in_details(page, new_patient=False)
    page.get_by_role("checkbox", name=consent.PATIENT_AGREES).check()
    with page.expect_navigation(url=f"{base_url}/book/confirmed/") as navigation:
        page.get_by_role("button", name="Book this appointment").click()
    return navigation.value.status


def call_back_form(page, base_url):
    return page.goto(f"{base_url}/telehealth/request/").status


PAGES = [
    (where_page, 200),
    (where_page_without_a_choice, 200),
    (out_of_state_page, 200),
    (video_time_page, 200),
    (video_details_page, 200),
    (video_details_without_consent, 200),
    (video_confirmation, 200),
    (treatment_time_page, 200),
    (new_patient_guided_to_the_consultation, 200),
    (call_back_form, 200),
]


@pytest.mark.parametrize("step, status", PAGES, ids=[step.__name__ for step, _ in PAGES])
def test_new_and_changed_pages_have_no_wcag_violations(live_site, open_page, step, status, width):
    demo_practice()
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    assert step(page, live_site) == status
    violations = wcag_violations(page)
    where = f"{step.__name__.replace('_', ' ')} ({page.url}) at {width}px"
    assert violations == [], f"{len(violations)} axe violation(s) on {where}:\n{describe(violations)}"
    assert Provider.objects.filter(licences__state="MD").count() == 3
