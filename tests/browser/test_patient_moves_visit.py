"""A patient on a phone, JavaScript off, moves a visit from the link in their email: the
visit stays with the provider they chose unless they explicitly choose someone else
(issue 12, item 2)."""

from datetime import date

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments import booking
from appointments.loader import load_slots
from appointments.models import Appointment, BookingSettings, VisitType
from clinic.models import Provider
from tests.factories import TRACED_PATIENT_BY_LABEL, backdated, deliver_outbox
from tests.pages import MANAGE_LINK

PHONE = {"width": 390, "height": 844}
PATIENT = dict(
    first_name="Zebedee", last_name="Quillfeather", date_of_birth=date(1961, 7, 19), phone="+13015550187",
    email="zebedee.q@example.com", is_new_patient=False, consent_to_contact=True,
)


def booked_with(provider, visit_type):
    """A visit with `provider` at their first free time past the cancellation cut-off; returns it and its manage token."""
    settings = BookingSettings.load()
    now = timezone.now()
    first_day = timezone.localdate(now)
    slots = [
        slot for slot in load_slots(visit_type, [provider], first_day, 14, now, settings)
        if slot.starts_at - now > settings.cancellation_cutoff
    ]
    made = booking.book(
        visit_type=visit_type, modality=Appointment.Modality.IN_OFFICE, starts_at=slots[0].starts_at, patient=PATIENT,
        provider_id=provider.pk,
    )
    return made.appointment, made.manage_token


def test_moving_a_visit_keeps_the_provider_and_another_one_is_an_explicit_labelled_choice(live_site, open_page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FRONT_DESK_EMAIL = ""
    mail.outbox = []
    call_command("seed_demo", verbosity=0)
    priya, dana = Provider.objects.get(slug="priya-raman"), Provider.objects.get(slug="dana-whitfield")
    appointment, token = booked_with(priya, VisitType.objects.get(slug="dry-needling-session"))

    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}/appointments/manage/{token}/")
    page.get_by_role("link", name="Choose a new time").click()
    expect(page.get_by_role("heading", name=f"Free times with {priya.display_name}", exact=False)).to_be_visible()
    expect(page.get_by_label("Provider")).to_have_value(str(priya.pk))
    # The last time of the week: another day than the visit's.
    page.locator("button.time-button[name='start']").last.click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment has been moved")
    appointment.refresh_from_db()
    assert appointment.provider == priya

    # Choosing Dana is explicit, and her times say whose they are.
    page.get_by_role("link", name="Choose a new time").click()
    page.get_by_label("Provider").select_option(str(dana.pk))
    page.get_by_role("button", name="Show times").click()
    expect(page.locator(".other-provider-notice")).to_contain_text(
        f"These times are with {dana.display_name}, not your current provider, {priya.display_name}."
    )
    page.locator("button.time-button[name='start']").first.click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment has been moved")
    appointment.refresh_from_db()
    assert appointment.provider == dana
    deliver_outbox()
    last_email = [message for message in mail.outbox if message.to == [PATIENT["email"]] and "estimate" not in message.subject][-1]
    assert f"your provider has changed, from {priya.display_name} to {dana.display_name}" in last_email.body


def test_a_patient_who_books_a_soon_visit_is_told_so_and_can_still_cancel_it_just_after(live_site, open_page, settings):
    """Item 1: at night "first available" offers a time inside the cancellation cut-off. The
    patient sees it marked, is told until when it can be changed, and can change their mind."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("seed_demo", verbosity=0)
    booking_settings = BookingSettings.load()
    # Every time of the coming weeks lies inside the cut-off, as the first ones do at 00:25.
    booking_settings.cancellation_cutoff_hours = 30 * 24
    booking_settings.save()

    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}/book/time/?visit=new-patient-consultation&mode=in_office&provider=any")
    expect(page.locator("#soon-times")).to_contain_text("can be changed or cancelled online only for 30 minutes after booking")
    # The day's last time (late in the afternoon today may have only one left); every time is soon here.
    first_time = page.locator("button.time-button[name='start']").last
    expect(first_time).to_contain_text("soon")
    first_time.click()
    expect(page.locator(".soon-note")).to_contain_text("This visit is soon")
    for label, value in TRACED_PATIENT_BY_LABEL.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("textbox", name="Email").fill(PATIENT["email"])
    page.get_by_role("radio", name="No, I am a new patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()
    # The time-trap is tested elsewhere: a stamp as if the form had been shown 10 seconds ago.
    stamp = page.locator("input[name='form_stamp']")
    stamp.evaluate("(input, stamp) => { input.value = stamp; }", backdated(stamp.input_value(), 10))
    page.get_by_role("button", name="Book this appointment").click()
    page.wait_for_url(f"{live_site}/book/confirmed/")
    expect(page.locator(".soon-note")).to_contain_text("You can change or cancel it online only until")
    expect(page.locator(".soon-note")).to_contain_text("make sure it is confirmed")

    deliver_outbox()
    [received] = [message for message in mail.outbox if message.to == [PATIENT["email"]] and "estimate" not in message.subject]
    assert "This visit is soon" in received.body
    page.goto(f"{live_site}{MANAGE_LINK.search(received.body).group(1)}")
    page.get_by_role("button", name="Cancel this appointment").click()
    page.get_by_role("button", name="Yes, cancel this appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled.")
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
