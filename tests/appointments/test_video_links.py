"""The join link of a video visit: in the confirmation email, the reschedule email, the reminder,
the manage page and the calendar file once the visit is confirmed; never before, never for a
visit in the office, never in a staff alert."""

from datetime import date, timedelta

import icalendar
import pytest
from django.db import transaction
from django.utils import timezone

from appointments import booking, notifications
from appointments.models import Appointment, BookingSettings, OutboxMessage
from tests.factories import (
    STAFF_VIDEO,
    at,
    consented,
    deliver_outbox,
    make_appointment,
    make_licence,
    make_office_hours,
    make_practice,
    make_provider,
    make_visit_type,
    make_working_hours,
    set_booking_settings,
    weekday_after,
)
from tests.pages import run_appointment_action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_and_mail")]

ROOM = "https://video.clinic.test/room/practice"
OWN_ROOM = "https://video.clinic.test/room/dr-whitfield-4711"
NOT_YET = "We will send the link to join once your visit is confirmed."
HOW_TO_JOIN = "How to join your video visit"
ADD_URL = "/admin/appointments/appointment/add/"
PATIENT = dict(
    first_name="Rosalind",
    last_name="Quigley",
    date_of_birth=date(1958, 7, 14),
    phone="+13015550188",
    email="rosalind.quigley@example.com",
    is_new_patient=False,
)


@pytest.fixture
def provider():
    practice = make_practice()
    make_office_hours(practice)  # Monday to Friday, 9–12 and 13–17
    BookingSettings.objects.update_or_create(pk=1, defaults={"video_room_template": ROOM + "-{room}"})
    provider = make_provider(name="Dana Whitfield")
    make_working_hours(provider)  # Monday to Friday, 9–17
    make_licence(provider, "MD")
    return provider


@pytest.fixture
def visit_type(provider):
    return make_visit_type(providers=[provider], name="Follow-up visit", in_office=True, by_video=True)



def book_online(visit_type, modality=Appointment.Modality.VIDEO, starts_at=None):
    video = {"provider_id": visit_type.providers.get().pk, **consented("MD")} if modality == Appointment.Modality.VIDEO else {}
    return booking.book(
        visit_type=visit_type, modality=modality, starts_at=starts_at or at(weekday_after(3), 10), patient=PATIENT, **video
    )


def with_manage_link(appointment):
    token = appointment.issue_manage_token()
    appointment.save(update_fields=["manage_nonce", "manage_token_hash"])
    return token


def manage_page(client, token):
    response = client.get(f"/appointments/manage/{token}/")
    assert response.status_code == 200
    return response.content.decode()


def patient_message(kind):
    return OutboxMessage.objects.get(kind=kind)


def event_of(message):
    [event] = icalendar.Calendar.from_ical(message.attachment_content).walk("VEVENT")
    return event


def room_of(message) -> str:
    """The join link of the message's visit: its own room at the practice's video service."""
    link = Appointment.objects.get(pk=message.appointment_id).join_link()
    assert link.startswith(ROOM + "-") and len(link) > len(ROOM) + 20
    return link


def assert_calendar_has_the_link(message, link):
    event = event_of(message)
    assert str(event["location"]) == link
    assert str(event["url"]) == link
    assert link in str(event["description"])
    assert event["status"] == "CONFIRMED"


def assert_no_link_anywhere(text, *links):
    for link in links or (ROOM, OWN_ROOM):
        assert link not in text, link


# --- Requested: never the link ------------------------------------------------------------


def test_a_requested_video_visit_shows_no_link_in_the_email_the_calendar_or_the_manage_page(client, visit_type):
    booked = book_online(visit_type)
    assert booked.appointment.status == Appointment.Status.REQUESTED
    assert booked.appointment.join_link() == ""

    received = patient_message("patient_received")
    assert NOT_YET in received.body
    assert HOW_TO_JOIN not in received.body
    assert_no_link_anywhere(received.body, ROOM)
    assert_no_link_anywhere(received.attachment_content, ROOM)
    event = event_of(received)
    assert str(event["location"]) == "Video visit"
    assert "url" not in event
    assert NOT_YET in str(event["description"])

    html = manage_page(client, booked.manage_token)
    assert NOT_YET in html
    assert HOW_TO_JOIN in html  # the heading, with the promise instead of the link
    assert_no_link_anywhere(html, ROOM)


def test_a_requested_video_visit_with_its_own_link_still_shows_none(client, visit_type):
    appointment = make_appointment(
        visit_type=visit_type, modality="video", status=Appointment.Status.REQUESTED, video_link=OWN_ROOM
    )
    token = with_manage_link(appointment)
    with transaction.atomic():
        notifications.queue_rescheduled(appointment, by_patient=False)
    moved = patient_message("patient_rescheduled")
    assert NOT_YET in moved.body
    assert_no_link_anywhere(moved.body + moved.attachment_content)
    assert_no_link_anywhere(manage_page(client, token))


# --- Confirmed: the link everywhere the patient looks ------------------------------------


def test_the_front_desk_confirming_a_video_visit_sends_the_link_in_the_email_and_calendar_and_shows_it_on_the_manage_page(
    client, desk_client, visit_type, mailoutbox
):
    booked = book_online(visit_type)
    deliver_outbox()
    mailoutbox.clear()

    response = run_appointment_action(desk_client, "confirm", [booked.appointment])
    deliver_outbox()

    assert response.status_code == 200
    [email] = mailoutbox
    assert email.to == [PATIENT["email"]]
    assert HOW_TO_JOIN in email.body and ROOM in email.body
    assert NOT_YET not in email.body
    [(name, content, mimetype)] = email.attachments
    assert name == "appointment.ics"
    assert_calendar_has_the_link(patient_message("patient_confirmed"), room_of(patient_message("patient_confirmed")))
    assert ROOM in content.replace("\r\n ", "")  # unfolded

    html = manage_page(client, booked.manage_token)
    assert f'href="{Appointment.objects.get(pk=booked.appointment.pk).join_link()}"' in html
    assert HOW_TO_JOIN in html and NOT_YET not in html


def test_queue_confirmed_carries_the_link_of_a_confirmed_video_visit(visit_type):
    appointment = make_appointment(visit_type=visit_type, modality="video", status=Appointment.Status.REQUESTED)
    with transaction.atomic():
        appointment.status = Appointment.Status.CONFIRMED
        appointment.save(update_fields=["status", "updated_at"])
        notifications.queue_confirmed(appointment)
    confirmed = patient_message("patient_confirmed")
    assert ROOM in confirmed.body
    assert_calendar_has_the_link(confirmed, room_of(confirmed))


def test_a_booking_confirmed_at_once_carries_the_link_but_the_staff_alert_does_not(visit_type):
    set_booking_settings(requires_confirmation=False)
    booked = book_online(visit_type)
    assert booked.appointment.status == Appointment.Status.CONFIRMED

    confirmed = patient_message("patient_confirmed")
    assert HOW_TO_JOIN in confirmed.body and ROOM in confirmed.body
    assert_calendar_has_the_link(confirmed, room_of(confirmed))
    alert = patient_message("staff_new_booking")
    assert booked.appointment.reference in alert.body
    assert_no_link_anywhere(alert.subject + alert.body)
    assert HOW_TO_JOIN not in alert.body


def test_staff_booking_a_video_visit_with_its_own_link_emails_that_link(desk_client, visit_type, provider):
    starts_at = at(weekday_after(3), 11)
    local = timezone.localtime(starts_at)
    response = desk_client.post(ADD_URL, {
        "provider": str(provider.pk),
        "visit_type": str(visit_type.pk),
        "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "video_link": OWN_ROOM,
        **STAFF_VIDEO,
        "first_name": "Rosalind",
        "last_name": "Quigley",
        "date_of_birth": "1958-07-14",
        "phone": "(301) 555-0188",
        "email": PATIENT["email"],
        "reason": "",
        "coverage": "insurance",
        "insurance_plan_name": "Acme Health PPO",
    })

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.status, appointment.video_link) == ("confirmed", OWN_ROOM)
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_confirmed"]  # no staff alert
    confirmed = patient_message("patient_confirmed")
    assert OWN_ROOM in confirmed.body and ROOM not in confirmed.body
    assert_calendar_has_the_link(confirmed, OWN_ROOM)


def test_the_reminder_of_a_confirmed_video_visit_has_the_link_and_of_a_requested_one_does_not(visit_type):
    tomorrow = timezone.localdate() + timedelta(days=1)
    confirmed = make_appointment(visit_type=visit_type, modality="video", starts_at=at(tomorrow, 9))
    requested = make_appointment(
        visit_type=visit_type, modality="video", starts_at=at(tomorrow, 11), status=Appointment.Status.REQUESTED
    )

    booking.send_due_reminders(now=at(timezone.localdate(), 10, 10))

    reminders = {message.appointment_id: message for message in OutboxMessage.objects.filter(kind="patient_reminder")}
    assert HOW_TO_JOIN in reminders[confirmed.pk].body and ROOM in reminders[confirmed.pk].body
    assert requested.pk not in reminders  # a request not confirmed yet has nothing to remind of


def test_a_confirmed_video_visit_moved_online_carries_the_link_only_if_it_stays_confirmed(visit_type):
    set_booking_settings(requires_confirmation=False)
    appointment = make_appointment(visit_type=visit_type, modality="video", starts_at=at(weekday_after(3), 10))
    booking.move(appointment, by_patient=True, starts_at=at(weekday_after(3), 14))
    moved = patient_message("patient_rescheduled")
    assert ROOM in moved.body
    assert_calendar_has_the_link(moved, room_of(moved))
    assert_no_link_anywhere(patient_message("staff_rescheduled").body)

    OutboxMessage.objects.all().delete()
    set_booking_settings(requires_confirmation=True)  # a new time is a new request
    booking.move(appointment, by_patient=True, starts_at=at(weekday_after(3), 15))
    moved = patient_message("patient_rescheduled")
    assert NOT_YET in moved.body
    assert_no_link_anywhere(moved.body + moved.attachment_content)


def test_cancelling_a_confirmed_video_visit_sends_no_link(visit_type):
    appointment = make_appointment(visit_type=visit_type, modality="video")
    booking.cancel(appointment, by_patient=True)
    for message in OutboxMessage.objects.all():
        assert_no_link_anywhere(message.body + message.attachment_content)
    assert NOT_YET not in patient_message("patient_cancelled").body


# --- Which link ----------------------------------------------------------------------------


def test_a_visits_own_link_overrides_the_practice_room(client, visit_type):
    appointment = make_appointment(visit_type=visit_type, modality="video", video_link=OWN_ROOM)
    token = with_manage_link(appointment)
    assert appointment.join_link() == OWN_ROOM

    with transaction.atomic():
        notifications.queue_confirmed(appointment)
        notifications.queue_reminder(appointment)
    for message in OutboxMessage.objects.all():
        assert OWN_ROOM in message.body and ROOM not in message.body
    assert_calendar_has_the_link(patient_message("patient_confirmed"), OWN_ROOM)
    html = manage_page(client, token)
    assert f'href="{OWN_ROOM}"' in html and ROOM not in html


def test_without_any_room_link_a_confirmed_video_visit_promises_the_link_by_email(client, visit_type):
    set_booking_settings(video_room_template="")
    appointment = make_appointment(visit_type=visit_type, modality="video")
    token = with_manage_link(appointment)
    with transaction.atomic():
        notifications.queue_confirmed(appointment)
    confirmed = patient_message("patient_confirmed")
    assert "We will email you the link to join before your visit." in confirmed.body
    assert HOW_TO_JOIN not in confirmed.body
    assert "url" not in event_of(confirmed)
    assert "We will email you the link to join before your visit." in manage_page(client, token)


def test_an_office_visit_never_shows_a_video_link(client, visit_type):
    tomorrow = timezone.localdate() + timedelta(days=1)
    appointment = make_appointment(visit_type=visit_type, modality="in_office", starts_at=at(tomorrow, 9), video_link=OWN_ROOM)
    token = with_manage_link(appointment)
    assert appointment.join_link() == ""

    with transaction.atomic():
        notifications.queue_confirmed(appointment)
    booking.send_due_reminders(now=at(timezone.localdate(), 10, 10))

    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {"patient_confirmed", "patient_reminder"}
    for message in OutboxMessage.objects.all():
        assert_no_link_anywhere(message.body + message.attachment_content)
        assert HOW_TO_JOIN not in message.body and NOT_YET not in message.body
    assert str(event_of(patient_message("patient_confirmed"))["location"]) == "1 Test Street, Gaithersburg, MD 20878"
    html = manage_page(client, token)
    assert_no_link_anywhere(html)
    assert HOW_TO_JOIN not in html


def test_no_staff_alert_ever_carries_the_link(visit_type):
    set_booking_settings(requires_confirmation=False)
    first = book_online(visit_type).appointment
    second = book_online(visit_type, starts_at=at(weekday_after(3), 11)).appointment
    Appointment.objects.filter(pk=second.pk).update(video_link=OWN_ROOM)
    second.refresh_from_db()
    booking.move(first, by_patient=True, starts_at=at(weekday_after(3), 14))
    booking.cancel(second, by_patient=True)

    alerts = OutboxMessage.objects.filter(to="frontdesk@clinic.test")
    assert sorted(alerts.values_list("kind", flat=True)) == [
        "staff_cancelled", "staff_new_booking", "staff_new_booking", "staff_rescheduled",
    ]
    for alert in alerts:
        assert_no_link_anywhere(alert.subject + alert.body + alert.attachment_content)
        assert "video" not in alert.body.lower()
        assert alert.attachment_name == ""


# --- The admin ------------------------------------------------------------------------------


def test_staff_set_a_visits_own_link_in_the_admin_without_moving_it_and_the_patient_is_emailed_it(desk_client, visit_type):
    appointment = make_appointment(visit_type=visit_type, modality="video", starts_at=at(weekday_after(3), 10))
    url = f"/admin/appointments/appointment/{appointment.pk}/change/"
    form = desk_client.get(url).context["adminform"].form
    assert "video_link" in form.fields
    assert "its own room at the practice's video service" in form.fields["video_link"].help_text
    local = timezone.localtime(appointment.starts_at)

    response = desk_client.post(url, {
        "provider": str(appointment.provider_id),
        "visit_type": str(appointment.visit_type_id),
        "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "video_link": OWN_ROOM,
    })

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.video_link == OWN_ROOM
    assert appointment.join_link() == OWN_ROOM
    # Not a move (no "changed" email), but a confirmed visit's new link goes to the patient.
    [message] = OutboxMessage.objects.all()
    assert message.kind == "patient_video_link"
    assert OWN_ROOM in message.body
    assert_calendar_has_the_link(message, OWN_ROOM)


def test_staff_booking_offers_the_video_link_field(desk_client, visit_type):
    form = desk_client.get(ADD_URL).context["adminform"].form
    assert "video_link" in form.fields and form.fields["video_link"].help_text


def test_the_practice_room_link_is_in_the_booking_settings(desk_client, visit_type):
    response = desk_client.get(f"/admin/appointments/bookingsettings/{BookingSettings.load().pk}/change/")
    assert response.status_code == 200
    assert "video_room_template" in response.context["adminform"].form.fields


# --- A room of its own (issue 14) -------------------------------------------------------------


def test_two_video_visits_get_different_unguessable_rooms(visit_type):
    first = book_online(visit_type).appointment
    second = book_online(visit_type, starts_at=at(weekday_after(3), 11)).appointment
    for appointment in (first, second):
        booking.confirm(appointment)
        appointment.refresh_from_db()

    links = [first.join_link(), second.join_link()]

    assert links[0] != links[1]
    assert all(link.startswith(ROOM + "-") for link in links)
    assert len({first.video_room, second.video_room}) == 2 and min(len(first.video_room), len(second.video_room)) >= 20
    emails = {message.appointment_id: message.body for message in OutboxMessage.objects.filter(kind="patient_confirmed")}
    assert links[0] in emails[first.pk] and links[1] not in emails[first.pk]
    assert links[1] in emails[second.pk] and links[0] not in emails[second.pk]


def test_the_appointment_page_shows_staff_the_visits_room_even_before_it_is_confirmed(desk_client, visit_type):
    appointment = book_online(visit_type).appointment
    room = BookingSettings.load().room_link(appointment.video_room)

    page = desk_client.get(appointment.get_admin_url()).content.decode()

    assert appointment.status == Appointment.Status.REQUESTED and room.startswith(ROOM + "-")
    assert f'href="{room}"' in page and "the patient is sent it once the visit is confirmed" in page


def test_a_link_changed_after_confirmation_emails_the_patient_the_new_one(visit_type):
    appointment = make_appointment(visit_type=visit_type, modality="video", starts_at=at(weekday_after(3), 10))
    old_link = appointment.join_link()

    booking.change_video_link(appointment, OWN_ROOM)

    [email] = [email for email in deliver_outbox() if email.to == [appointment.email]]
    assert "new link" in email.subject
    assert OWN_ROOM in email.body and old_link not in email.body
    assert HOW_TO_JOIN in email.body
    [(_, content, _)] = email.attachments
    assert OWN_ROOM in content.replace("\r\n ", "")

    booking.change_video_link(appointment, OWN_ROOM)  # the same link again: nothing new to tell
    booking.change_video_link(appointment, "")  # back to the visit's own room: the patient is told
    assert OutboxMessage.objects.filter(kind="patient_video_link").count() == 2
    assert old_link in OutboxMessage.objects.filter(kind="patient_video_link").latest("created_at").body


def test_a_link_changed_before_confirmation_emails_no_one(visit_type):
    booked = book_online(visit_type).appointment
    OutboxMessage.objects.all().delete()

    booking.change_video_link(booked, OWN_ROOM)

    deliver_outbox()
    assert not OutboxMessage.objects.exists()  # the confirmation will carry it


def test_confirming_a_video_visit_with_no_way_to_join_warns_the_front_desk(desk_client, visit_type):
    set_booking_settings(video_room_template="")
    booked = book_online(visit_type).appointment

    response = desk_client.post(f"/admin/appointments/appointment/{booked.pk}/do/confirm/", follow=True)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    [warning] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert f"Video visit {booked.reference} has no link to join" in warning
    listed = run_appointment_action(desk_client, "confirm", [book_online(visit_type, starts_at=at(weekday_after(3), 11)).appointment])
    assert any("has no link to join" in str(m) for m in listed.context["messages"])


def test_confirming_a_video_visit_with_a_room_or_its_own_link_does_not_warn(desk_client, visit_type):
    booked = book_online(visit_type).appointment

    response = desk_client.post(f"/admin/appointments/appointment/{booked.pk}/do/confirm/", follow=True)

    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


def test_the_room_address_must_hold_the_room_once_and_be_https(desk_client, visit_type):
    url = "/admin/appointments/bookingsettings/1/change/"
    set_booking_settings()
    data = {
        "minimum_notice_minutes": "120", "horizon_days": "60", "slot_step_minutes": "15", "cancellation_cutoff_hours": "24",
        "requires_confirmation": "on", "change_grace_minutes": "30", "reminder_time": "10:00",
        "no_show_limit": "0", "no_show_months": "12", "intake_answers_kept_days": "30", "waitlist_claim_minutes": "120",
    }
    for typed in ["https://meet.example.org/psra", "http://meet.example.org/{room}", "https://meet.example.org/{room}/{room}"]:
        response = desk_client.post(url, {**data, "video_room_template": typed})
        assert response.status_code == 200 and "video_room_template" in response.context["adminform"].form.errors, typed
    response = desk_client.post(url, {**data, "video_room_template": "https://meet.example.org/psra-{room}"})
    assert response.status_code == 302
    assert BookingSettings.load(fresh=True).video_room_template == "https://meet.example.org/psra-{room}"


def test_booking_a_video_visit_by_phone_with_no_way_to_join_warns_and_the_link_set_later_is_emailed(desk_client, visit_type, provider):
    set_booking_settings(video_room_template="")
    local = timezone.localtime(at(weekday_after(3), 11))
    response = desk_client.post(ADD_URL, {
        "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"), "video_link": "",
        **STAFF_VIDEO, "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": "1958-07-14",
        "phone": "(301) 555-0188", "email": PATIENT["email"], "reason": "", "coverage": "insurance",
        "insurance_plan_name": "Acme Health PPO",
    }, follow=True)

    appointment = Appointment.objects.get()
    assert any(f"Video visit {appointment.reference} has no link to join" in str(m) for m in response.context["messages"])
    assert "We will email you the link to join before your visit." in patient_message("patient_confirmed").body

    url = f"/admin/appointments/appointment/{appointment.pk}/change/"
    local = timezone.localtime(appointment.starts_at)
    saved = desk_client.post(url, {
        "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"),
        "video_link": OWN_ROOM, "staff_notes": "", "coverage": appointment.coverage,
        "insurance_plan_name": appointment.insurance_plan_name,
    }, follow=True)

    assert "The patient is emailed the new link to join the video visit." in [str(m) for m in saved.context["messages"]]
    assert OWN_ROOM in patient_message("patient_video_link").body
