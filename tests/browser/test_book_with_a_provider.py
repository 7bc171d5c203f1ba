"""From the team page to a provider's own page, then "Book with …": the times offered are that
provider's. On a phone, JavaScript off; the page never scrolls sideways."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from clinic.models import Provider

PHONE = {"width": 390, "height": 844}


def scrolls_sideways(page):
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_book_with_a_provider_lands_on_that_providers_times(live_site, open_page):
    call_command("seed_demo", verbosity=0)
    marcus = Provider.objects.get(slug="marcus-ellery")
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}/team/")
    page.get_by_role("link", name="Marcus Ellery, DO").click()
    page.wait_for_url(f"{live_site}/team/marcus-ellery/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Marcus Ellery, DO")
    expect(page.get_by_text("English, Spanish")).to_be_visible()
    assert not scrolls_sideways(page)

    page.get_by_role("link", name="Book with Marcus Ellery, DO").click()
    page.wait_for_url(f"{live_site}/book/?provider=marcus-ellery")
    expect(page.locator(".booking-provider")).to_contain_text("With Marcus Ellery, DO")
    assert not scrolls_sideways(page)
    page.locator("input[name='visit']").first.check()
    page.get_by_role("button", name="Next: choose a time").click()

    page.wait_for_url(re.compile(r"/book/time/\?.*provider=marcus-ellery"))
    expect(page.get_by_label("Who would you like to see?")).to_have_value(str(marcus.pk))
    expect(page.locator("button.time-button[name='start']").first).to_be_visible()
    # Every time offered is one of Marcus's: the times are his, and the form that sends a time
    # sends his name with it (the list and the times are one form).
    assert page.locator("input[type='hidden'][name='shown_provider']").input_value() == str(marcus.pk)
    form = page.locator("form:has(button.time-button[name='start'])")
    assert form.locator("select[name='provider']").input_value() == str(marcus.pk)


def test_provider_pages_never_scroll_sideways_on_a_phone(live_site, open_page):
    call_command("seed_demo", verbosity=0)
    page = open_page(java_script_enabled=False, viewport=PHONE)
    for slug in ("dana-whitfield", "marcus-ellery", "priya-raman"):
        page.goto(f"{live_site}/team/{slug}/")
        assert not scrolls_sideways(page), slug
