"""Pictures as a phone gets them: those on the first screen load at once, those below it only
when the patient scrolls to them (loading="lazy"), and each arrives in the smallest stored size
that is sharp on the screen (srcset and sizes), served by the app itself where no nginx stands
in front of it."""

import pytest
from django.core.management import call_command

PHONE = {"width": 390, "height": 844}
PICTURES = """images => images.map(image => ({
    name: image.className,
    top: image.getBoundingClientRect().top + window.scrollY,
    lazy: image.loading === "lazy",
    loaded: image.complete && image.naturalWidth > 0,
    source: image.currentSrc,
}))"""


@pytest.mark.parametrize("path, pictures_below", [("/", 4), ("/team/", 2), ("/team/dana-whitfield/", 0)])
def test_pictures_below_a_phones_first_screen_wait_and_those_on_it_do_not(live_site, open_page, path, pictures_below):
    call_command("seed_demo", verbosity=0)
    page = open_page(viewport=PHONE)
    page.goto(f"{live_site}{path}")
    pictures = page.locator("img").evaluate_all(PICTURES)
    first_screen = [picture for picture in pictures if picture["top"] < PHONE["height"]]
    below = [picture for picture in pictures if picture["top"] >= PHONE["height"]]
    assert first_screen and len(below) == pictures_below
    assert not any(picture["lazy"] for picture in first_screen), first_screen
    assert all(picture["loaded"] for picture in first_screen), first_screen
    assert all(picture["lazy"] for picture in below), below

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("[...document.images].every(image => image.complete && image.naturalWidth > 0)")


def test_a_phone_gets_the_smallest_sharp_size_of_each_picture(live_site, open_page):
    call_command("seed_demo", verbosity=0)
    page = open_page(viewport=PHONE, device_scale_factor=2)
    page.goto(f"{live_site}/")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("[...document.images].every(image => image.complete && image.naturalWidth > 0)")
    chosen = {picture["name"]: picture["source"] for picture in page.locator("img").evaluate_all(PICTURES)}
    assert chosen["site-logo"].endswith("-96.webp")  # shown at most 48 px high, two device pixels each
    assert chosen["team-face"].endswith("-320.webp")  # 96 px wide, two device pixels each: 192, so 320
    assert chosen["office-photo"].endswith("-960.webp")  # the column's width (366 px) twice over: 732, so 960
