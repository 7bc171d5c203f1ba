"""The booking flow through the test client: visit → time → details → confirmation,
and every bad input on the way (the message, nothing saved, nothing emailed)."""

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.utils import timezone

from appointments import antispam
from appointments.availability import first_step_at_or_after
from appointments.models import Appointment, OutboxMessage, VisitType
from tests.factories import (
    video_details,
    browser,
    PATIENT,
    at,
    details_form,
    make_appointment,
    make_holiday,
    make_service,
    weekday_after,
    TypedDate,
    typed,
    years_ago,
)
from tests.pages import BOOK_TIME, DETAILS, assert_nothing_booked, assert_refused_with, form_stamp_in, time_buttons

pytestmark = pytest.mark.django_db


# --- The whole flow ---------------------------------------------------------------

def test_it_books_dry_needling_step_by_step(client, clinic):
    html = client.get("/book/dry-needling/").content.decode()
    # The treatment's visit comes first and is chosen; the form asks for a time with GET.
    assert '<form method="get" action="/book/time/"' in html
    assert re.search(r'value="dry-needling-session" id="visit-dry-needling-session"[^>]*required checked>', html)
    assert html.index("Dry needling session") < html.index("Follow-up visit")
    assert "csrfmiddlewaretoken" not in html

    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office"}).content.decode()
    assert '<option value="any" selected>First available</option>' in html
    starts = time_buttons(html)
    assert starts, "the week has free times"
    first_start = datetime.fromisoformat(starts[0])

    response = client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": starts[0]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dry needling session (30 minutes)" in html
    assert f"{first_start:%A, %B} {first_start.day}" in html
    stamp = form_stamp_in(html)
    assert antispam.read_stamp(stamp, browser()).problem == antispam.TOO_FAST  # just shown

    response = client.post(DETAILS, details_form(clinic.needling, starts[0]))
    assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    appointment = Appointment.objects.get()
    assert appointment.starts_at == first_start
    assert appointment.provider == clinic.dana  # first available, in the team's order
    assert (appointment.first_name, appointment.last_name, appointment.date_of_birth) == ("Rosalind", "Quigley", date(1958, 7, 14))
    assert appointment.phone == "+13015550188"
    assert appointment.is_new_patient and appointment.consent_to_contact
    assert appointment.status == Appointment.Status.REQUESTED
    assert appointment.manage_nonce
    assert OutboxMessage.objects.filter(appointment=appointment).exists()

    response = client.get("/book/confirmed/")
    html = response.content.decode()
    assert f'<p class="reference-code">{appointment.reference}</p>' in html
    assert "requested, we will confirm by email" in html
    assert "Dana Whitfield" in html and "1 Test Street" in html
    assert "A photo ID" in html  # what to bring (paying themselves: no insurance card)
    assert "1958" not in html and "07/14" not in html  # no date of birth


def test_a_video_visit_is_booked_with_a_chosen_provider(client, clinic):
    day = weekday_after(3)
    html = client.get(BOOK_TIME, {
        "visit": "follow-up-visit", "mode": "video", "provider": clinic.dana.pk, "state": "MD", "week": day.isoformat(),
    }).content.decode()
    assert f'<option value="{clinic.dana.pk}" selected>' in html
    assert at(day, 9).isoformat() in time_buttons(html)
    response = client.post(DETAILS, details_form(clinic.follow_up, at(day, 9), mode="video", provider=str(clinic.dana.pk), **video_details()))
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.modality == Appointment.Modality.VIDEO and appointment.provider == clinic.dana
    html = client.get("/book/confirmed/").content.decode()
    assert "Video visit, while you are in Maryland: we will send you how to join" in html
    assert "Finding us" not in html and "Get directions<span" not in html.split("<footer")[0]


def test_the_confirmation_page_needs_a_booking_in_this_session(client, clinic):
    response = client.get("/book/confirmed/")
    assert response.status_code == 302 and response["Location"] == "/book/"


def test_mode_video_preselects_a_video_visit(client, clinic):
    html = client.get("/book/", {"mode": "video"}).content.decode()
    assert 'id="mode-video" aria-describedby="mode-video-about" checked>' in html


def test_an_unknown_or_unpublished_treatment_is_not_found(client, clinic):
    make_service(slug="draft-treatment", is_published=False)
    assert client.get("/book/no-such-treatment/").status_code == 404
    assert client.get("/book/draft-treatment/").status_code == 404


# --- The time page ------------------------------------------------------------------

def test_the_time_page_lists_the_days_of_a_week_and_shows_one_days_times(client, clinic):
    day = weekday_after(7)
    monday = day - timedelta(days=day.weekday())
    make_holiday(label="Staff training", first_day=monday + timedelta(days=2))
    params = {"visit": "dry-needling-session", "mode": "in_office", "week": monday.isoformat()}
    html = client.get(BOOK_TIME, params).content.decode()
    # The strip of days: a link for each day with times, a plain line for the others.
    for offset in (0, 1, 3, 4):
        shown = monday + timedelta(days=offset)
        assert f"day={shown.isoformat()}#times" in html
    for offset in (2, 5, 6):
        assert f"day={(monday + timedelta(days=offset)).isoformat()}" not in html
    assert f"{monday + timedelta(days=2):%A, %B} {(monday + timedelta(days=2)).day}: closed (Staff training)" in html
    assert html.count(": no free times</span>") == 2  # the weekend
    # The first day with times is shown in full, morning then afternoon.
    assert f'<h3 class="h5" id="day-{monday.isoformat()}">' in html
    assert f'href="/book/time/?visit=dry-needling-session&amp;mode=in_office&amp;provider=any&amp;week={monday.isoformat()}&amp;day={monday.isoformat()}#times" aria-current="date"' in html
    starts = [datetime.fromisoformat(value) for value in time_buttons(html)]
    assert {start.date() for start in starts} == {monday}
    assert at(monday, 9) in starts and at(monday, 11, 30) in starts and at(monday, 12) not in starts
    assert html.index(">Morning</h4>") < html.index(at(monday, 9).isoformat()) < html.index(">Afternoon</h4>")
    assert html.index(">Afternoon</h4>") < html.index(at(monday, 14).isoformat())
    assert f"week={(monday - timedelta(days=7)).isoformat()}" in html or monday - timedelta(days=7) < timezone.localdate()
    assert f"week={(monday + timedelta(days=7)).isoformat()}" in html

    tuesday = monday + timedelta(days=1)
    html = client.get(BOOK_TIME, {**params, "day": tuesday.isoformat()}).content.decode()
    assert {datetime.fromisoformat(value).date() for value in time_buttons(html)} == {tuesday}
    # A day without times (the holiday) shows the first day that has some.
    html = client.get(BOOK_TIME, {**params, "day": (monday + timedelta(days=2)).isoformat()}).content.decode()
    assert {datetime.fromisoformat(value).date() for value in time_buttons(html)} == {monday}
    response = client.get(BOOK_TIME, {**params, "day": "2027-02-30"})
    assert response.status_code == 400 and "That day could not be read." in response.content.decode()


def test_the_provider_list_and_the_times_are_one_form(client, clinic):
    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any"}).content.decode()
    form = html[html.index('<form method="get" action="/book/details/"'):]
    form = form[:form.index("</form>")]
    assert 'name="provider" id="provider-choice"' in form and 'name="start"' in form
    assert '<input type="hidden" name="shown_provider" value="any">' in form
    assert 'formaction="/book/time/">Show times</button>' in form


def test_a_time_pressed_after_choosing_another_provider_shows_that_providers_times(client, clinic):
    """The patient chose Marcus in the list, then pressed one of the "first available" times
    without "Show times": nothing is booked with anyone else; Marcus's times are shown."""
    day = weekday_after(3)
    week = day - timedelta(days=day.weekday())
    start = at(day, 9).isoformat()
    sent = {"visit": "dry-needling-session", "mode": "in_office", "week": week.isoformat(), "shown_provider": "any",
            "provider": str(clinic.marcus.pk), "start": start}
    response = client.get(DETAILS, sent)
    assert response.status_code == 302
    assert response["Location"] == (
        f"/book/time/?visit=dry-needling-session&mode=in_office&provider={clinic.marcus.pk}&week={week.isoformat()}&provider_changed=1"
    )
    html = client.get(response["Location"]).content.decode()
    assert f'<option value="{clinic.marcus.pk}" selected>' in html
    assert "You chose Marcus Ellery, MD, so these are Marcus Ellery’s free times." in unescape(html)
    assert "Nothing is booked yet: please choose a time again." in html
    assert "With Marcus Ellery." in html
    # And back to "first available" from a provider's times: the same.
    response = client.get(DETAILS, {**sent, "shown_provider": str(clinic.marcus.pk), "provider": "any"})
    assert response.status_code == 302 and "provider=any" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "You chose the first available provider, so these are the free times with any provider." in html
    # The provider whose times were shown: the details page.
    response = client.get(DETAILS, {**sent, "shown_provider": str(clinic.marcus.pk)})
    assert response.status_code == 200 and "Your details" in response.content.decode()
    assert_nothing_booked()


def test_the_week_links_stop_at_today_and_at_the_horizon(client, clinic):
    today = timezone.localdate()
    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office"}).content.decode()
    assert "Earlier times" not in html and "Later times" in html
    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office", "week": (today - timedelta(days=30)).isoformat()}).content.decode()
    # A past week starts today (its day links name the week; today itself may have no time left).
    assert f"week={today.isoformat()}&amp;day=" in html and "Earlier times" not in html
    last_week = today + timedelta(days=57)
    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office", "week": last_week.isoformat()}).content.decode()
    assert "Later times" not in html and "Earlier times" in html
    response = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office", "week": (today + timedelta(days=61)).isoformat()})
    assert response.status_code == 400
    assert "You can book online up to 60 days ahead." in response.content.decode()


def test_a_booked_time_is_not_offered_for_that_provider(client, clinic):
    day = weekday_after(3)
    make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(day, 10))
    params = {"visit": "dry-needling-session", "mode": "in_office", "week": day.isoformat()}
    assert at(day, 10).isoformat() not in time_buttons(client.get(BOOK_TIME, {**params, "provider": clinic.dana.pk}).content.decode())
    # First available: Marcus is free then.
    assert at(day, 10).isoformat() in time_buttons(client.get(BOOK_TIME, params).content.decode())


@pytest.mark.parametrize(
    "params, message",
    [
        ({"mode": "in_office"}, "Please choose the type of visit."),
        ({"visit": "no-such-visit", "mode": "in_office"}, "That type of visit cannot be booked online."),
        ({"visit": "dry-needling-session", "mode": "video"}, "That visit is not offered this way."),
        ({"visit": "dry-needling-session", "mode": "by-pigeon"}, "Please choose in the office or a video visit."),
        ({"visit": "dry-needling-session", "mode": "in_office", "provider": "OUTSIDER"}, "That provider does not offer this visit."),
        ({"visit": "dry-needling-session", "mode": "in_office", "provider": "99999"}, "That provider does not offer this visit."),
        ({"visit": "dry-needling-session", "mode": "in_office", "provider": "1; DROP TABLE"}, "Please choose a provider from the list"),
        ({"visit": "dry-needling-session", "mode": "in_office", "week": "2027-02-30"}, "That week could not be read."),
    ],
)
def test_bad_time_page_addresses_get_a_message_and_a_way_back(client, clinic, params, message):
    params = {key: str(clinic.outsider.pk) if value == "OUTSIDER" else value for key, value in params.items()}
    response = client.get(BOOK_TIME, params)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'href="/book/">Choose again</a>' in html


def test_an_inactive_visit_type_is_refused(client, clinic):
    VisitType.objects.filter(pk=clinic.needling.pk).update(is_active=False)
    response = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office"})
    assert response.status_code == 400
    assert "That type of visit cannot be booked online." in response.content.decode()
    # A details page left open while staff switched the visit off.
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    html = assert_refused_with(response, "That type of visit cannot be booked online.")
    assert "Book this appointment</button>" not in html


@pytest.mark.parametrize(
    "name, value",
    [(name, value) for name in ("visit", "mode", "provider", "week") for value in (
        "\x00", "a" * 5000, "<script>alert(1)</script>", "-1", "1e9", "９", "99999999999999999999", "9999-12-31", "0001-01-01", "",
    )],
)
def test_garbage_in_any_time_page_parameter_never_gives_a_500(client, clinic, name, value):
    params = {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "week": ""}
    params[name] = value
    response = client.get(BOOK_TIME, params)
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_time_page_runs_at_most_fourteen_queries(client, clinic, django_assert_max_num_queries):
    day = weekday_after(3)
    make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(day, 10))
    make_holiday(first_day=day + timedelta(days=1))
    for params in ({"provider": "any"}, {"provider": clinic.marcus.pk}):
        # With nothing cached (each test starts with an empty cache): ten, with the availability version,
        # the booking settings and the practice's hours read under it first (appointments.booking_pages).
        # Served again from the cache: one (tests/appointments/test_booking_pages.py).
        with django_assert_max_num_queries(14):
            response = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office", "week": day.isoformat(), **params})
        assert response.status_code == 200


def test_booking_pages_are_never_stored_by_browsers(client, clinic):
    day = weekday_after(3)
    pages = [
        client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office"}),
        client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": at(day, 9).isoformat()}),
        client.post(DETAILS, details_form(clinic.needling, at(day, 9), email="not an email")),
        client.post(DETAILS, details_form(clinic.needling, at(day, 9))),
        client.get("/book/confirmed/"),
    ]
    for response in pages:
        assert "no-store" in response["Cache-Control"], response


# --- The details page: bad times ---------------------------------------------------

def test_a_time_in_the_past_is_refused(client, clinic):
    past = first_step_at_or_after(timezone.now() - timedelta(days=1), timedelta(minutes=15))
    assert_refused_with(client.post(DETAILS, details_form(clinic.needling, past)), "That time is in the past.")


def test_a_page_left_open_for_weeks_still_offers_the_soonest_free_times(client, clinic):
    stale = at(timezone.localdate() - timedelta(days=30), 10)
    html = assert_refused_with(client.post(DETAILS, details_form(clinic.needling, stale)), "That time is in the past.")
    offered = [datetime.fromisoformat(value) for value in time_buttons(html, "new_start")]
    assert offered and all(start >= timezone.now() + timedelta(hours=2) for start in offered)
    assert min(offered).date() <= weekday_after(1)


def test_a_time_inside_the_minimum_notice_is_refused(client, clinic):
    soon = first_step_at_or_after(timezone.now() + timedelta(minutes=30), timedelta(minutes=15))
    assert_refused_with(client.post(DETAILS, details_form(clinic.needling, soon)), "Online bookings need at least 2 hours' notice.")


def test_a_time_beyond_the_horizon_is_refused_with_the_latest_free_times(client, clinic):
    far = at(weekday_after(90), 10)
    html = assert_refused_with(client.post(DETAILS, details_form(clinic.needling, far)), "You can book online up to 60 days ahead.")
    offered = [datetime.fromisoformat(value) for value in time_buttons(html, "new_start")]
    last_day = timezone.localdate() + timedelta(days=60)
    assert offered and all(last_day - timedelta(days=7) <= start.date() <= last_day for start in offered)


def test_a_holiday_closure_is_refused(client, clinic):
    day = weekday_after(3)
    make_holiday(label="Snow day", first_day=day)
    assert_refused_with(client.post(DETAILS, details_form(clinic.needling, at(day, 10))), "(Snow day). Please choose another day.")


def test_a_time_outside_opening_hours_is_refused(client, clinic):
    day = weekday_after(3)
    assert_refused_with(client.post(DETAILS, details_form(clinic.needling, at(day, 7))), "That time is outside our opening hours.")
    assert_refused_with(client.post(DETAILS, details_form(clinic.needling, at(day, 11, 45))), "That time is outside our opening hours.")


def test_a_provider_who_does_not_offer_the_visit_is_refused(client, clinic):
    html = assert_refused_with(
        client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), provider=str(clinic.outsider.pk))),
        "That provider does not offer this visit.",
    )
    assert "Book this appointment</button>" not in html


def test_a_place_the_visit_does_not_allow_is_refused(client, clinic):
    assert_refused_with(
        client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), mode="video")),
        "That visit is not offered this way.",
    )


@pytest.mark.parametrize(
    "start",
    ["garbage", "", "2027-03-15T09:00:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+14:00", "2027-03-15T09:00:00-04:00" * 3],
)
def test_a_tampered_start_is_refused(client, clinic, start):
    assert_refused_with(client.post(DETAILS, details_form(clinic.needling, start)), "Please choose one of the times shown.")


def test_a_time_off_the_grid_is_refused(client, clinic):
    off_grid = at(weekday_after(3), 10, 7)
    html = assert_refused_with(client.post(DETAILS, details_form(clinic.needling, off_grid)), "Please choose one of the times shown.")
    assert time_buttons(html, "new_start")


def test_a_new_patients_only_visit_is_refused_to_a_returning_patient(client, clinic):
    VisitType.objects.filter(pk=clinic.needling.pk).update(new_patients_only=True)
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), is_new_patient="no"))
    assert response.status_code == 200
    assert "This visit is for new patients." in response.context["form"].errors["is_new_patient"][0]
    assert "This visit is for new patients." in unescape(response.content.decode())
    assert_nothing_booked()


def test_a_taken_time_offers_the_nearest_free_times_and_books_one_with_the_same_details(client, clinic):
    day = weekday_after(3)
    make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(day, 10))
    response = client.post(DETAILS, details_form(clinic.needling, at(day, 10), provider=str(clinic.dana.pk)))
    html = unescape(response.content.decode())
    assert "That time was just taken. Here are the nearest free times." in html
    assert Appointment.objects.count() == 1
    nearest = time_buttons(html, "new_start")
    assert at(day, 9, 30).isoformat() in nearest and at(day, 10, 30).isoformat() in nearest
    assert 'value="Rosalind"' in html
    # The patient picks 10:30: the same typed details are posted again with the new time.
    data = details_form(clinic.needling, at(day, 10), provider=str(clinic.dana.pk), new_start=at(day, 10, 30).isoformat())
    data["form_stamp"] = form_stamp_in(html)
    response = client.post(DETAILS, data)
    assert response.status_code == 302
    booked = Appointment.objects.get(first_name="Rosalind")
    assert booked.starts_at == at(day, 10, 30) and booked.provider == clinic.dana


def test_the_details_page_says_when_the_chosen_time_has_gone(client, clinic):
    day = weekday_after(3)
    for provider in (clinic.dana, clinic.marcus):
        make_appointment(visit_type=clinic.needling, provider=provider, starts_at=at(day, 10))
    response = client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": at(day, 10).isoformat()})
    assert response.status_code == 400
    assert "That time is no longer free." in response.content.decode()


# --- The details page: bad details ---------------------------------------------------

@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", TypedDate(days=-1), "Your date of birth must be in the past."),
        ("date_of_birth", TypedDate(), "Your date of birth must be in the past."),
        ("date_of_birth", TypedDate(years=121), "Please check the year of your date of birth."),
        ("date_of_birth", TypedDate(years=120), "Please check the year of your date of birth."),
        ("date_of_birth", "31/31/1958", "Enter your date of birth as month/day/year"),
        ("email", "rosalind@", "Enter an email address like name@example.com."),
        ("phone", "555-0188", "Enter a full phone number with area code"),
        ("phone", "not a phone", "Enter a full phone number with area code"),
        ("reason", "x" * 501, "Please shorten this to 500 characters or fewer (it has 501)."),
        ("consent_to_contact", None, "Please tick this box so that we can confirm your appointment with you."),
        ("first_name", "", "Please enter your first name."),
        ("is_new_patient", "maybe", "Please tell us whether you are a new or returning patient."),
    ],
)
def test_each_bad_detail_gets_its_message_next_to_the_box_and_nothing_is_saved(client, clinic, field, value, message):
    value = typed(value)
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), **{field: value}))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert_nothing_booked()
    html = unescape(response.content.decode())
    assert f'id="id_{field}_error"' in html or f'id="id_{field}_0"' in html
    kept = [name for name in ("first_name", "last_name", "email") if name != field]
    for name in kept:
        assert f'value="{PATIENT[name]}"' in html
    if field not in ("reason", "is_new_patient") and value:
        assert f'value="{value}"' in html  # the wrong value is shown, to be corrected


def test_a_youngest_and_an_oldest_patient_can_book(client, clinic):
    day = weekday_after(3)
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%m/%d/%Y")
    assert client.post(DETAILS, details_form(clinic.needling, at(day, 10), date_of_birth=yesterday)).status_code == 302
    oldest = years_ago(120, days=-1).strftime("%m/%d/%Y")  # 119 years and 364 days old
    assert client.post(DETAILS, details_form(clinic.needling, at(day, 11), date_of_birth=oldest)).status_code == 302
    assert Appointment.objects.count() == 2


def test_a_reason_of_500_characters_with_line_breaks_is_accepted(client, clinic):
    reason = ("x" * 99 + "\r\n") * 5  # 500 characters as the browser counts them
    reason = reason[:-2]
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), reason=reason))
    assert response.status_code == 302
    assert Appointment.objects.get().reason == reason.replace("\r\n", "\n")


@pytest.mark.parametrize("field", ["first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason",
                                   "consent_to_contact", "visit", "mode", "provider", "start", "new_start", "website", "form_stamp"])
@pytest.mark.parametrize("value", ["\x00", "a" * 10000, "<script>alert(1)</script>", "９９", "-1", "💥" * 100, "1e309"])
def test_garbage_in_any_field_gets_no_500_and_is_booked_only_as_free_text_or_a_ticked_box(client, clinic, field, value):
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), **{field: value}))
    assert response.status_code in (200, 302)
    assert "<script>alert(1)</script>" not in response.content.decode()
    # Any value of a ticked box means "ticked", as browsers send it; free text may hold anything short.
    may_book = field == "consent_to_contact" or (field in ("reason", "first_name", "last_name") and value != "\x00" and len(value) <= 500)
    if not may_book:
        assert response.status_code == 200
    if response.status_code == 200:
        assert_nothing_booked()
    else:
        booked = Appointment.objects.get()
        assert booked.consent_to_contact if field == "consent_to_contact" else getattr(booked, field) == value


def test_a_field_sent_twice_counts_with_its_last_value_as_browsers_mean_it(client, clinic):
    day = weekday_after(3)
    data = details_form(clinic.needling, at(day, 10))
    data["email"] = ["a@example.com", "b@example.com"]
    data["start"] = ["garbage", at(day, 10).isoformat()]
    response = client.post(DETAILS, data)
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert (booked.email, booked.starts_at) == ("b@example.com", at(day, 10))


def test_the_details_page_keeps_the_chosen_time_in_hidden_fields_not_in_the_address(client, clinic):
    day = weekday_after(3)
    choice = {"visit": "dry-needling-session", "mode": "in_office", "provider": str(clinic.dana.pk), "start": at(day, 10).isoformat()}
    html = unescape(client.get(DETAILS, choice).content.decode())
    assert '<form method="post" action="/book/details/" class="booking-form"' in html
    for name, value in choice.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in html, name

    response = client.post(DETAILS, details_form(clinic.needling, at(day, 10), provider=str(clinic.dana.pk)))
    assert response.status_code == 302
    assert response["Location"] == "/book/confirmed/"
    assert Appointment.objects.get().starts_at == at(day, 10)


def test_booking_twice_in_one_session_confirms_the_latest(client, clinic):
    day = weekday_after(3)
    client.post(DETAILS, details_form(clinic.needling, at(day, 10)))
    client.post(DETAILS, details_form(clinic.needling, at(day, 11)))
    latest = Appointment.objects.get(starts_at=at(day, 11))
    assert latest.reference in client.get("/book/confirmed/").content.decode()


def test_the_confirmation_page_is_shown_for_two_hours_only(client, clinic):
    assert client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10))).status_code == 302
    assert client.get("/book/confirmed/").status_code == 200
    session = client.session
    session["appointments:booked-appointment-id"]["at"] -= 2 * 60 * 60 + 1
    session.save()
    assert client.get("/book/confirmed/")["Location"] == "/book/"


def test_booking_a_video_visit_lists_only_visits_that_can_happen_by_video(client, demo):
    html = client.get("/book/?mode=video").content.decode()
    assert "Follow-up visit" in html and "New patient consultation" in html
    assert "Dry needling session" not in html and "Trigger point injection" not in html
    assert "Dry needling session" in client.get("/book/").content.decode()
