"""A new patient books dry needling, opens their forms from the confirmation email and, with
JavaScript off, answers section by section: they stop halfway, come back through the same link
(on the next section to do, their answers kept), say yes to blood thinners and sign the consent.
The done page tells them kindly that someone will call, and the visit needs a clinician's review;
the front desk sees it, the visit's clinician opens the summary and marks it reviewed, and the
front desk sees the change.
axe finds nothing on any intake page at 390 and 1280 px; no page scrolls sideways or asks a third party."""

import re
import time
from urllib.parse import urlsplit

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments import antispam
from appointments import intake as intakes
from appointments.models import Appointment, BookingSettings, Intake, ScreeningQuestion, TreatmentConsent, VisitType
from clinic.models import Provider
from clinic.roles import CLINICIANS, FRONT_DESK
from tests.factories import deliver_outbox, make_staff
from tests.pages import describe, wcag_violations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VISIT = "dry-needling-session"
PATIENT = {"first_name": "Ysolde", "last_name": "Marchbanks", "email": "ysolde.m@example.com"}
INTAKE_LINK = re.compile(r"https?://[^/\s]+(/appointments/manage/[A-Za-z0-9_.-]+/intake/)")


def is_focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, target, *, limit=40):
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(target):
            return target
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def group(page, legend):
    """A radio or checkbox group, by the words of its legend (fieldset + legend)."""
    return page.get_by_role("group", name=re.compile(re.escape(legend)))


def save(page, slug_after):
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Save and (continue|finish)$")).click()
    assert urlsplit(page.url).path.endswith(f"/intake/{slug_after}/"), page.url


def book_as_a_new_patient(page, live_site):
    """Online booking, the last time of the first day offered, as a new patient paying themselves."""
    page.goto(f"{live_site}/book/time/?visit={VISIT}&mode=in_office&provider=any")
    with page.expect_navigation():
        page.locator("button.time-button[name='start']").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    shown_at = time.monotonic()
    page.get_by_label("First name").fill(PATIENT["first_name"])
    page.get_by_label("Last name").fill(PATIENT["last_name"])
    page.get_by_label("Date of birth").fill("03/21/1970")
    page.get_by_label("Mobile phone").fill("(301) 555-0177")
    page.get_by_role("textbox", name=re.compile(r"^Email")).fill(PATIENT["email"])
    page.get_by_role("radio", name="No, I am a new patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()
    wait = antispam.MIN_SECONDS + 0.5 - (time.monotonic() - shown_at)  # the spam time-trap
    if wait > 0:
        page.wait_for_timeout(wait * 1000)
    with page.expect_navigation(url=f"{live_site}/book/confirmed/"):
        page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("link", name="Fill in your forms")).to_be_visible()


def test_a_new_patient_fills_in_the_forms_from_the_email_without_javascript(live_site, open_page, browser, console, settings,
                                                                           sign_in):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("seed_demo", verbosity=0)
    VisitType.objects.filter(slug=VISIT).update(new_patients_may_book=True)
    needling = VisitType.objects.get(slug=VISIT)
    ScreeningQuestion.objects.filter(service=needling.service).delete()
    ScreeningQuestion.objects.create(
        service=needling.service, key="blood_thinners", order=1, question="Do you take a medicine that thins your blood?",
        reason="Needles can cause more bleeding or bruising with these.",
    )
    ScreeningQuestion.objects.create(
        service=needling.service, order=2, question="Have you ever fainted with needles?", reason="We treat you lying down.",
    )
    TreatmentConsent.objects.filter(service=needling.service).delete()  # the demo's, not signed by anyone
    consent = TreatmentConsent.objects.create(
        service=needling.service, published_at=timezone.now(),
        text="Dry needling puts thin needles into tight muscles.\n\nYou may feel soreness for a day or two. You may stop at any time.",
    )
    booking_settings = BookingSettings.load()
    booking_settings.minimum_notice_minutes = 60
    booking_settings.save()

    page = open_page(java_script_enabled=False, viewport=PHONE)
    book_as_a_new_patient(page, live_site)
    appointment = Appointment.objects.get()
    assert appointment.is_new_patient

    deliver_outbox()
    [received] = [message for message in mail.outbox if PATIENT["email"] in message.to and "request" in message.subject]
    link = INTAKE_LINK.search(received.body)
    assert link, received.body
    assert "Please fill in your forms online before the visit" in received.body

    # From the email: the overview, then the first section, reached with Tab and sent with Enter.
    page.goto(f"{live_site}{link.group(1)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your forms before your visit")
    expect(page.get_by_text("It takes about 10 minutes")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Start")).click()
    expect(page.get_by_text("Section 1 of 8")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your address and emergency contact")
    page.locator("main#main").focus()
    address = page.get_by_label("Street address")
    tab_to(page, address)
    page.keyboard.type("9 Orchard Row")
    page.get_by_label("City or town").fill("Gaithersburg")
    page.get_by_label("State").select_option("MD")
    page.get_by_label("ZIP code").fill("208")  # a mistake: shown next to the box, everything kept
    page.get_by_label("Emergency contact's name").fill("Tobias Marchbanks")
    page.get_by_label("Their phone number").fill("(301) 555-0199")
    with page.expect_navigation():
        page.get_by_label("Emergency contact's name").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Enter a 5-digit ZIP code")
    expect(page.locator("#div_id_zip_code .invalid-feedback")).to_contain_text("Enter a 5-digit ZIP code")
    expect(page.get_by_label("Street address")).to_have_value("9 Orchard Row")
    expect(page.get_by_label("Emergency contact's name")).to_have_value("Tobias Marchbanks")
    assert not Intake.objects.exists()
    page.get_by_label("ZIP code").fill("20878")
    with page.expect_navigation():
        page.get_by_label("ZIP code").press("Enter")
    assert urlsplit(page.url).path.endswith("/intake/doctors/")

    expect(page.get_by_text("Section 2 of 8")).to_be_visible()
    page.get_by_label("Your primary care doctor").fill("Dr Lavinia Oakes")
    group(page, "May we send your visit reports").get_by_label("Yes").check()
    save(page, "history")

    group(page, "Do you have, or have you had").get_by_label("Diabetes").check()
    page.get_by_label("Operations you have had, and when").fill("Appendix 1994")
    save(page, "medicines")

    page.get_by_label("Medicines you take now").fill("Apixaban 5 mg twice a day")
    group(page, "Do you take a medicine that thins your blood?").get_by_label("Yes").check()
    page.get_by_label("Which one, and how much?").fill("Eliquis 5 mg")
    group(page, "Are you allergic to any of these?").get_by_label("Latex (rubber gloves)").check()
    save(page, "pregnancy-devices")
    assert Intake.objects.get().review == Intake.Review.NEEDS_REVIEW

    # Halfway: the patient closes the browser and comes back later through the same link.
    page.context.close()
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}{link.group(1)}")
    expect(page.locator("#will-call")).to_contain_text("Someone from the practice will call you before your visit")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Continue")).click()
    assert urlsplit(page.url).path.endswith("/intake/pregnancy-devices/")
    expect(page.get_by_text("Section 5 of 8")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Back to the previous section")).click()
    expect(group(page, "Do you take a medicine that thins your blood?").get_by_label("Yes")).to_be_checked()
    expect(page.get_by_label("Which one, and how much?")).to_have_value("Eliquis 5 mg")
    page.go_back()

    group(page, "Are you pregnant, or could you be?").get_by_label("Does not apply to me").check()
    save(page, "pain")

    group(page, "Where do you have pain?").get_by_label("Lower back").check()
    group(page, "Where do you have pain?").get_by_label("Left leg or knee").check()
    group(page, "How strong is your pain").get_by_label("7", exact=True).check()
    group(page, "How long have you had this pain?").get_by_label("More than a year").check()
    save(page, "screening")

    # The blood thinner question was answered in the medicines section: only the other one is asked.
    expect(page.get_by_text("Do you take a medicine that thins your blood?")).to_have_count(0)
    group(page, "Have you ever fainted with needles?").get_by_label("No").check()
    save(page, "consent")

    expect(page.get_by_text("Section 8 of 8")).to_be_visible()
    expect(page.get_by_role("heading", name="Consent to dry needling (version 1)")).to_be_visible()
    expect(page.get_by_text("Dry needling puts thin needles into tight muscles.")).to_be_visible()
    page.get_by_label("Type your full name to sign").fill(f"{PATIENT['first_name']} {PATIENT['last_name']}")
    page.get_by_label("I have read the consent above and I agree to it.").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and finish").click()
    assert urlsplit(page.url).path.endswith("/intake/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your forms are done")
    expect(page.locator("#will-call")).to_contain_text("Someone from the practice will call you before your visit")

    intake = Intake.objects.get()
    assert intake.is_complete and intake.review == Intake.Review.NEEDS_REVIEW
    assert intake.signatures.get().treatment_consent == consent
    answers = intakes.answers_of(intake)
    assert answers["contacts"]["zip_code"] == "20878" and answers["medicines"]["blood_thinners"] == "yes"

    # axe on every intake page (and a page with a mistake), at a phone's width and a desktop's.
    third_party = []  # every request of the checking pages that leaves the site
    pages = [link.group(1), *(f"{link.group(1)}{slug}/" for slug in intake.sections_done), f"{link.group(1)}done/"]
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        try:
            checker = context.new_page()
            checker.on("request", lambda request: third_party.append(request.url) if not request.url.startswith(live_site) else None)
            for path in pages:
                response = checker.goto(f"{live_site}{path}")
                assert response.status == 200, path
                violations = wcag_violations(checker)
                assert violations == [], f"{path} at {viewport['width']} px:\n{describe(violations)}"
                assert checker.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), path
            checker.goto(f"{live_site}{link.group(1)}contacts/")
            checker.get_by_label("ZIP code").fill("")
            with checker.expect_navigation():
                checker.get_by_role("button", name="Save and continue").click()
            expect(checker.get_by_role("alert")).to_contain_text("Please enter your ZIP code.")
            violations = wcag_violations(checker)
            assert violations == [], f"contacts with a mistake at {viewport['width']} px:\n{describe(violations)}"
        finally:
            context.close()
    assert third_party == [], third_party
    assert intakes.answers_of(Intake.objects.get())["contacts"]["zip_code"] == "20878"  # the mistake saved nothing

    csp = console.about_csp()
    assert csp == [], "CSP messages:\n" + "\n".join(map(str, csp))

    # The front desk sees the visit needs a clinician; the visit's clinician opens the summary, the
    # blood thinner first, and marks it reviewed; the front desk sees the change.
    appointment = intake.appointment
    make_staff("desk", group=FRONT_DESK)
    Provider.objects.filter(pk=appointment.provider_id).update(staff_user=make_staff("clinician", group=CLINICIANS))
    desk = open_page(java_script_enabled=False, viewport=DESKTOP)
    sign_in(desk, "desk")
    desk.goto(f"{live_site}/admin/appointments/appointment/?when=all")
    expect(desk.locator("#result_list tbody tr", has_text=appointment.reference)).to_contain_text("Needs clinician review")
    clinician = open_page(java_script_enabled=False, viewport=DESKTOP)
    sign_in(clinician, "clinician")
    clinician.goto(f"{live_site}/admin/appointments/intake/")
    with clinician.expect_navigation():
        clinician.get_by_role("link", name=appointment.reference).click()
    expect(clinician.locator(".intake-flagged")).to_contain_text("Do you take a medicine that thins your blood?")
    expect(clinician.locator(".intake-flagged")).to_contain_text("Yes: Eliquis 5 mg")  # what they said, beside the flag
    with clinician.expect_navigation():
        clinician.get_by_role("button", name="Reviewed: OK to proceed").click()
    assert Intake.objects.get().review == Intake.Review.OK
    desk.reload()
    expect(desk.locator("#result_list tbody tr", has_text=appointment.reference)).to_contain_text("Reviewed: OK to proceed")
