"""On a phone the first screen of the home page holds the booking button, today's hours and the
address: notices take a line or two, and the others are one link away."""

import re

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import Announcement
from tests.factories import make_announcement

PHONE = {"width": 390, "height": 844}
ADDRESS_LINK = re.compile(r"^100 Example Way, Suite 210, Gaithersburg ?: hours and directions$")


def in_first_screen(locator):
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    return box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def lines_of(locator):
    height, line = locator.evaluate("element => [element.getBoundingClientRect().height, parseFloat(getComputedStyle(element).lineHeight)]")
    return height / line


def test_on_a_phone_the_first_screen_has_booking_hours_and_address_despite_four_notices(live_site, open_page):
    call_command("seed_demo", verbosity=0)
    make_announcement(title="Parking during the works", kind=Announcement.Kind.GENERAL,
                      message="The front car park is closed until spring while the building is repaired; "
                      "please park behind the building and use the rear entrance, which has a ramp.")
    notices = list(Announcement.objects.live(timezone.now()))
    assert len(notices) == 4
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}/")

    bar = page.locator(".announcement-bar")
    shown = bar.locator("li.announcement:visible")
    assert shown.count() == 1
    expect(shown).to_have_text(f"{notices[0].get_kind_display()}: {notices[0].title}", use_inner_text=True)
    assert lines_of(shown) <= 2.05
    bar_height = bar.bounding_box()["height"]
    assert bar_height <= 120, f"the notices take {bar_height:.0f} px"

    assert in_first_screen(page.get_by_role("link", name="Book an appointment"))
    today = page.locator(".today-line")
    assert in_first_screen(today)
    expect(today.locator(".today-hours")).to_contain_text("Today:")
    where = today.get_by_role("link", name=ADDRESS_LINK)
    assert in_first_screen(where)

    # The other notices: one link away, every one listed.
    more = bar.get_by_role("link", name="3 more notices")
    assert in_first_screen(more)
    more.click()
    listed = page.locator("h2#notices + ul a")
    expect(listed).to_have_text([notice.title for notice in notices])
    # And the address link leads to the hours, the address and the directions.
    page.goto(f"{live_site}/")
    page.get_by_role("link", name=ADDRESS_LINK).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Office hours and directions")
    expect(page.get_by_role("link", name="Get directions (opens a map service)").first).to_be_visible()


def test_on_a_desktop_every_notice_shows_its_message(live_site, open_page):
    call_command("seed_demo", verbosity=0)
    page = open_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_site}/")
    shown = page.locator(".announcement-bar li.announcement:visible")
    notices = list(Announcement.objects.live(timezone.now()))
    expect(shown).to_have_count(len(notices))
    for notice in notices:
        expect(page.locator(".announcement-bar")).to_contain_text(notice.message)
    expect(page.get_by_role("link", name="more notices")).to_be_hidden()
