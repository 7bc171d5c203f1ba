"""Manage links are made when an email is sent, from a nonce in the database and SECRET_KEY: no
stored row (and so no backup) holds a link that opens an appointment, and every email to the
patient about an active visit, reminders included, carries one that does."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from appointments import booking
from appointments.models import Appointment, OutboxMessage, hash_token
from tests.factories import PATIENT, at, deliver_outbox, details_form, make_appointment, weekday_after
from tests.pages import DETAILS, MANAGE_LINK, run_appointment_action

pytestmark = pytest.mark.django_db

ANY_MANAGE_PATH = re.compile(r"/appointments/manage/([^/\s]+)/")


def stored_text():
    """Every text value of every outbox row, as a backup would copy it."""
    for message in OutboxMessage.objects.all():
        for field in OutboxMessage._meta.concrete_fields:
            value = getattr(message, field.attname)
            if isinstance(value, str):
                yield value


def links_in(emails):
    return [MANAGE_LINK.search(email.body).group(1) for email in emails if MANAGE_LINK.search(email.body)]


def test_no_outbox_row_holds_a_working_manage_link_after_sending(client, clinic, mailoutbox):
    client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    appointment = Appointment.objects.get()
    booking.confirm(appointment)
    booking.move(appointment, starts_at=at(weekday_after(4), 14), by_patient=True)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    deliver_outbox()

    sent_links = links_in(mailoutbox)
    assert sent_links, "the booking email carries the patient's link"
    assert all(client.get(link).status_code == 200 for link in sent_links)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    for text in stored_text():
        for token in ANY_MANAGE_PATH.findall(text):
            assert Appointment.from_manage_token(token) is None, "a stored row opens an appointment"
        for link in sent_links:
            assert link.split("/")[-2] not in text


def test_the_reminder_carries_a_working_manage_link(client, clinic, mailoutbox):
    tomorrow = timezone.localdate() + timedelta(days=1)
    client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))  # a booking to compare with
    visit = make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(tomorrow, 16))
    booking.send_due_reminders(now=at(timezone.localdate(), 10, 10))
    deliver_outbox()

    [reminder] = [email for email in mailoutbox if email.to == [visit.email]]
    [link] = links_in([reminder])
    response = client.get(link)
    assert response.status_code == 200 and response.context["appointment"] == visit
    assert "[[manage-link]]" in OutboxMessage.objects.get(kind="patient_reminder").body


def test_a_stolen_database_opens_no_appointment(client, clinic):
    client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    stored = Appointment.objects.values_list("manage_nonce", "manage_token_hash", "reference").get()
    for value in stored:
        for guess in (value, f"{value}.{value}", f"{value}.", f"{stored[0]}.{hash_token(value or '')}"):
            assert client.get(f"/appointments/manage/{guess}/").status_code == 404, guess


def test_a_new_link_stops_the_old_one_and_links_outlive_a_key_rotation_while_the_old_key_is_a_fallback(clinic, settings):
    appointment = make_appointment(visit_type=clinic.needling, provider=clinic.dana)
    old_token = appointment.manage_token()
    assert Appointment.from_manage_token(old_token) == appointment

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789abcdefghijklmnop"
    assert Appointment.from_manage_token(old_token) == appointment
    assert appointment.manage_token() != old_token
    settings.SECRET_KEY_FALLBACKS = []
    assert Appointment.from_manage_token(old_token) is None
    assert Appointment.from_manage_token(appointment.manage_token()) == appointment

    new_token = appointment.issue_manage_token()
    appointment.save(update_fields=["manage_nonce", "manage_token_hash"])
    assert Appointment.from_manage_token(new_token) == appointment
    assert Appointment.from_manage_token(old_token) is None


def test_links_emailed_before_links_were_signed_keep_working_until_a_new_one_is_issued(clinic):
    appointment = make_appointment(visit_type=clinic.needling, provider=clinic.dana)
    legacy_token = "L3gacyT0kenFromAnEmailSentBeforeTheUpgrade0123"
    Appointment.objects.filter(pk=appointment.pk).update(manage_token_hash=hash_token(legacy_token))
    assert Appointment.from_manage_token(legacy_token) == appointment

    appointment.refresh_from_db()
    appointment.issue_manage_token()
    appointment.save(update_fields=["manage_nonce", "manage_token_hash"])
    assert Appointment.from_manage_token(legacy_token) is None


def test_the_upgrade_takes_working_links_out_of_stored_emails_and_the_outbox_sends_a_working_one(clinic, mailoutbox):
    appointment = make_appointment(visit_type=clinic.needling, provider=clinic.dana)
    legacy_token = "L3gacyT0kenFromAnEmailSentBeforeTheUpgrade0123"
    Appointment.objects.filter(pk=appointment.pk).update(manage_token_hash=hash_token(legacy_token))
    body = f"Your link:\nhttps://clinic.test/appointments/manage/{legacy_token}/\nThanks"
    sent = OutboxMessage.objects.create(kind="patient_received", appointment=appointment, to=PATIENT["email"], subject="s",
                                        body=body, status=OutboxMessage.Status.SENT)
    waiting = OutboxMessage.objects.create(kind="patient_received", appointment=appointment, to=PATIENT["email"], subject="s",
                                           body=body)

    migration = importlib.import_module("appointments.migrations.0010_signed_manage_links")
    migration.take_links_out_of_the_outbox(apps, None)

    assert all(legacy_token not in text for text in stored_text())
    sent.refresh_from_db()
    assert sent.body == "Your link:\n[[manage-link]]\nThanks"
    deliver_outbox()
    [email] = mailoutbox
    assert email.to == [waiting.to]
    [link] = links_in([email])
    assert Appointment.from_manage_token(link.split("/")[-2]) == appointment


def test_the_front_desk_can_send_a_new_link_and_the_old_one_stops_working(client, desk_client, clinic, mailoutbox):
    client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    deliver_outbox()
    [old_link] = links_in(mailoutbox)
    appointment = Appointment.objects.get()
    mailoutbox.clear()

    response = run_appointment_action(desk_client, "send_new_manage_link", [appointment])
    deliver_outbox()

    assert "1 appointment sent a new link." in response.content.decode()
    [email] = mailoutbox
    assert email.to == [PATIENT["email"]] and email.subject.startswith("Your new appointment link")
    [new_link] = links_in([email])
    assert client.get(new_link).status_code == 200
    assert client.get(old_link).status_code == 404
    assert "[[manage-link]]" in OutboxMessage.objects.get(kind="patient_new_link").body
