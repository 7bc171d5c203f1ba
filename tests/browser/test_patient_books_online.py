"""A patient on a phone, with JavaScript off and only a keyboard, books dry needling online,
gets the confirmation email with a calendar file, and cancels from the link in it."""

import re
import time
from urllib.parse import urlencode, urlsplit

import icalendar
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments import antispam
from appointments.forms.booking import start_value
from appointments.models import Appointment, BookingSettings
from tests.factories import deliver_outbox
from tests.pages import MANAGE_LINK

PHONE = {"width": 390, "height": 844}
VISIT = "dry-needling-session"
PATIENT = {
    "first_name": "Zebedee",
    "last_name": "Quillfeather",
    "date_of_birth": "07/19/1961",
    "phone": "(301) 555-0187",
    "email": "zebedee.q@example.com",
    "reason": "Left shoulder knot since March",
}


def is_focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, target, *, limit=60):
    """Press Tab until `target` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(target):
            return target
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def skip_to_main(page):
    """The first Tab reaches the skip link; Enter on it moves the focus to <main>."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def type_into(page, field, text):
    """Tab to a box and type, key by key."""
    tab_to(page, field)
    page.keyboard.type(text)
    expect(field).to_have_value(text)


def choose_visit_and_place(page):
    """Step 1: the treatment's visit and "in the office", chosen with the keyboard."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    skip_to_main(page)
    # Tab enters a radio group on its checked radio: the treatment's visit is chosen already.
    needling = page.get_by_role("radio", name="Dry needling session")
    tab_to(page, needling)
    page.keyboard.press("Space")
    expect(needling).to_be_checked()
    in_office = page.get_by_role("radio", name="In the office")
    tab_to(page, in_office)
    page.keyboard.press("Space")
    expect(in_office).to_be_checked()
    expect(page.get_by_role("radio", name="Video visit")).not_to_be_checked()
    tab_to(page, page.get_by_role("button", name="Next: choose a time"))
    page.keyboard.press("Enter")


def choose_first_available_and_first_time(page):
    """Step 2: "First available" from the list (type-ahead), then a free time's button: the
    second, since the first can slip inside the minimum notice while the test runs."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    skip_to_main(page)
    providers = page.get_by_label("Who would you like to see?")
    tab_to(page, providers)
    page.keyboard.type("First")  # a closed <select> picks the option that starts with what is typed
    expect(providers).to_have_value("any")
    tab_to(page, page.get_by_role("button", name="Show times"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/book/time/\?.*provider=any"))
    expect(page.get_by_text("With the first available provider.")).to_be_visible()

    first_time = page.locator("button.time-button[name='start']").last
    assert first_time.evaluate("element => element.tagName") == "BUTTON"
    assert first_time.get_attribute("type") == "submit"
    chosen = first_time.get_attribute("value")
    skip_to_main(page)
    tab_to(page, first_time)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/book/details/\?"))
    return chosen


def fill_in_details_and_book(page):
    """Step 3: every box with the keyboard; the form is sent once the time-trap allows it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    shown_at = time.monotonic()
    skip_to_main(page)
    type_into(page, page.get_by_label("First name"), PATIENT["first_name"])
    type_into(page, page.get_by_label("Last name"), PATIENT["last_name"])
    type_into(page, page.get_by_label("Date of birth"), PATIENT["date_of_birth"])
    type_into(page, page.get_by_label("Mobile phone"), PATIENT["phone"])
    type_into(page, page.get_by_role("textbox", name=re.compile(r"^Email")), PATIENT["email"])
    # No radio of the group is checked yet, so Tab stops on the first one; the arrow moves to the
    # second and checks it (dry needling is for returning patients: new ones start with a consultation).
    tab_to(page, page.get_by_role("radio", name="No, I am a new patient"))
    page.keyboard.press("ArrowDown")
    returning = page.get_by_role("radio", name="Yes, I am a returning patient")
    expect(returning).to_be_checked()
    # How the visit is paid: the arrow keys move from "bill my plan" to "I do not have insurance".
    tab_to(page, page.get_by_role("radio", name="I have insurance: please bill my plan"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="I do not have insurance: I will pay myself")).to_be_checked()
    type_into(page, page.get_by_label("Reason for the visit (optional)"), PATIENT["reason"])
    consent = page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.")
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()

    book = page.get_by_role("button", name="Book this appointment")
    tab_to(page, book)  # past the honeypot box, which is out of the tab order
    # The signed time-trap refuses a form sent within MIN_SECONDS of being shown (people are slower).
    wait = antispam.MIN_SECONDS + 0.5 - (time.monotonic() - shown_at)
    if wait > 0:
        page.wait_for_timeout(wait * 1000)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/book/confirmed/$"))


def emails_to(address):
    return [message for message in mail.outbox if address in message.to]


def calendar_event(message):
    calendars = [attachment for attachment in message.attachments if attachment[0].endswith(".ics")]
    assert len(calendars) == 1, message.attachments
    name, content, mimetype = calendars[0]
    assert mimetype.startswith("text/calendar")
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_a_patient_books_with_the_keyboard_and_no_javascript_then_cancels_from_the_email(
    live_site, open_page, console, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("seed_demo", verbosity=0)
    booking_settings = BookingSettings.load()
    # The first free time must be past the cancellation cut-off, so the patient can still cancel it online.
    booking_settings.minimum_notice_minutes = (booking_settings.cancellation_cutoff_hours + 1) * 60
    booking_settings.save()
    assert booking_settings.requires_confirmation  # the default: bookings wait for the front desk

    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}/services/dry-needling/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dry needling")
    skip_to_main(page)
    tab_to(page, page.get_by_role("link", name="Book this treatment"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_site}/book/dry-needling/")

    choose_visit_and_place(page)
    page.wait_for_url(re.compile(r"/book/time/\?"))
    chosen = choose_first_available_and_first_time(page)
    fill_in_details_and_book(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your appointment is requested")
    appointment = Appointment.objects.get()
    expect(page.locator(".reference-code")).to_have_text(appointment.reference)
    assert start_value(appointment.starts_at) == chosen
    assert appointment.status == Appointment.Status.REQUESTED
    assert appointment.visit_type.slug == VISIT and appointment.modality == Appointment.Modality.IN_OFFICE
    assert (appointment.first_name, appointment.last_name, appointment.email) == ("Zebedee", "Quillfeather", PATIENT["email"])
    assert appointment.date_of_birth.isoformat() == "1961-07-19" and appointment.phone == "+13015550187"
    assert not appointment.is_new_patient and appointment.consent_to_contact
    assert appointment.coverage == Appointment.Coverage.UNINSURED and appointment.insurance_plan is None
    assert appointment.reason == PATIENT["reason"]

    deliver_outbox()  # the outbox worker's round
    # The booking's email (a patient paying themselves may also get their good faith estimate).
    [received] = [message for message in emails_to(PATIENT["email"]) if "estimate" not in message.subject]
    event = calendar_event(received)
    assert event.decoded("dtstart") == appointment.starts_at
    assert event.decoded("dtend") == appointment.ends_at
    assert str(event["uid"]).startswith(appointment.reference)
    assert appointment.reference in str(event["description"])

    link = MANAGE_LINK.search(received.body)
    assert link, received.body
    page.goto(f"{live_site}{link.group(1)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator(".reference-code")).to_have_text(appointment.reference)
    skip_to_main(page)
    tab_to(page, page.get_by_role("button", name="Cancel this appointment"))
    page.keyboard.press("Enter")
    # A page that asks first: "No, keep my appointment" goes back, "Yes" cancels.
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment?")
    appointment.refresh_from_db()
    assert appointment.status != Appointment.Status.CANCELLED
    skip_to_main(page)
    tab_to(page, page.get_by_role("button", name="Yes, cancel this appointment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled.")
    assert urlsplit(page.url).path == link.group(1)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    expect(page.get_by_role("button", name="Cancel this appointment")).to_have_count(0)

    # The time is free again for the next patient (whose notice is shorter: the clock has moved on
    # since the time was chosen, and a day's notice could now rule it out whether free or not).
    booking_settings.minimum_notice_minutes = 60
    booking_settings.save()
    day = timezone.localtime(appointment.starts_at).date()
    query = urlencode({"visit": VISIT, "mode": "in_office", "provider": "any", "week": day.isoformat()})
    page.goto(f"{live_site}/book/time/?{query}")
    expect(page.locator(f"button[name='start'][value='{chosen}']")).to_have_count(1)

    deliver_outbox()
    assert any(PATIENT["email"] in message.to and "cancelled" in message.subject.lower() for message in mail.outbox)
    csp = console.about_csp()
    assert csp == [], "CSP messages:\n" + "\n".join(map(str, csp))

