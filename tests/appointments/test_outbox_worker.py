"""No request waits on the mail server: changes only save outbox rows, and the outbox worker
(`send_outbox --forever`) sends them, on its own, within a second of each change."""

import os
import signal
import threading
from datetime import time, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, OutboxMessage
from tests.factories import MAIL_IN_MEMORY, at, deliver_outbox, details_form, make_appointment, set_booking_settings, weekday_after
from tests.pages import DETAILS, run_appointment_action

pytestmark = pytest.mark.django_db


def stop_the_worker_after_its_first_email():
    """What systemd does to the worker (SIGTERM), once it has sent something, or after 30 s."""
    for _ in range(300):
        if mail.outbox:
            break
        threading.Event().wait(0.1)
    os.kill(os.getpid(), signal.SIGTERM)


def test_a_booking_with_a_hung_mail_server_answers_without_connecting_and_the_worker_delivers_later(
    client, clinic, mail_server_that_never_answers, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # Everything the request does after its transaction commits runs here, as it would live.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))

    assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    assert mail_server_that_never_answers.connections == 0
    assert sorted(OutboxMessage.objects.values_list("kind", "status", "attempts")) == [
        ("patient_received", "pending", 0), ("staff_new_booking", "pending", 0),
    ]

    settings.EMAIL_BACKEND = MAIL_IN_MEMORY  # the mail server answers again
    deliver_outbox()
    assert sorted(email.to[0] for email in mailoutbox) == ["frontdesk@clinic.test", "rosalind.quigley@example.com"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_staff_confirming_many_visits_with_a_hung_mail_server_never_connects(
    desk_client, clinic, mail_server_that_never_answers, django_capture_on_commit_callbacks
):
    visits = [
        make_appointment(
            visit_type=clinic.needling, provider=clinic.dana, starts_at=at(weekday_after(3), hour), status=Appointment.Status.REQUESTED,
        )
        for hour in (9, 10, 11)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = run_appointment_action(desk_client, "confirm", visits)

    assert response.status_code == 200
    assert set(Appointment.objects.values_list("status", flat=True)) == {"confirmed"}
    assert mail_server_that_never_answers.connections == 0
    assert list(OutboxMessage.objects.values_list("status", flat=True)) == ["pending"] * 3


def test_the_worker_waits_out_a_hung_mail_server_and_delivers_once_it_answers(
    client, clinic, mail_server_that_never_answers, settings, mailoutbox
):
    client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))

    deliver_outbox()  # one round of the worker against the hung server: each message times out and waits
    assert mail_server_that_never_answers.connections == 2
    for message in OutboxMessage.objects.all():
        assert (message.status, message.attempts) == ("failed", 1)
        assert message.last_error.startswith(("TimeoutError", "SMTPServerDisconnected")), message.last_error

    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    OutboxMessage.objects.update(next_attempt_at=timezone.now())  # their retry time has come
    deliver_outbox()
    assert len(mailoutbox) == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_the_worker_sends_what_is_queued_and_stops_cleanly_on_sigterm(clinic, mailoutbox):
    visit = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(weekday_after(3), 10))
    OutboxMessage.objects.create(kind="patient_confirmed", appointment=visit, to="a@example.com", subject="s", body="b")

    handler_before = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=stop_the_worker_after_its_first_email, daemon=True).start()
    out = StringIO()
    call_command("send_outbox", "--forever", "--poll-seconds", "0.1", stdout=out)

    assert [email.to for email in mailoutbox] == [["a@example.com"]]
    assert OutboxMessage.objects.get().status == "sent"
    assert out.getvalue().splitlines()[-1] == "Outbox worker stopped."
    assert signal.getsignal(signal.SIGTERM) == handler_before


def test_the_worker_queues_tomorrows_reminders(clinic, mailoutbox, monkeypatch):
    # The worker reads the real clock: make the reminder due whatever the time of day (when
    # reminders are due is tested with the clock given, in test_reminder_timing.py).
    set_booking_settings(reminder_time=time(0))
    monkeypatch.setattr(booking, "DAYTIME_STARTS", time.min)
    monkeypatch.setattr(booking, "DAYTIME_ENDS", time.max)
    tomorrow = timezone.localdate() + timedelta(days=1)
    visit = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(tomorrow, 10))

    threading.Thread(target=stop_the_worker_after_its_first_email, daemon=True).start()
    call_command("send_outbox", "--forever", "--poll-seconds", "0.1", stdout=StringIO())

    [reminder] = mailoutbox
    assert reminder.to == [visit.email] and reminder.subject.startswith("Reminder")


def test_the_worker_deletes_intake_answers_past_their_retention_time(clinic, mailoutbox):
    from appointments.models import Intake
    from clinic import encryption

    set_booking_settings(intake_answers_kept_days=30)
    long_ago = timezone.now() - timedelta(days=40)
    old = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=long_ago, status="completed")
    recent = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(weekday_after(3), 10))
    for visit in (old, recent):
        Intake.objects.create(appointment=visit, kind="new", sections_done=["pain"], sealed_answers=encryption.seal({"pain": {}}))
    OutboxMessage.objects.create(kind="patient_confirmed", appointment=recent, to="a@example.com", subject="s", body="b")

    threading.Thread(target=stop_the_worker_after_its_first_email, daemon=True).start()
    call_command("send_outbox", "--forever", "--poll-seconds", "0.1", stdout=StringIO())

    assert Intake.objects.get(appointment=old).sealed_answers == ""
    assert Intake.objects.get(appointment=recent).sealed_answers != ""
