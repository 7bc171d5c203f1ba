"""The good faith estimate page, as a patient opens it from the link in their email: no WCAG
2.2 A/AA violation, no sideways scroll on a phone, and the estimate alone when printed."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments import estimates
from appointments.models import Appointment, GoodFaithEstimate, VisitType
from clinic.models import Provider
from tests.factories import make_appointment, weekday_after
from tests.factories import at as at_wall_clock
from tests.pages import describe, wcag_violations


@pytest.fixture
def estimate_url(live_site):
    call_command("seed_demo", verbosity=0)
    appointment = make_appointment(
        visit_type=VisitType.objects.get(slug="trigger-point-injection"), provider=Provider.objects.get(slug="dana-whitfield"),
        starts_at=at_wall_clock(weekday_after(14), 10), coverage=Appointment.Coverage.UNINSURED,
    )
    estimate = estimates.create_for_booking(appointment, now=timezone.now())
    assert estimate.status == GoodFaithEstimate.Status.SENT
    return f"{live_site}/appointments/manage/{appointment.manage_token()}/estimate/"


def test_the_estimate_page_has_no_wcag_violations(estimate_url, open_page, width):
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    assert page.goto(estimate_url).status == 200
    violations = wcag_violations(page)
    assert violations == [], f"{len(violations)} axe violation(s) at {width}px:\n{describe(violations)}"


def test_the_estimate_page_never_scrolls_sideways_and_prints_without_the_site_around_it(estimate_url, page):
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(estimate_url)
        content, screen = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert content <= screen, f"the estimate is {content} px wide on a {screen} px screen"
    page.emulate_media(media="print")
    assert page.locator("footer").first.is_hidden()
    assert page.get_by_text("CPT 20552").is_visible()
    assert page.get_by_text("$400 or more", exact=False).is_visible()
