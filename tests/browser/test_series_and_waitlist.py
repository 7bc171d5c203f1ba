"""Issue 17 in a real browser: a patient on a phone with JavaScript off books a 4-visit weekly
dry-needling series; another patient joins the waitlist; a visit of the series is cancelled; the
waitlisted patient claims the freed time from the offer email. And axe on every new page."""

import re
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments import antispam, booking, waitlist
from appointments.forms.booking import start_value
from appointments.loader import load_slots
from appointments.models import Appointment, AppointmentSeries, BookingSettings, VisitType, WaitlistEntry
from clinic.hours import PRACTICE_TIME_ZONE, at_wall_clock
from tests.browser.test_patient_books_online import choose_first_available_and_first_time, choose_visit_and_place
from tests.factories import deliver_outbox, make_appointment
from tests.pages import describe, wcag_violations

PHONE = {"width": 390, "height": 844}
CLAIM_LINK = re.compile(r"https?://[^/\s]+(/waitlist/offer/[^/\s]+/)")


def fill_details(page, first_name, email):
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill("Seriesson")
    page.get_by_label("Date of birth").fill("04/11/1966")
    page.get_by_label("Mobile phone").fill("(301) 555-0164")
    page.get_by_role("textbox", name=re.compile(r"^Email")).fill(email)
    page.get_by_role("radio", name="Yes, I am a returning patient").check()
    page.get_by_role("radio", name="I do not have insurance: I will pay myself").check()
    page.get_by_role("checkbox", name="You may contact me by phone and email about this appointment.").check()


def wait_out_the_time_trap(page, shown_at):
    wait = antispam.MIN_SECONDS + 0.5 - (time.monotonic() - shown_at)
    if wait > 0:
        page.wait_for_timeout(wait * 1000)


def a_daytime_now():
    """Now, or the next 8:00 in New York when it is night there (waitlist offers wait for the morning)."""
    now = timezone.now()
    if booking.is_daytime(now):
        return now
    local = timezone.localtime(now, PRACTICE_TIME_ZONE)
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    return at_wall_clock(day, datetime.min.time().replace(hour=8))


def fill_the_day_but(visit, starts_at):
    """Every other free time of that provider that day booked: the day is full but for the one time."""
    day = timezone.localtime(starts_at).date()
    for slot in load_slots(visit.visit_type, [visit.provider], day, 1, timezone.now()):
        if slot.starts_at < visit.ends_at and visit.starts_at < slot.ends_at:
            continue
        if not Appointment.objects.active().filter(provider=visit.provider, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at).exists():
            make_appointment(provider=visit.provider, visit_type=visit.visit_type, starts_at=slot.starts_at, ends_at=slot.ends_at)


def test_a_series_from_a_phone_then_a_waitlisted_patient_claims_a_cancelled_visit(live_site, open_page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("seed_demo", verbosity=0)
    booking_settings = BookingSettings.load()
    booking_settings.minimum_notice_minutes = (booking_settings.cancellation_cutoff_hours + 1) * 60
    booking_settings.save()

    # 1. A 4-visit weekly series, from a phone with JavaScript off.
    page = open_page(java_script_enabled=False, viewport=PHONE)
    page.goto(f"{live_site}/book/dry-needling/")
    choose_visit_and_place(page)
    page.wait_for_url(re.compile(r"/book/time/\?"))
    first = choose_first_available_and_first_time(page)
    shown_at = time.monotonic()
    expect(page.get_by_role("group", name="A course of treatment")).to_be_visible()
    fill_details(page, "Sabine", "sabine.series@example.com")
    page.get_by_label("How many visits").select_option("4")
    page.get_by_role("radio", name="Every week").check()
    wait_out_the_time_trap(page, shown_at)
    page.get_by_role("button", name="Book this appointment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the dates of your visits")
    assert not Appointment.objects.filter(email="sabine.series@example.com").exists()  # nothing booked yet
    rows = page.locator("select[name^='series_time_']")
    expect(rows).to_have_count(4)
    assert rows.nth(0).input_value() == first
    chosen = [rows.nth(number).input_value() for number in range(4)]
    assert all(chosen), chosen
    page.get_by_role("button", name="Book these visits").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    expect(page.get_by_role("heading", name="Your 4 visits")).to_be_visible()
    series = AppointmentSeries.objects.get()
    visits = list(series.visits.order_by("starts_at"))
    assert [start_value(visit.starts_at) for visit in visits] == chosen
    deliver_outbox()
    [series_email] = [message for message in mail.outbox
                      if message.to == ["sabine.series@example.com"] and "estimate" not in message.subject.lower()]
    assert all(visit.reference in series_email.body for visit in visits)
    assert any(name == "visits.ics" for name, _, _ in series_email.attachments)

    # 2. Another patient joins the waitlist for that day, with that clinician, from the time page's link.
    booking_settings.minimum_notice_minutes = 60  # the clock moves on while the test runs
    booking_settings.save()
    wanted = visits[1]
    fill_the_day_but(wanted, wanted.starts_at)
    day = timezone.localtime(wanted.starts_at).date()
    other = open_page(java_script_enabled=False, viewport=PHONE)
    query = urlencode({"visit": "dry-needling-session", "mode": "in_office", "provider": wanted.provider_id, "week": day.isoformat()})
    other.goto(f"{live_site}/book/time/?{query}")
    other.get_by_role("link", name="Join the waitlist").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Join the waitlist")
    shown_at = time.monotonic()
    expect(other.get_by_role("combobox", name=re.compile(r"^Visit"))).to_have_value("dry-needling-session")
    expect(other.get_by_role("combobox", name=re.compile(r"^With"))).to_have_value(str(wanted.provider_id))
    other.get_by_role("textbox", name=re.compile(r"^From")).fill(day.strftime("%m/%d/%Y"))
    other.get_by_role("textbox", name=re.compile(r"^Until")).fill(day.strftime("%m/%d/%Y"))
    fill_details(other, "Wilhelmina", "wilhelmina.wait@example.com")
    wait_out_the_time_trap(other, shown_at)
    other.get_by_role("button", name="Join the waitlist").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Thank you: you are on the waitlist")
    entry = WaitlistEntry.objects.get(email="wilhelmina.wait@example.com")

    # 3. The series patient cancels that visit; the outbox worker's round offers it to the waitlist.
    booking.cancel(wanted, by_patient=False)
    assert waitlist.make_offers(now=a_daytime_now()) == 1
    offer = entry.offers.get()
    assert offer.starts_at == wanted.starts_at
    deliver_outbox()
    [offer_email] = [message for message in mail.outbox
                     if message.to == ["wilhelmina.wait@example.com"] and "opened up" in message.subject]
    claim_path = CLAIM_LINK.search(offer_email.body).group(1)

    # 4. She claims it from the email, on her phone.
    other.goto(f"{live_site}{claim_path}")
    expect(other.get_by_role("heading", level=1)).to_have_text("A time offered to you")
    other.get_by_role("button", name="Book this time").click()
    expect(other.get_by_role("heading", level=1)).to_contain_text("Thank you")
    claimed = Appointment.objects.get(email="wilhelmina.wait@example.com")
    assert (claimed.starts_at, claimed.provider_id) == (wanted.starts_at, wanted.provider_id)
    entry.refresh_from_db()
    assert entry.status == "booked"


NEW_PAGES = ["details with the series question", "the series' dates", "series confirmation", "manage a series visit",
             "join the waitlist", "on the waitlist", "waitlist entry", "claim an offer", "an offer gone", "ask for an earlier time",
             "cancel the rest of a series, asked first"]


@pytest.fixture
def series_and_waitlist(live_site):
    """A series, a waitlist entry with an open offer and one with an offer gone, made directly."""
    call_command("seed_demo", verbosity=0)
    needling = VisitType.objects.get(slug="dry-needling-session")
    provider = needling.providers.order_by("pk").first()
    now = timezone.now()
    slots = load_slots(needling, [provider], timezone.localdate() + timedelta(days=7), 7, now)[::4]  # an hour apart: none overlap
    first = slots[0].starts_at
    booked = booking.book_series(visit_type=needling, modality="in_office", provider=provider,
                                 times=[first, first + timedelta(weeks=1)], every_weeks=1, by_staff=True, patient={
                                     "first_name": "Axel", "last_name": "Series", "date_of_birth": datetime(1970, 1, 1).date(),
                                     "phone": "+13015550100", "email": "axel@example.com", "is_new_patient": False,
                                     "consent_to_contact": True, "reason": ""})
    patient = {"first_name": "Ada", "last_name": "Waits", "date_of_birth": datetime(1970, 1, 1).date(), "phone": "+13015550101",
               "email": "ada@example.com", "is_new_patient": False, "consent_to_contact": True, "reason": ""}
    day = timezone.localdate() + timedelta(days=14)
    wish = waitlist.Wish(needling, None, day, day + timedelta(days=7), True, True, "01234")
    entry = waitlist.join(wish=wish, patient=patient)
    taker = waitlist.join(wish=wish, patient={**patient, "email": "ada2@example.com"})
    waiting = waitlist.join(wish=wish, patient={**patient, "email": "ada3@example.com"})
    gone_offer, taken_offer = waitlist.offer_by_hand([entry, taker], provider=provider, starts_at=slots[1].starts_at, now=now)
    waitlist.claim(taken_offer)  # the other patient was first: `gone_offer` has gone
    [open_offer] = waitlist.offer_by_hand([waiting], provider=provider, starts_at=slots[3].starts_at, now=now)
    details = urlencode({"visit": "dry-needling-session", "mode": "in_office", "provider": provider.pk, "start": start_value(slots[2].starts_at)})
    return {
        "details with the series question": f"/book/details/?{details}",
        "manage a series visit": f"/appointments/manage/{booked.manage_tokens[0]}/",
        "join the waitlist": "/waitlist/join/?visit=dry-needling-session",
        "waitlist entry": f"/waitlist/{waiting.token()}/",
        "claim an offer": f"/waitlist/offer/{open_offer.token()}/",
        "an offer gone": f"/waitlist/offer/{gone_offer.token()}/",
        "ask for an earlier time": f"/appointments/manage/{booked.manage_tokens[1]}/earlier/",
        "cancel the rest of a series, asked first": f"/appointments/manage/{booked.manage_tokens[0]}/cancel-rest/",
        "details_for_series": f"/book/details/?{details}",
    }


@pytest.mark.parametrize("name", NEW_PAGES)
def test_new_pages_have_no_wcag_violations_and_no_sideways_scroll(live_site, open_page, series_and_waitlist, name, width, monkeypatch):
    monkeypatch.setattr(antispam, "MIN_SECONDS", 0)
    page = open_page(bypass_csp=True, viewport={"width": width, "height": 900})
    if name in ("the series' dates", "series confirmation"):
        page.goto(f"{live_site}{series_and_waitlist['details_for_series']}")
        fill_details(page, "Axel", "axel.two@example.com")
        page.get_by_label("How many visits").select_option("3")
        page.get_by_role("button", name="Book this appointment").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check the dates of your visits")
        if name == "series confirmation":
            page.get_by_role("button", name="Book these visits").click()
            expect(page.get_by_role("heading", name=re.compile(r"Your \d visits"))).to_be_visible()
    elif name == "on the waitlist":
        page.goto(f"{live_site}{series_and_waitlist['join the waitlist']}")
        day = timezone.localdate() + timedelta(days=7)
        page.get_by_role("textbox", name=re.compile(r"^From")).fill(day.strftime("%m/%d/%Y"))
        page.get_by_role("textbox", name=re.compile(r"^Until")).fill((day + timedelta(days=7)).strftime("%m/%d/%Y"))
        fill_details(page, "Ada", "ada.joins@example.com")
        page.get_by_role("button", name="Join the waitlist").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: you are on the waitlist")
    else:
        response = page.goto(f"{live_site}{series_and_waitlist[name]}")
        assert response.status == 200
    violations = wcag_violations(page)
    assert violations == [], f"{len(violations)} axe violation(s) on {name} at {width}px:\n{describe(violations)}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"sideways scroll on {name} at {width}px"
