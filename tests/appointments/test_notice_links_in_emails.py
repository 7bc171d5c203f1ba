"""A patient's first confirmation email links the Notice of Privacy Practices (45 CFR 164.520(c)(3)),
whether the first visit is in the office or by video, and every patient email links language help."""

from datetime import date

import pytest

from appointments.booking import book, confirm
from appointments.models import Appointment, BookingSettings, OutboxMessage
from tests.factories import at, consented, deliver_outbox, weekday_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_and_mail")]

PRIVACY_NOTICE = "https://clinic.test/legal/privacy-practices/"
LANGUAGE_HELP = "https://clinic.test/legal/language-help/"
PATIENT = dict(
    first_name="Rosalind", last_name="Quigley", date_of_birth=date(1958, 7, 14),
    phone="+13015550188", email="rosalind.quigley@example.com", is_new_patient=True, reason="Sciatica",
)


def patient_emails(mailoutbox):
    deliver_outbox()
    return [email for email in mailoutbox if email.to == [PATIENT["email"]]]


@pytest.mark.parametrize("modality", [Appointment.Modality.IN_OFFICE, Appointment.Modality.VIDEO])
def test_the_first_confirmation_email_links_the_privacy_notice_and_language_help(visit_type, mailoutbox, modality):
    video = consented() if modality == Appointment.Modality.VIDEO else {}
    book(visit_type=visit_type, modality=modality, starts_at=at(weekday_after(3), 10), patient=PATIENT,
         provider_id=visit_type.providers.get().pk, **video)

    [email] = patient_emails(mailoutbox)

    assert OutboxMessage.objects.get(to=PATIENT["email"]).kind == "patient_received"
    assert PRIVACY_NOTICE in email.body
    assert LANGUAGE_HELP in email.body


@pytest.mark.parametrize("modality", [Appointment.Modality.IN_OFFICE, Appointment.Modality.VIDEO])
def test_a_booking_confirmed_at_once_links_the_privacy_notice(visit_type, mailoutbox, modality):
    BookingSettings.objects.update_or_create(pk=1, defaults={"requires_confirmation": False})
    video = consented() if modality == Appointment.Modality.VIDEO else {}
    book(visit_type=visit_type, modality=modality, starts_at=at(weekday_after(3), 10), patient=PATIENT,
         provider_id=visit_type.providers.get().pk, **video)

    [email] = patient_emails(mailoutbox)

    assert "is confirmed" in email.body
    assert PRIVACY_NOTICE in email.body


def test_the_confirmation_staff_send_later_links_the_privacy_notice_too(visit_type, mailoutbox):
    result = book(visit_type=visit_type, modality=Appointment.Modality.VIDEO, starts_at=at(weekday_after(3), 10),
                  patient=PATIENT, provider_id=visit_type.providers.get().pk, **consented())
    confirm(result.appointment)

    emails = patient_emails(mailoutbox)

    assert [PRIVACY_NOTICE in email.body for email in emails] == [True, True]
