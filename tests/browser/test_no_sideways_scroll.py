"""No patient page scrolls sideways on a phone: at 320, 360, 390 and 414 px the page is never
wider than the screen (the demo practice, its notices and a booked appointment)."""

import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.template import loader
from django.test import Client

from appointments.models import Appointment, BookingSettings
from clinic.errors import practice_to_call
from tests.factories import backdated

WIDTHS = [320, 360, 390, 414]
TIME_PAGE = "/book/time/?" + urlencode({"visit": "new-patient-consultation", "mode": "in_office", "provider": "any"})


def details_page(page, base_url):
    page.goto(f"{base_url}{TIME_PAGE}")
    start = page.locator("button.time-button[name='start']").last.get_attribute("value")
    return f"{base_url}/book/details/?" + urlencode({"visit": "new-patient-consultation", "mode": "in_office", "provider": "any", "start": start})


def book(page, base_url):
    """Books through the details form; the page is left on the confirmation."""
    page.goto(details_page(page, base_url))
    page.get_by_label("First name").fill("Zebedee")
    page.get_by_label("Last name").fill("Quillfeather")
    page.get_by_label("Date of birth").fill("07/19/1961")
    page.get_by_label("Mobile phone").fill("(301) 555-0187")
    page.get_by_role("textbox", name="Email").fill("zebedee.q@example.com")
    page.get_by_role("radio", name="No, I am a new patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()
    stamp = page.locator("input[name='form_stamp']")
    stamp.evaluate("(input, stamp) => { input.value = stamp; }", backdated(stamp.input_value(), 10))
    page.get_by_role("button", name="Book this appointment").click()
    page.wait_for_url(re.compile(r"/book/confirmed/$"))


def overflow(page):
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def assert_fits(page, url, name):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url)
        content, screen = overflow(page)
        assert content <= screen, f"{name} is {content} px wide on a {screen} px screen ({width} px)"


PATHS = [
    "/",
    "/hours/",
    "/notices/covid-19/",
    "/services/",
    "/services/dry-needling/",
    "/conditions/",
    "/conditions/sciatica/",
    "/conditions/neck-pain/",
    "/team/",
    "/team/dana-whitfield/",
    "/team/marcus-ellery/",
    "/book/?provider=marcus-ellery",
    "/book/time/?visit=new-patient-consultation&mode=video&provider=any",
    "/book/time/?visit=new-patient-consultation&mode=video&provider=any&state=PA",
    "/book/time/?visit=new-patient-consultation&mode=video&provider=any&state=MD",
    "/telehealth/",
    "/telehealth/request/",
    "/estimates/ask/",
    "/insurance/",
    "/accessibility/ask/",
    "/book/",
    "/book/dry-needling/",
    "/book/?mode=video",
    TIME_PAGE,
    "/book/time/?visit=no-such-visit&mode=in_office",
    "/no-such-page/",
]


@pytest.fixture
def demo(live_site):
    call_command("seed_demo", verbosity=0)
    settings = BookingSettings.load()
    settings.minimum_notice_minutes = (settings.cancellation_cutoff_hours + 1) * 60
    settings.save()
    return live_site


@pytest.mark.parametrize("path", PATHS)
def test_the_page_never_scrolls_sideways_on_a_phone(demo, page, path):
    assert_fits(page, f"{demo}{path}", path)


def test_the_booking_steps_and_the_manage_pages_never_scroll_sideways(demo, page):
    assert_fits(page, details_page(page, demo), "the details page")
    book(page, demo)
    assert_fits(page, page.url, "the confirmation")
    token = Appointment.objects.get().manage_token
    assert_fits(page, f"{demo}/appointments/manage/{token}/", "the manage page")
    assert_fits(page, f"{demo}/appointments/manage/{token}/reschedule/", "the page to choose a new time")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_the_error_pages_never_scroll_sideways(demo, page, settings, status):
    if status == 429:
        settings.BOOKING_RATE_LIMIT = 0
        response = Client().post("/book/details/", {})
        assert response.status_code == 429
        html = response.content.decode()
    else:
        html = loader.get_template(f"{status}.html").render({"practice": practice_to_call()})
    url = f"{demo}/error-{status}/"
    page.route(url, lambda route: route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8"))
    assert_fits(page, url, f"the {status} page")


def test_times_marked_soon_fit_their_buttons_and_the_page(live_site, page):
    """With the demo's own notice and cut-off, the first days' times are marked "soon"; a marker
    must fit its button at every width (it once pushed four buttons a row past a 390 px screen)."""
    call_command("seed_demo", verbosity=0)
    BookingSettings.objects.update(cancellation_cutoff_hours=30 * 24)  # every time of the weeks shown is soon
    for path in (TIME_PAGE, "/book/time/?visit=new-patient-consultation&mode=video&provider=any&state=MD"):
        page.goto(f"{live_site}{path}")
        assert page.locator("button.time-button .soon-marker").count() > 0
        assert_fits(page, f"{live_site}{path}", path)
        overflowing = page.locator("button.time-button").evaluate_all(
            "buttons => buttons.filter(b => b.scrollWidth > b.clientWidth).length")
        assert overflowing == 0, f"{overflowing} time buttons are wider inside than their box on {path}"
