"""The clinician prints a new patient's intake summary for the chart: the summary on one Letter
page, the consent signed on the next; whatever the patient typed wraps, on screen and on paper."""

import re

from appointments.models import Intake
from clinic.models import Provider
from clinic.roles import CLINICIANS
from tests.factories import (
    TRACED_INTAKE,
    at,
    fill_in_intake,
    make_appointment,
    make_dry_needling_with_screening,
    make_office_hours,
    make_practice,
    make_staff,
    weekday_after,
)

DESKTOP = {"width": 1280, "height": 900}


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def a_clinicians_intake(answers):
    """A new, insured patient's complete intake (every section, TRACED_INTAKE's answers, a flagged blood
    thinner), and a clinician of the visit signed in as "drprint"."""
    make_office_hours(make_practice())
    visit_type = make_dry_needling_with_screening()
    provider = visit_type.providers.get()
    Provider.objects.filter(pk=provider.pk).update(staff_user=make_staff("drprint", group=CLINICIANS))
    appointment = make_appointment(provider=provider, visit_type=visit_type, starts_at=at(weekday_after(3), 10), is_new_patient=True,
                                   coverage="insurance")  # every section, the insurance card's too
    intake = fill_in_intake(appointment, answers)
    assert intake.is_complete and Intake.objects.count() == 1
    return intake


def summary(live_site, open_page, sign_in, intake):
    # With JavaScript, as a clinician's browser has it: the admin's sidebar then narrows the content on screen.
    page = open_page(viewport=DESKTOP)
    sign_in(page, "drprint")
    page.goto(f"{live_site}/admin/appointments/intake/{intake.pk}/change/")
    return page


def fits_across(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_new_patients_summary_prints_on_one_page_with_the_consent_on_the_next(live_site, open_page, sign_in):
    page = summary(live_site, open_page, sign_in, a_clinicians_intake(TRACED_INTAKE))
    page.emulate_media(media="print")
    pages = pdf_pages(page.pdf(format="Letter"))
    assert pages == 2, f"{pages} pages: the summary should take one, the consent signed the next"


def test_a_long_word_the_patient_typed_wraps_on_screen_and_on_paper(live_site, open_page, sign_in):
    answers = {**TRACED_INTAKE, "pain": {**TRACED_INTAKE["pain"], "worse": "z" * 300}}
    page = summary(live_site, open_page, sign_in, a_clinicians_intake(answers))
    assert fits_across(page)
    page.emulate_media(media="print")
    assert fits_across(page)
