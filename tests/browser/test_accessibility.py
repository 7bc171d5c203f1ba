"""axe-core finds no WCAG 2.2 A/AA violations on the patient pages, on a phone and on a desktop."""

import pytest
from django.core.management import call_command

from tests.pages import describe, wcag_violations

PAGES = [
    "/",
    "/hours/",
    "/notices/covid-19/",
    "/book/",
    "/telehealth/",
    "/estimates/ask/",
    "/insurance/",
    "/accessibility/ask/",
    "/services/",
    "/services/dry-needling/",
    "/conditions/",
    "/conditions/sciatica/",
    "/conditions/neck-pain/",
    "/team/",
    "/team/dana-whitfield/",
    "/team/priya-raman/",
    "/book/?provider=marcus-ellery",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_violations(live_site, open_page, path, width):
    call_command("seed_demo")
    # axe is injected as an inline script, which the site's CSP would block.
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    response = page.goto(f"{live_site}{path}")
    assert response.status == (404 if path == "/no-such-page/" else 200)

    violations = wcag_violations(page)

    assert violations == [], f"{len(violations)} axe violation(s) on {path} at {width}px:\n{describe(violations)}"
