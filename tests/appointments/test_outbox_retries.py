"""Retrying: `send_outbox --retry-now` tries each message once and keeps its back-off; an email the
mail server refuses for good is abandoned after a few tries, and the front desk sees it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.utils import timezone

from appointments import outbox
from appointments.models import OutboxMessage
from tests.factories import MAIL_IN_MEMORY, MAIL_SERVER_DOWN, make_staff

pytestmark = pytest.mark.django_db

OUTBOX_URL = "/admin/appointments/outboxmessage/"


def failed_message(**fields):
    return OutboxMessage.objects.create(**{
        "kind": "patient_confirmed", "to": "someone@example.com", "subject": "Appointment confirmed", "body": "b",
        "status": OutboxMessage.Status.FAILED, "attempts": 2, "scheduled_tries": 2,
        "next_attempt_at": timezone.now() + timedelta(minutes=12), **fields,
    })


def test_retry_now_during_an_outage_tries_each_message_once_and_keeps_its_back_off(settings):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    messages = [failed_message() for _ in range(3)]
    out = StringIO()
    call_command("send_outbox", "--retry-now", stdout=out)

    assert "Sent 0. Failed, to retry later: 3." in out.getvalue()
    for before in messages:
        after = OutboxMessage.objects.get(pk=before.pk)
        assert (after.status, after.attempts, after.scheduled_tries) == ("failed", 3, 2)
        assert after.next_attempt_at == before.next_attempt_at  # the schedule it had, not a day later
        assert after.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

    # The outage ends before the next scheduled try: the regular round sends all of them then.
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    assert outbox.send_due(now=timezone.now() + timedelta(minutes=13)) == 3


def test_a_scheduled_failure_waits_longer_and_a_message_failing_for_days_is_abandoned(settings):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    message = failed_message(next_attempt_at=timezone.now())
    now = timezone.now()
    outbox.send_due(now=now)
    message.refresh_from_db()
    assert (message.status, message.scheduled_tries, message.next_attempt_at) == ("failed", 3, now + timedelta(minutes=15))

    OutboxMessage.objects.filter(pk=message.pk).update(scheduled_tries=outbox.SCHEDULED_TRIES_LIMIT - 1, next_attempt_at=now)
    outbox.send_due(now=now)
    message.refresh_from_db()
    assert message.status == "abandoned"
    assert outbox.send_due(now=now + timedelta(days=30), retry_now=True) == 0
    message.refresh_from_db()
    assert message.attempts == 4  # never tried again


def test_an_email_the_mail_server_refuses_for_good_is_abandoned_on_the_third_try(mail_server_that_refuses, settings):
    server = mail_server_that_refuses("550 5.1.1 No such mailbox here")
    message = OutboxMessage.objects.create(kind="patient_confirmed", to="nobody@example.com", subject="s", body="b")
    now = timezone.now()
    for minutes in (0, 2, 10):
        outbox.send_due(now=now + timedelta(minutes=minutes))
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("abandoned", 3)
    assert message.last_error.startswith("SMTPRecipientsRefused")

    call_command("send_outbox", "--retry-now", stdout=StringIO())
    outbox.send_due(now=now + timedelta(days=2))
    assert server.refused == 3


def test_a_mail_server_busy_for_now_is_not_given_up_on(mail_server_that_refuses):
    server = mail_server_that_refuses("451 4.3.0 Try again later")
    message = OutboxMessage.objects.create(kind="patient_confirmed", to="somebody@example.com", subject="s", body="b")
    now = timezone.now()
    for minutes in (0, 2, 10, 30):
        outbox.send_due(now=now + timedelta(minutes=minutes))
    message.refresh_from_db()
    assert (message.status, message.attempts, server.refused) == ("failed", 4, 4)


def test_an_email_with_a_header_that_cannot_be_sent_is_abandoned(settings):
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    message = OutboxMessage.objects.create(kind="patient_confirmed", to="a@example.com", subject="Split\nsubject", body="b")
    now = timezone.now()
    for minutes in (0, 2, 10):
        outbox.send_due(now=now + timedelta(minutes=minutes))
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("abandoned", 3)
    assert message.last_error.startswith("BadHeaderError")


def test_the_front_desk_sees_undelivered_emails_on_the_admin_home_and_the_appointment_list(desk_client):
    failed_message()
    assert "could not be delivered" not in desk_client.get("/admin/").content.decode()
    abandoned = failed_message(status=OutboxMessage.Status.ABANDONED)
    failed_message(status=OutboxMessage.Status.ABANDONED)

    for page in ("/admin/", "/admin/appointments/appointment/"):
        html = desk_client.get(page).content.decode()
        assert "2 emails could not be delivered" in html, page
        assert f'href="{OUTBOX_URL}?status__exact=abandoned"' in html

    listed = desk_client.get(OUTBOX_URL, {"status__exact": "abandoned"})
    assert sorted(message.pk for message in listed.context["cl"].result_list) == sorted(
        OutboxMessage.objects.abandoned().values_list("pk", flat=True)
    )
    assert abandoned.pk in [message.pk for message in listed.context["cl"].result_list]


def test_content_editors_are_not_told_about_emails(editor_client):
    failed_message(status=OutboxMessage.Status.ABANDONED)
    assert "could not be delivered" not in editor_client.get("/admin/").content.decode()


def test_sending_an_abandoned_email_again_gives_it_a_fresh_round_of_tries(desk_client, settings):
    abandoned = failed_message(status=OutboxMessage.Status.ABANDONED, scheduled_tries=10, attempts=10)
    desk_client.post(OUTBOX_URL, {"action": "retry_now", ACTION_CHECKBOX_NAME: [abandoned.pk]})
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.scheduled_tries) == ("failed", 0)
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    assert outbox.send_due() == 1


def test_the_outbox_list_offers_the_not_delivered_filter(client):
    client.force_login(make_staff("boss", superuser=True))
    html = client.get(OUTBOX_URL).content.decode()
    assert "Not delivered (gave up)" in html
