"""A patient asks for a video visit; the front desk schedules it; the patient's email has the join link."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments.consent import TELEHEALTH_CONSENT_VERSION
from appointments.models import BookingSettings, TelehealthRequest
from clinic.models import HolidayHours, Provider
from clinic.roles import FRONT_DESK
from tests.factories import deliver_outbox, make_staff


def a_working_monday():
    """The next Monday at least two days away that is not a holiday (Dana Whitfield works Mondays)."""
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() != 0 or HolidayHours.objects.filter(first_day__lte=day, last_day__gte=day).exists():
        day += timedelta(days=1)
    return day


def test_front_desk_schedules_a_telehealth_request_as_a_video_visit(live_site, open_page, console, settings, sign_in):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", verbosity=0)
    make_staff("desk", group=FRONT_DESK)
    # Each visit has its own room: the address up to the room's name is the practice's.
    room = BookingSettings.load().video_room_template.split("{room}")[0]
    assert room

    patient = open_page()
    patient.goto(f"{live_site}/telehealth/")
    patient.get_by_role("link", name="Request a telehealth visit").first.click()
    patient.locator("[name=first_name]").fill("Hattie")
    patient.locator("[name=last_name]").fill("Marwood")
    patient.locator("[name=date_of_birth]").fill("1958-04-12")
    patient.locator("[name=phone]").fill("(301) 555-0176")
    patient.locator("[name=email]").fill("hattie@example.com")
    patient.locator("[name=is_new_patient]").first.check()
    patient.locator("[name=state]").select_option("MD")
    patient.locator("[name=consent_to_contact]").check()
    patient.wait_for_timeout(3500)  # the form refuses answers sent faster than a person types
    patient.locator("main form [type=submit]").last.click()
    telehealth_request = TelehealthRequest.objects.get()
    expect(patient.locator("main")).to_contain_text(telehealth_request.reference)

    desk = open_page()
    sign_in(desk, "desk")
    desk.goto(f"{live_site}/admin/appointments/telehealthrequest/")
    desk.get_by_role("link", name=telehealth_request.reference).click()
    desk.get_by_role("link", name="Schedule a video visit").click()
    expect(desk.locator("[name=last_name]")).to_have_value("Marwood")
    monday = a_working_monday()
    dana = Provider.objects.get(slug="dana-whitfield")
    desk.locator("[name=provider]").select_option(str(dana.pk))
    desk.locator("[name=visit_type]").select_option(label="Follow-up visit")
    desk.locator("[name=modality]").select_option("video")
    desk.locator("[name=starts_at_0]").fill(monday.isoformat())
    desk.locator("[name=starts_at_1]").fill("10:00")
    # The request's state is filled in; staff confirm they read the consent to the patient, who agreed.
    expect(desk.locator("[name=patient_state]")).to_have_value("MD")
    desk.get_by_role("checkbox", name="Consent to telehealth").check()
    # Asked on the phone too: how the visit is paid (a plan not on the practice's list, as on the card).
    desk.locator("[name=coverage]").select_option("insurance")
    desk.locator("[name=insurance_plan_name]").fill("Acme Health PPO")
    desk.get_by_role("button", name="Save", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("was added successfully")

    telehealth_request.refresh_from_db()
    assert telehealth_request.status == TelehealthRequest.Status.SCHEDULED
    appointment = telehealth_request.appointment
    assert (appointment.modality, appointment.status, appointment.provider) == ("video", "confirmed", dana)
    assert (appointment.patient_state, appointment.telehealth_consent_version) == ("MD", TELEHEALTH_CONSENT_VERSION)
    assert (appointment.coverage, appointment.insurance_plan_name) == ("insurance", "Acme Health PPO")
    assert timezone.localtime(appointment.starts_at).date() == monday

    desk.goto(f"{live_site}{telehealth_request.get_admin_url()}")
    expect(desk.locator("#content")).to_contain_text("Scheduled")
    # Open requests are the list's default view; this one is no longer among them.
    desk.goto(f"{live_site}/admin/appointments/telehealthrequest/")
    expect(desk.locator("#content")).not_to_contain_text(telehealth_request.reference)

    deliver_outbox()  # the outbox worker's round
    to_patient = [message for message in mail.outbox if message.to == ["hattie@example.com"]]
    confirmation = [message for message in to_patient if room in message.body]
    assert confirmation, [message.subject for message in to_patient]
    assert [] == [str(message) for message in console.about_csp()]
