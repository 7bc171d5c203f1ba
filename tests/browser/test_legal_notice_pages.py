"""The legal notice pages in a browser: no WCAG 2.2 A/AA violation found by axe and no sideways
scrolling, on a phone and on a desktop; the language page's taglines each in their own language
and writing direction; printing leaves out the header and footer."""

import pytest
from django.core.management import call_command

from tests.pages import describe, wcag_violations

PAGES = [
    "/legal/language-help/",
    "/legal/",
    "/legal/privacy-practices/",
    "/legal/nondiscrimination/",
    "/legal/accessibility/",
    "/legal/website-privacy/",
    "/legal/good-faith-estimates/",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_notice_page_has_no_wcag_violations_and_does_not_scroll_sideways(live_site, open_page, path, width):
    call_command("seed_demo")
    # axe is injected as an inline script, which the site's CSP would block.
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    assert page.goto(f"{live_site}{path}").status == 200

    violations = wcag_violations(page)

    assert violations == [], f"{len(violations)} axe violation(s) on {path} at {width}px:\n{describe(violations)}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_language_page_shows_each_tagline_in_its_own_language_and_direction(live_site, page):
    call_command("seed_demo")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_site}/legal/language-help/")

    taglines = page.locator("li.tagline")
    found = [(taglines.nth(i).get_attribute("lang"), taglines.nth(i).get_attribute("dir")) for i in range(taglines.count())]

    assert len({lang for lang, _ in found}) >= 15
    assert all(lang and not lang.startswith("en") for lang, _ in found)
    assert {lang for lang, direction in found if direction == "rtl"} == {"ar", "fa", "ur"}
    # The browser lays right-to-left taglines out from the right.
    arabic = page.locator('li.tagline[lang="ar"]')
    assert arabic.evaluate("element => getComputedStyle(element).direction") == "rtl"


def test_printing_a_notice_leaves_out_the_header_and_footer(live_site, page):
    call_command("seed_demo")
    page.goto(f"{live_site}/legal/privacy-practices/")
    page.emulate_media(media="print")

    assert not page.locator("header.site-header").is_visible()
    assert not page.locator("footer.site-footer").is_visible()
    assert page.get_by_role("heading", level=1, name="Notice of Privacy Practices").is_visible()
