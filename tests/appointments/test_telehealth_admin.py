"""The front desk's telehealth requests in the admin: the list, the follow-up, and
“Schedule”, which books the video visit with the staff booking form and links it."""

import re
import threading
import time
from datetime import date, datetime, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, BookingSettings, OutboxMessage, TelehealthPage, TelehealthRequest
from appointments.admin.telehealth import waiting_time
from clinic.hours import PRACTICE_TIME_ZONE
from tests.factories import (
    at,
    make_appointment,
    make_licence,
    make_office_hours,
    make_practice,
    make_provider,
    make_telehealth_request,
    make_visit_type,
    make_working_hours,
    next_monday,
)
from tests.pages import form_errors, messages_of, references_in

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/telehealthrequest/"
ADD_APPOINTMENT_URL = "/admin/appointments/appointment/add/"
ROOM = "https://video.clinic.test/room/practice"


def change_url(telehealth_request):
    return f"{LIST_URL}{telehealth_request.pk}/change/"


@pytest.fixture
def provider():
    practice = make_practice()
    make_office_hours(practice)  # Monday to Friday, 9–12 and 13–17
    BookingSettings.objects.update_or_create(pk=1, defaults={"video_room_template": ROOM + "-{room}"})
    provider = make_provider(name="Dana Whitfield", offers_telehealth=True)
    make_working_hours(provider)  # Monday to Friday, 9–17
    make_licence(provider, "MD")
    return provider


@pytest.fixture
def visit_type(provider):
    return make_visit_type(providers=[provider], name="Follow-up visit", duration_minutes=30, by_video=True)


# --- How long a request has waited ------------------------------------------------------


@pytest.mark.parametrize(
    "waited, text",
    [
        (timedelta(seconds=30), "waiting 0 minutes"),
        (timedelta(minutes=1), "waiting 1 minute"),
        (timedelta(minutes=59), "waiting 59 minutes"),
        (timedelta(hours=1), "waiting 1 hour"),
        (timedelta(hours=3, minutes=50), "waiting 3 hours"),
        (timedelta(days=1), "waiting 1 day"),
        (timedelta(days=2, hours=23), "waiting 2 days"),
    ],
)
def test_the_wait_is_told_in_the_largest_whole_unit(waited, text):
    now = datetime(2026, 3, 2, 12, 0, tzinfo=PRACTICE_TIME_ZONE)
    assert waiting_time(now - waited, now) == text


# --- The list -------------------------------------------------------------------------


def test_the_list_shows_open_requests_the_one_waiting_longest_first(desk_client):
    newest = make_telehealth_request(waited=timedelta(hours=3))
    oldest = make_telehealth_request(waited=timedelta(days=2), status=TelehealthRequest.Status.CONTACTED)
    make_telehealth_request(waited=timedelta(days=5), status=TelehealthRequest.Status.CLOSED, close_reason="duplicate")
    make_telehealth_request(waited=timedelta(days=6), status=TelehealthRequest.Status.SCHEDULED)

    response = desk_client.get(LIST_URL)

    assert response.status_code == 200
    assert references_in(response) == [oldest.reference, newest.reference]
    html = response.content.decode()
    assert "<strong>waiting 2 days</strong>" in html  # a day or more stands out
    assert "waiting 3 hours" in html and "<strong>waiting 3 hours" not in html
    assert "Monday, Wednesday; morning" in html and "Maryland" in html
    # Whom to call and how, without opening the request (the email stays inside the record).
    assert "Quigley, Rosalind" in html and "(301) 555-0188" in html and "rosalind.quigley@example.com" not in html


def test_finished_requests_are_listed_on_request_latest_first(desk_client):
    older = make_telehealth_request(waited=timedelta(days=5), status=TelehealthRequest.Status.CLOSED, close_reason="duplicate")
    newer = make_telehealth_request(waited=timedelta(days=1), status=TelehealthRequest.Status.CLOSED, close_reason="other")
    scheduled = make_telehealth_request(waited=timedelta(days=3), status=TelehealthRequest.Status.SCHEDULED)
    waiting = make_telehealth_request()

    assert references_in(desk_client.get(LIST_URL, {"status": "closed"})) == [newer.reference, older.reference]
    assert references_in(desk_client.get(LIST_URL, {"status": "scheduled"})) == [scheduled.reference]
    assert references_in(desk_client.get(LIST_URL, {"status": "new"})) == [waiting.reference]
    assert len(references_in(desk_client.get(LIST_URL, {"status": "all"}))) == 4
    closed_rows = desk_client.get(LIST_URL, {"status": "closed"}).content.decode()
    assert not re.search(r"waiting \d", closed_rows)  # only open requests are waiting


def test_the_list_filters_by_state_and_new_or_returning(desk_client):
    maryland_new = make_telehealth_request(state="MD", is_new_patient=True)
    virginia_returning = make_telehealth_request(state="VA", is_new_patient=False)

    response = desk_client.get(LIST_URL)
    state_filter = response.context["cl"].filter_specs[1]
    assert [choice["display"] for choice in state_filter.choices(response.context["cl"])] == ["All", "Maryland", "Virginia"]
    assert references_in(desk_client.get(LIST_URL, {"state": "VA"})) == [virginia_returning.reference]
    assert references_in(desk_client.get(LIST_URL, {"patient": "new"})) == [maryland_new.reference]
    assert references_in(desk_client.get(LIST_URL, {"patient": "returning"})) == [virginia_returning.reference]


@pytest.mark.parametrize("term", ["reference", "reference-lowercase", "Quigley", "Sofía", "(301) 555-0188", "301.555.0188",
                                  "+13015550188"])
def test_the_front_desk_finds_a_request_by_reference_name_or_phone_even_when_closed(desk_client, term):
    wanted = make_telehealth_request(first_name="Sofía", status=TelehealthRequest.Status.CLOSED, close_reason="not_reached")
    make_telehealth_request(last_name="Other", phone="+13015550199")
    term = {"reference": wanted.reference, "reference-lowercase": wanted.reference.lower()}.get(term, term)

    assert references_in(desk_client.get(LIST_URL, {"q": term})) == [wanted.reference]


# --- Following a request up -------------------------------------------------------------------


def follow_up(status="contacted", close_reason="", notes=""):
    return {"status": status, "close_reason": close_reason, "notes": notes}


def test_staff_record_the_call_but_cannot_change_what_the_patient_sent(desk_client):
    telehealth_request = make_telehealth_request()
    page = desk_client.get(change_url(telehealth_request)).content.decode()
    assert "Quigley" in page and "(301) 555-0188" in page and "Left knee pain since March" in page

    response = desk_client.post(
        change_url(telehealth_request),
        {**follow_up(notes="Left a voicemail at 10:15."), "last_name": "Changed", "email": "other@example.com"},
    )

    assert response.status_code == 302
    telehealth_request.refresh_from_db()
    assert (telehealth_request.status, telehealth_request.notes) == ("contacted", "Left a voicemail at 10:15.")
    assert (telehealth_request.last_name, telehealth_request.email) == ("Quigley", "rosalind.quigley@example.com")


def test_closing_a_request_needs_a_reason(desk_client):
    telehealth_request = make_telehealth_request()

    refused = desk_client.post(change_url(telehealth_request), follow_up(status="closed"))
    assert refused.status_code == 200
    assert form_errors(refused)["close_reason"] == ["Choose why the request is closed."]

    closed = desk_client.post(change_url(telehealth_request), follow_up(status="closed", close_reason="not_suitable"))
    assert closed.status_code == 302
    telehealth_request.refresh_from_db()
    assert (telehealth_request.status, telehealth_request.close_reason) == ("closed", "not_suitable")


def test_scheduled_is_set_by_booking_the_visit_not_by_hand(desk_client):
    telehealth_request = make_telehealth_request()

    response = desk_client.post(change_url(telehealth_request), follow_up(status="scheduled"))

    assert response.status_code == 200
    assert "Schedule a video visit" in form_errors(response)["status"][0]
    telehealth_request.refresh_from_db()
    assert telehealth_request.status == "new"


def test_requests_cannot_be_added_by_staff_or_deleted_by_the_front_desk(desk_client):
    telehealth_request = make_telehealth_request()
    assert desk_client.get(LIST_URL + "add/").status_code == 403
    assert desk_client.post(f"{LIST_URL}{telehealth_request.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TelehealthRequest.objects.count() == 1


# --- Schedule ------------------------------------------------------------------------------


def test_an_open_request_has_a_schedule_button_and_a_finished_one_has_not(desk_client):
    waiting = make_telehealth_request(status=TelehealthRequest.Status.CONTACTED)
    closed = make_telehealth_request(status=TelehealthRequest.Status.CLOSED, close_reason="duplicate")

    button = f'href="{ADD_APPOINTMENT_URL}?telehealth_request={waiting.pk}"'
    assert button in desk_client.get(change_url(waiting)).content.decode()
    closed_page = desk_client.get(change_url(closed))
    assert closed_page.status_code == 200 and closed.reference in closed_page.content.decode()
    assert "Schedule a video visit</a>" not in closed_page.content.decode()


def test_schedule_opens_the_booking_form_filled_in_from_the_request(desk_client, provider):
    telehealth_request = make_telehealth_request()

    response = desk_client.get(ADD_APPOINTMENT_URL, {"telehealth_request": telehealth_request.pk})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {name: form[name].value() for name in [
        "modality", "patient_state", "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason",
        "consent_to_contact", "telehealth_request",
    ]} == {
        "modality": "video", "patient_state": "MD", "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": date(1958, 7, 14),
        "phone": "(301) 555-0188", "email": "rosalind.quigley@example.com", "is_new_patient": True,
        "reason": "Left knee pain since March", "consent_to_contact": True, "telehealth_request": telehealth_request.pk,
    }
    html = response.content.decode()
    assert f"Video visit for telehealth request {telehealth_request.reference}" in html
    assert f'<input type="hidden" name="telehealth_request" value="{telehealth_request.pk}"' in html


def booking_from(telehealth_request, provider, visit_type, starts_at, **overrides):
    local = timezone.localtime(starts_at)
    data = {
        "provider": str(provider.pk),
        "visit_type": str(visit_type.pk),
        "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "video_link": "",
        "first_name": telehealth_request.first_name,
        "last_name": telehealth_request.last_name,
        "date_of_birth": telehealth_request.date_of_birth.isoformat(),
        "phone": "(301) 555-0188",
        "email": telehealth_request.email,
        "is_new_patient": "on",
        "reason": telehealth_request.reason,
        "consent_to_contact": "on",
        "coverage": "insurance",
        "insurance_plan_name": "Acme Health PPO",
        "telehealth_request": str(telehealth_request.pk),
        "patient_state": telehealth_request.state,
        "telehealth_consent": "on",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def schedule(client, telehealth_request, data):
    return client.post(f"{ADD_APPOINTMENT_URL}?telehealth_request={telehealth_request.pk}", data)


def test_saving_the_visit_links_it_marks_the_request_scheduled_and_emails_the_join_link(desk_client, provider, visit_type):
    telehealth_request = make_telehealth_request(status=TelehealthRequest.Status.CONTACTED)
    starts_at = at(next_monday(), 10)

    response = schedule(desk_client, telehealth_request, booking_from(telehealth_request, provider, visit_type, starts_at))

    assert response.status_code == 302 and response["Location"] == change_url(telehealth_request)
    appointment = Appointment.objects.get()
    assert (appointment.modality, appointment.status, appointment.source) == ("video", "confirmed", "staff")
    assert (appointment.starts_at, appointment.email) == (starts_at, "rosalind.quigley@example.com")
    telehealth_request.refresh_from_db()
    assert (telehealth_request.status, telehealth_request.appointment) == ("scheduled", appointment)
    [email] = OutboxMessage.objects.all()
    assert (email.kind, email.to, email.appointment) == ("patient_confirmed", "rosalind.quigley@example.com", appointment)
    assert ROOM in email.body

    shown = desk_client.get(response["Location"])
    assert f"Telehealth request {telehealth_request.reference} is now scheduled." in messages_of(shown)
    html = shown.content.decode()
    assert f'<a href="{appointment.get_admin_url()}">{appointment.reference}' in html
    assert "Schedule a video visit</a>" not in html


def test_scheduling_over_another_visit_is_refused_and_the_request_stays_open(desk_client, provider, visit_type):
    monday = next_monday()
    existing = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))
    telehealth_request = make_telehealth_request()

    response = schedule(desk_client, telehealth_request, booking_from(telehealth_request, provider, visit_type, at(monday, 10, 15)))

    assert response.status_code == 200
    assert existing.reference in form_errors(response)["starts_at"][0]
    assert response.context["adminform"].form["telehealth_request"].value() == str(telehealth_request.pk)
    telehealth_request.refresh_from_db()
    assert (telehealth_request.status, telehealth_request.appointment) == ("new", None)
    assert list(Appointment.objects.all()) == [existing]
    assert not OutboxMessage.objects.exists()


def test_a_request_scheduled_by_another_desk_first_is_not_booked_twice(desk_client, provider, visit_type):
    monday = next_monday()
    telehealth_request = make_telehealth_request()
    first = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 9))
    TelehealthRequest.objects.filter(pk=telehealth_request.pk).update(status="scheduled", appointment=first)

    response = schedule(desk_client, telehealth_request, booking_from(telehealth_request, provider, visit_type, at(monday, 14)))

    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("This telehealth request already has a visit booked or was closed.")
    assert list(Appointment.objects.all()) == [first]
    assert not OutboxMessage.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_another_desk_schedules_meanwhile_rolls_the_whole_booking_back(desk_client, provider, visit_type):
    # Two desks schedule the same request at once. The other desk's transaction has locked the request,
    # booked its visit and marked the request scheduled, and commits a second later; this desk's form
    # is sent in that second. On SQLite this desk's transaction waits for the other's commit and the
    # form finds the request taken; on PostgreSQL the form still sees it open, this desk's visit is
    # inserted, the locked re-check waits for the other desk's commit, finds the request scheduled and
    # rolls everything back, and the form is checked again.
    monday = next_monday()
    telehealth_request = make_telehealth_request()
    other_desks_visit = []
    scheduled = threading.Event()

    def schedule_at_the_other_desk():
        try:
            with transaction.atomic():
                locked = TelehealthRequest.objects.select_for_update().get(pk=telehealth_request.pk)
                locked.appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 9))
                locked.status = TelehealthRequest.Status.SCHEDULED
                locked.save(update_fields=["appointment", "status", "updated_at"])
                other_desks_visit.append(locked.appointment)
                scheduled.set()
                time.sleep(1)
        finally:
            scheduled.set()
            connection.close()

    other_desk = threading.Thread(target=schedule_at_the_other_desk)
    other_desk.start()
    assert scheduled.wait(timeout=30)

    response = schedule(desk_client, telehealth_request, booking_from(telehealth_request, provider, visit_type, at(monday, 14)))

    other_desk.join(timeout=30)
    [first] = other_desks_visit
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()[0].startswith("This telehealth request already has")
    assert list(Appointment.objects.all()) == [first]
    telehealth_request.refresh_from_db()
    assert (telehealth_request.status, telehealth_request.appointment) == ("scheduled", first)
    assert not OutboxMessage.objects.exists()


def test_opening_schedule_for_a_finished_request_goes_back_to_the_list_with_a_warning(desk_client):
    closed = make_telehealth_request(status=TelehealthRequest.Status.CLOSED, close_reason="duplicate")

    response = desk_client.get(ADD_APPOINTMENT_URL, {"telehealth_request": closed.pk}, follow=True)

    assert response.redirect_chain[0][0] == LIST_URL
    assert messages_of(response) == ["That telehealth request already has a visit booked or was closed."]


def run_schedule_action(client, requests, query=""):
    return client.post(LIST_URL + query, {"action": "schedule", ACTION_CHECKBOX_NAME: [r.pk for r in requests], "index": "0"})


def test_the_schedule_action_opens_the_booking_form_for_one_open_request(desk_client):
    first, second = make_telehealth_request(), make_telehealth_request()
    closed = make_telehealth_request(status=TelehealthRequest.Status.CLOSED, close_reason="duplicate")

    response = run_schedule_action(desk_client, [first])
    assert response.status_code == 302 and response["Location"] == f"{ADD_APPOINTMENT_URL}?telehealth_request={first.pk}"

    two = desk_client.get(run_schedule_action(desk_client, [first, second])["Location"])
    assert messages_of(two) == ["Choose one request to schedule."]
    finished = desk_client.get(run_schedule_action(desk_client, [closed], "?status=all")["Location"])
    assert messages_of(finished) == [f"Request {closed.reference} is closed: only new or contacted requests can be scheduled."]


def test_a_booking_form_without_a_request_books_as_before(desk_client, provider, visit_type):
    data = booking_from(make_telehealth_request(), provider, visit_type, at(next_monday(), 10))
    data["telehealth_request"] = ""

    response = desk_client.post(ADD_APPOINTMENT_URL, data)

    assert response.status_code == 302 and response["Location"] == "/admin/appointments/appointment/"
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.modality, appointment.status) == (at(next_monday(), 10), "video", "confirmed")
    assert (TelehealthRequest.objects.get().status, TelehealthRequest.objects.get().appointment) == ("new", None)
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_confirmed"]


# --- The telehealth page text -------------------------------------------------------------



def test_the_page_text_list_opens_the_one_page_with_a_view_on_site_link(editor_client):
    page = TelehealthPage.objects.create(intro="<p>Video visits.</p>")

    response = editor_client.get("/admin/appointments/telehealthpage/")

    assert response.status_code == 302 and response["Location"] == f"/admin/appointments/telehealthpage/{page.pk}/change/"
    html = editor_client.get(response["Location"]).content.decode()
    assert "View on site" in html
    assert editor_client.get("/admin/appointments/telehealthpage/add/").status_code == 403


def test_an_editor_writes_the_first_page_text_on_a_new_site(editor_client):
    list_page = editor_client.get("/admin/appointments/telehealthpage/")
    assert list_page.status_code == 302 and list_page["Location"] == "/admin/appointments/telehealthpage/add/"

    response = editor_client.post(
        "/admin/appointments/telehealthpage/add/",
        {"intro": "<p>See us by video.</p>", "who_it_suits": "", "what_you_need": "", "how_to_join": ""},
    )

    assert response.status_code == 302
    assert TelehealthPage.load().intro == "<p>See us by video.</p>"


def test_each_listed_request_opens_from_its_name_and_its_reference(desk_client):
    wanted = make_telehealth_request()

    html = desk_client.get(LIST_URL).content.decode()

    change_url = f"/admin/appointments/telehealthrequest/{wanted.pk}/change/"
    assert f'<a href="{change_url}">Quigley, Rosalind</a>' in html and f'<a href="{change_url}">{wanted.reference}</a>' in html
