"""The time page on a phone with JavaScript off: the provider the patient sees chosen is the one
booked, any day's first time is a few Tab presses away, and one day's times fit one screen."""

import re
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments.forms.booking import start_value
from appointments.models import Appointment, BookingSettings
from clinic.models import Provider
from tests.factories import TRACED_PATIENT_BY_LABEL, backdated

PHONE = {"width": 390, "height": 844}
MOST_TABS = 10


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def time_page(base_url, visit="follow-up-visit", provider="any", week=None):
    query = {"visit": visit, "mode": "in_office", "provider": provider, "week": (week or next_monday()).isoformat()}
    return f"{base_url}/book/time/?{urlencode(query)}"


def demo_practice():
    call_command("seed_demo", verbosity=0)
    settings = BookingSettings.load()
    settings.minimum_notice_minutes = (settings.cancellation_cutoff_hours + 1) * 60
    settings.save()


def is_focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def test_the_provider_chosen_in_the_list_is_the_provider_booked(live_site, open_page):
    demo_practice()
    marcus = Provider.objects.get(slug="marcus-ellery")
    tuesday = next_monday() + timedelta(days=1)
    assert not marcus.working_hours.filter(weekday=tuesday.weekday()).exists()  # Marcus does not work on Tuesdays
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(time_page(live_site))
    page.get_by_role("link", name=re.compile(rf"^{tuesday:%A, %B} {tuesday.day}: ")).click()
    tuesday_time = page.locator("button.time-button[name='start']").first
    assert tuesday_time.get_attribute("value").startswith(tuesday.isoformat())

    # Marcus in the list, then a time tapped without "Show times".
    page.get_by_label("Who would you like to see?").select_option(label="Marcus Ellery, DO")
    tuesday_time.click()
    page.wait_for_url(re.compile(r"/book/time/\?.*provider_changed=1"))
    expect(page.get_by_role("status")).to_contain_text("You chose Marcus Ellery, DO, so these are Marcus Ellery’s free times.")
    expect(page.get_by_label("Who would you like to see?")).to_have_value(str(marcus.pk))
    expect(page.get_by_text("With Marcus Ellery.")).to_be_visible()
    assert not Appointment.objects.exists()

    marcus_time = page.locator("button.time-button[name='start']").last
    chosen = marcus_time.get_attribute("value")
    marcus_time.click()
    page.wait_for_url(re.compile(r"/book/details/\?"))
    for label, value in TRACED_PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name="Email").fill("zebedee.q@example.com")
    page.get_by_role("radio", name="No, I am a new patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()
    stamp = page.locator("input[name='form_stamp']")
    stamp.evaluate("(input, stamp) => { input.value = stamp; }", backdated(stamp.input_value(), 10))
    page.get_by_role("button", name="Book this appointment").click()
    page.wait_for_url(re.compile(r"/book/confirmed/$"))

    appointment = Appointment.objects.get()
    assert appointment.provider == marcus
    assert start_value(appointment.starts_at) == chosen


def test_any_days_first_time_is_at_most_ten_tab_presses_from_the_top_of_the_list(live_site, open_page):
    demo_practice()
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(time_page(live_site))
    days = page.locator("a.day-link").count()
    assert days >= 5  # Monday to Friday
    for index in range(days):
        page.goto(time_page(live_site))
        page.get_by_role("button", name="Show times").focus()  # just above the list of days
        day_link = page.locator("a.day-link").nth(index)
        day = re.search(r"day=([0-9-]+)", day_link.get_attribute("href")).group(1)
        presses = 0
        while not is_focused(day_link):
            page.keyboard.press("Tab")
            presses += 1
            assert presses <= MOST_TABS, f"{presses} Tab presses and the link to {day} is not reached"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"day={day}#times$"))
        first_time = page.locator("button.time-button[name='start']").first
        assert first_time.get_attribute("value").startswith(day)
        while not is_focused(first_time):
            page.keyboard.press("Tab")
            presses += 1
            assert presses <= MOST_TABS, f"{presses} Tab presses and the first time of {day} is not reached"


def test_the_fullest_days_times_fit_one_phone_screen(live_site, open_page):
    demo_practice()
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(time_page(live_site))  # first available on a Monday: Dana and Marcus all day
    times = page.locator("section#times button.time-button")
    assert times.count() >= 24
    height = page.locator("section#times").bounding_box()["height"]
    assert height <= PHONE["height"], f"one day's times are {height:.0f} px tall on a {PHONE['height']} px screen"
    # The day's times start on the first screen after a day link is followed.
    page.locator("a.day-link").nth(1).click()
    page.wait_for_url(re.compile(r"#times$"))
    expect(page.locator("section#times")).to_be_in_viewport(ratio=1)
