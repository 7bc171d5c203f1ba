import logging
from datetime import date, timedelta
from io import StringIO

import icalendar
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appointments import booking, notifications, outbox
from appointments.booking import book
from appointments.models import Appointment, BookingSettings, OutboxMessage
from tests.factories import (
    MAIL_IN_MEMORY,
    MAIL_SERVER_DOWN,
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
    weekday_after,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_and_mail")]

PRACTICE_NAME = "Pain, Spine & Rehab Associates"
VISIT_NAME = "Trigger point injection"
PATIENT = dict(
    first_name="Rosalind",
    last_name="Quigley",
    date_of_birth=date(1958, 7, 14),
    phone="+13015550188",
    email="rosalind.quigley@example.com",
    is_new_patient=True,
    reason="Sciatica down the left leg",
)
PATIENT_DETAILS = [
    "Rosalind", "Quigley", "rosalind.quigley@example.com", "1958", "07/14", "July 14",
    "3015550188", "555-0188", "Sciatica", VISIT_NAME,
]


@pytest.fixture
def visit_type():
    practice = make_practice(name=PRACTICE_NAME)
    make_office_hours(practice)
    provider = make_provider(name="Dana Whitfield", credentials="MD")
    make_working_hours(provider)
    make_licence(provider, "MD")
    return make_visit_type(providers=[provider], name=VISIT_NAME, slug="trigger-point-injection")


def book_visit(visit_type, starts_at=None, modality=Appointment.Modality.IN_OFFICE, **video):
    return book(visit_type=visit_type, modality=modality, starts_at=starts_at or at(weekday_after(3), 10), patient=PATIENT, **video)


def book_and_send(visit_type, **kwargs):
    """Book, then let the outbox worker do its round."""
    result = book_visit(visit_type, **kwargs)
    deliver_outbox()
    return result


def parse_calendar(message):
    return icalendar.Calendar.from_ical(message.attachment_content)


def test_it_saves_the_booking_and_two_messages_together_and_the_worker_sends_them(visit_type, mailoutbox):
    result = book_visit(visit_type)
    assert OutboxMessage.objects.filter(appointment=result.appointment, status="pending").count() == 2
    assert mailoutbox == []  # the booking itself sends nothing: the outbox worker does
    deliver_outbox()
    assert sorted(OutboxMessage.objects.values_list("kind", "status")) == [
        ("patient_received", "sent"), ("staff_new_booking", "sent"),
    ]
    assert sorted(email.to[0] for email in mailoutbox) == ["frontdesk@clinic.test", PATIENT["email"]]
    assert all(message.sent_at and message.attempts == 0 for message in OutboxMessage.objects.all())


def test_it_writes_no_message_and_sends_nothing_when_the_booking_rolls_back(visit_type, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        book_visit(visit_type)
        raise RuntimeError("something after the booking failed")
    deliver_outbox()
    assert not Appointment.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_it_tells_the_patient_what_when_where_and_how_to_cancel(visit_type, mailoutbox):
    day = weekday_after(3)
    result = book_and_send(visit_type, starts_at=at(day, 10))
    email = next(email for email in mailoutbox if email.to == [PATIENT["email"]])
    assert email.subject == f"Your appointment request at {PRACTICE_NAME}"
    manage_url = "https://clinic.test" + reverse("appointments:manage", kwargs={"token": result.manage_token})
    for expected in [
        "Hello Rosalind,",
        "Our front desk will confirm it",
        f"{day:%A}, {day:%B} {day.day}, {day.year} at 10:00 AM (Eastern time), 30 minutes",
        "Dana Whitfield, MD",
        VISIT_NAME,
        "1 Test Street, Gaithersburg, MD 20878",
        "What to bring",
        "15 minutes early",  # a new patient
        manage_url,
        "(301) 555-0142",
        result.appointment.reference,
        f"{PRACTICE_NAME}\n",  # escaped nowhere: “&” stays “&”
    ]:
        assert expected in email.body, expected
    assert "&amp;" not in email.body
    assert Appointment.from_manage_token(result.manage_token) == result.appointment


def test_it_says_confirmed_when_the_practice_confirms_bookings_at_once(visit_type, mailoutbox):
    BookingSettings.objects.update_or_create(pk=1, defaults={"requires_confirmation": False})
    book_and_send(visit_type)
    email = next(email for email in mailoutbox if email.to == [PATIENT["email"]])
    assert email.subject == f"Appointment confirmed — {PRACTICE_NAME}"
    assert "is confirmed" in email.body
    assert OutboxMessage.objects.get(to=PATIENT["email"]).kind == "patient_confirmed"
    assert parse_calendar(OutboxMessage.objects.get(to=PATIENT["email"])).walk("VEVENT")[0]["status"] == "CONFIRMED"


def test_it_attaches_a_calendar_file_with_the_visit(visit_type, mailoutbox):
    result = book_and_send(visit_type)
    appointment = result.appointment
    email = next(email for email in mailoutbox if email.to == [PATIENT["email"]])
    [(name, content, mimetype)] = email.attachments
    assert (name, mimetype) == ("appointment.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    assert calendar["method"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == appointment.starts_at
    assert event.decoded("dtend") == appointment.ends_at
    assert event.decoded("dtstart").tzinfo is not None
    assert str(event["uid"]) == f"{appointment.reference}@clinic.test"
    assert str(event["summary"]) == f"Appointment at {PRACTICE_NAME}"
    assert str(event["location"]) == "1 Test Street, Gaithersburg, MD 20878"
    assert event["sequence"] == 0
    assert event["status"] == "TENTATIVE"
    assert VISIT_NAME not in content


def test_a_video_visit_says_how_joining_works_and_has_no_address(visit_type, mailoutbox):
    book_and_send(visit_type, modality=Appointment.Modality.VIDEO, provider_id=visit_type.providers.get().pk, **consented())
    message = OutboxMessage.objects.get(to=PATIENT["email"])
    assert "Video visit. We will send the link to join once your visit is confirmed." in message.body
    assert "1 Test Street" not in message.body.split("Reference:")[0]
    assert str(parse_calendar(message).walk("VEVENT")[0]["location"]) == "Video visit"


def test_the_staff_alert_has_only_the_reference_and_an_admin_link(visit_type, mailoutbox):
    appointment = book_and_send(visit_type).appointment
    [alert] = [email for email in mailoutbox if email.to == ["frontdesk@clinic.test"]]
    assert appointment.reference in alert.subject
    assert appointment.reference in alert.body
    assert f"https://clinic.test/admin/appointments/appointment/{appointment.pk}/change/" in alert.body
    assert alert.attachments == []
    for detail in PATIENT_DETAILS:
        assert detail not in alert.subject and detail not in alert.body, detail


def test_no_staff_alert_is_queued_without_a_front_desk_address(visit_type, settings):
    settings.FRONT_DESK_EMAIL = ""
    book_and_send(visit_type)
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_received"]


def test_a_mail_server_that_is_down_loses_nothing_and_send_outbox_sends_each_message_once(visit_type, settings, mailoutbox):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    appointment = book_and_send(visit_type).appointment

    assert Appointment.objects.filter(pk=appointment.pk, status="requested").exists()
    failed = OutboxMessage.objects.get(kind="patient_received")
    assert failed.status == "failed"
    assert failed.attempts == 1
    assert failed.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert failed.next_attempt_at > timezone.now()
    assert failed.sent_at is None
    assert OutboxMessage.objects.get(kind="staff_new_booking").status == "failed"

    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    call_command("send_outbox", stdout=StringIO())
    assert mailoutbox == []  # neither retry is due yet

    OutboxMessage.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())  # a minute later
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert "Sent 1." in out.getvalue()
    assert [email.to for email in mailoutbox] == [[PATIENT["email"]]]
    assert OutboxMessage.objects.get(pk=failed.pk).status == "sent"

    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    call_command("send_outbox", stdout=StringIO())
    call_command("send_outbox", stdout=StringIO())
    assert sorted(email.to[0] for email in mailoutbox) == ["frontdesk@clinic.test", PATIENT["email"]]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_send_outbox_retry_now_sends_failed_messages_without_waiting_and_only_once(
    visit_type, settings, mailoutbox
):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    book_and_send(visit_type)
    assert OutboxMessage.objects.get(kind="patient_received").next_attempt_at > timezone.now()

    settings.EMAIL_BACKEND = MAIL_IN_MEMORY  # the mail server is back
    out = StringIO()
    call_command("send_outbox", "--retry-now", stdout=out)
    assert "Sent 2." in out.getvalue()
    assert sorted(email.to[0] for email in mailoutbox) == ["frontdesk@clinic.test", PATIENT["email"]]
    call_command("send_outbox", "--retry-now", stdout=StringIO())
    assert len(mailoutbox) == 2


def test_every_attempt_at_a_message_carries_the_same_message_id(visit_type, settings, mailoutbox):
    message = OutboxMessage.objects.create(kind="patient_confirmed", to="someone@example.com", subject="s", body="b")
    header = outbox.message_id_header(message)
    assert header == f"<outbox.{message.pk}.{int(message.created_at.timestamp())}@clinic.test>"
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    assert outbox.send_due() == 0
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    assert outbox.send_due(retry_now=True) == 1
    assert mailoutbox[0].message()["Message-ID"] == header


def test_each_failure_waits_longer_before_the_next_try(visit_type, settings):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    settings.FRONT_DESK_EMAIL = ""
    book_and_send(visit_type)
    later = timezone.now() + timedelta(minutes=2)
    assert outbox.send_due(now=later) == 0
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 2, later + timedelta(minutes=5))
    assert message.claimed_until is None


def test_a_message_claimed_by_another_sender_is_left_alone(mailoutbox):
    now = timezone.now()
    claimed = OutboxMessage.objects.create(
        kind="patient_confirmed", to="someone@example.com", subject="s", body="b",
        status="sending", claimed_until=now + timedelta(minutes=3),
    )
    assert outbox.send_due(now=now) == 0
    call_command("send_outbox", stdout=StringIO())
    assert mailoutbox == []
    claimed.refresh_from_db()
    assert claimed.status == "sending"

    # The other sender died mid-way: once its claim runs out, the message goes out, once.
    assert outbox.send_due(now=now + timedelta(minutes=6)) == 1
    assert outbox.send_due(now=now + timedelta(minutes=20)) == 0
    assert len(mailoutbox) == 1
    claimed.refresh_from_db()
    assert claimed.status == "sent"


def test_a_claim_wins_only_once():
    message = OutboxMessage.objects.create(kind="patient_confirmed", to="someone@example.com", subject="s", body="b")
    now = timezone.now()
    assert outbox._claim(message.pk, now) is True
    assert outbox._claim(message.pk, now) is False  # what a second sender at the same moment gets


def test_the_confirmation_tells_the_patient_and_updates_the_calendar_event(
    visit_type, mailoutbox
):
    appointment = book_and_send(visit_type).appointment
    mailoutbox.clear()
    with transaction.atomic():
        appointment.status = Appointment.Status.CONFIRMED
        appointment.save(update_fields=["status", "updated_at"])
        notifications.queue_confirmed(appointment)
    deliver_outbox()
    [email] = mailoutbox
    assert email.to == [PATIENT["email"]]
    assert email.subject == f"Appointment confirmed — {PRACTICE_NAME}"
    assert "email we sent when you booked" in email.body
    [event] = icalendar.Calendar.from_ical(email.attachments[0].content).walk("VEVENT")
    assert (str(event["uid"]), event["sequence"], event["status"]) == (f"{appointment.reference}@clinic.test", 1, "CONFIRMED")


def test_moving_a_visit_sends_an_updated_calendar_event_and_alerts_the_front_desk(
    visit_type, mailoutbox
):
    appointment = book_and_send(visit_type).appointment
    new_start = at(weekday_after(5), 14, 30)
    booking.move(appointment, by_patient=True, starts_at=new_start)
    deliver_outbox()
    moved = OutboxMessage.objects.get(kind="patient_rescheduled")
    assert moved.subject == f"Appointment changed — {PRACTICE_NAME}"
    assert "2:30 PM" in moved.body
    [event] = parse_calendar(moved).walk("VEVENT")
    assert str(event["uid"]) == f"{appointment.reference}@clinic.test"
    assert event["sequence"] == 1
    assert event.decoded("dtstart") == new_start
    alert = OutboxMessage.objects.get(kind="staff_rescheduled")
    assert alert.to == "frontdesk@clinic.test" and appointment.reference in alert.body
    assert len(mailoutbox) == 4


def test_a_patient_cancelling_tells_the_patient_and_the_front_desk(visit_type):
    appointment = book_and_send(visit_type).appointment
    booking.cancel(appointment, by_patient=True)
    deliver_outbox()
    cancelled = OutboxMessage.objects.get(kind="patient_cancelled")
    assert cancelled.subject == f"Appointment cancelled — {PRACTICE_NAME}"
    assert "As you asked" in cancelled.body
    calendar = parse_calendar(cancelled)
    [event] = calendar.walk("VEVENT")
    assert (calendar["method"], event["status"], event["sequence"]) == ("CANCEL", "CANCELLED", 1)
    assert OutboxMessage.objects.filter(kind="staff_cancelled", to="frontdesk@clinic.test").count() == 1


def test_staff_cancelling_tells_only_the_patient(visit_type):
    appointment = book_and_send(visit_type).appointment
    booking.cancel(appointment, by_patient=False)
    deliver_outbox()
    assert "we had to cancel" in OutboxMessage.objects.get(kind="patient_cancelled").body
    assert not OutboxMessage.objects.filter(kind="staff_cancelled").exists()


def test_send_reminders_twice_sends_one_reminder_for_each_visit_tomorrow(mailoutbox):
    make_practice(name=PRACTICE_NAME)
    tomorrow = timezone.localdate() + timedelta(days=1)
    due = make_appointment(starts_at=at(tomorrow, 9))
    make_appointment(starts_at=at(tomorrow, 11), status=Appointment.Status.CANCELLED)
    make_appointment(starts_at=at(tomorrow + timedelta(days=1), 9))
    make_appointment(starts_at=at(tomorrow, 13), reminder_sent_at=timezone.now())

    ten_past_ten = at(timezone.localdate(), 10, 10)
    assert booking.send_due_reminders(now=ten_past_ten) == 1
    assert booking.send_due_reminders(now=ten_past_ten) == 0
    deliver_outbox()

    [email] = mailoutbox
    assert email.to == [due.email]
    assert email.subject == f"Reminder: your appointment tomorrow — {PRACTICE_NAME}"
    assert "please call us at (301) 555-0142" in email.body
    assert f"https://clinic.test/appointments/manage/{due.manage_token()}/" in email.body
    assert OutboxMessage.objects.filter(kind="patient_reminder").count() == 1
    due.refresh_from_db()
    assert due.reminder_sent_at is not None


def test_no_subject_names_the_visit(visit_type):
    appointment = book_and_send(visit_type).appointment
    with transaction.atomic():
        notifications.queue_confirmed(appointment)
        notifications.queue_reminder(appointment)
    deliver_outbox()
    booking.move(appointment, by_patient=True, starts_at=at(weekday_after(6), 9))
    booking.cancel(appointment, by_patient=True)
    subjects = list(OutboxMessage.objects.values_list("subject", flat=True))
    assert len(subjects) == 8
    for subject in subjects:
        assert VISIT_NAME.lower() not in subject.lower()
        assert "injection" not in subject.lower()


def test_logs_hold_message_ids_and_kinds_but_no_patient_details(
    visit_type, settings, caplog
):
    caplog.set_level(logging.INFO, logger="appointments")
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    book_and_send(visit_type)
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    outbox.send_due(now=timezone.now() + timedelta(minutes=2))
    assert "patient_received" in caplog.text and "SMTPServerDisconnected" in caplog.text
    for detail in [*PATIENT_DETAILS, "frontdesk@clinic.test", "Connection unexpectedly closed"]:
        assert detail not in caplog.text, detail


def test_a_visit_the_front_desk_moved_itself_raises_no_alert(visit_type):
    appointment = book_and_send(visit_type).appointment
    booking.move(appointment, starts_at=at(weekday_after(3), 14), by_patient=False)
    assert OutboxMessage.objects.filter(kind="patient_rescheduled").count() == 1
    assert not OutboxMessage.objects.filter(kind="staff_rescheduled").exists()


def test_a_booking_the_front_desk_made_itself_raises_no_alert(visit_type):
    booking.book_for_staff(
        provider=visit_type.providers.get(), visit_type=visit_type, modality=Appointment.Modality.IN_OFFICE,
        starts_at=at(weekday_after(3), 10), patient=PATIENT,
    )
    deliver_outbox()
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_confirmed"]


def test_the_calendar_organiser_is_the_address_alone_when_the_sender_has_a_name(visit_type, mailoutbox, settings):
    """DEFAULT_FROM_EMAIL as .env.example has it, with the practice's name: mailto: takes the address only."""
    settings.DEFAULT_FROM_EMAIL = "Pain, Spine & Rehab Associates <website@practice.example>"
    book_and_send(visit_type)
    email = next(email for email in mailoutbox if email.to == [PATIENT["email"]])
    [(_, content, _)] = email.attachments
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(event["organizer"]) == "mailto:website@practice.example"
