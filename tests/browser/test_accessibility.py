"""axe-core finds no WCAG 2.2 A/AA violations on the patient pages, on a phone and on a desktop."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
PAGES = [
    "/",
    "/hours/",
    "/notices/covid-19/",
    "/book/",
    "/telehealth/",
    "/services/",
    "/services/dry-needling/",
    "/conditions/",
    "/conditions/sciatica/",
    "/team/",
    "/no-such-page/",
]
WIDTHS = [390, 1280]


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_wcag_violations(live_site, open_page, path, width):
    call_command("seed_demo")
    # axe is injected as an inline script, which the site's CSP would block.
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    response = page.goto(f"{live_site}{path}")
    assert response.status == (404 if path == "/no-such-page/" else 200)

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})

    violations = results.response["violations"]
    assert violations == [], f"{len(violations)} axe violation(s) on {path} at {width}px:\n{describe(violations)}"
