"""Every appointment and telehealth request made before patient records gets its record, by the
matching rule of `appointments.patients` (same date of birth, first and last name, and email or
phone), oldest first: each record holds the details of the first visit or request it was made from.
Cancelled visits get `cancelled_at` from their last change, the best time known for them."""

from django.db import migrations
from django.db.models import F

from appointments.models.patient import digits_of, plain_text

PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email")


def link_patients(apps, schema_editor):
    Patient = apps.get_model("appointments", "Patient")
    Appointment = apps.get_model("appointments", "Appointment")
    TelehealthRequest = apps.get_model("appointments", "TelehealthRequest")
    known = {}  # (date of birth, first name, last name) -> [(patient id, email, phone digits)]

    def key_of(row):
        return row.date_of_birth, plain_text(row.first_name), plain_text(row.last_name)

    for patient in Patient.objects.order_by("pk"):
        known.setdefault(key_of(patient), []).append((patient.pk, patient.email.casefold(), patient.phone_digits))

    def record_for(row):
        email, digits = row.email.casefold(), digits_of(row.phone)
        for patient_id, patient_email, patient_digits in known.get(key_of(row), []):
            if patient_email == email or (patient_digits and patient_digits == digits):
                return patient_id
        patient = Patient.objects.create(
            **{name: getattr(row, name) for name in PATIENT_FIELDS},
            search_name=plain_text(f"{row.first_name} {row.last_name}"), phone_digits=digits,
        )
        known.setdefault(key_of(row), []).append((patient.pk, email, digits))
        return patient.pk

    for model in (Appointment, TelehealthRequest):
        for row in model.objects.filter(patient__isnull=True).order_by("created_at", "pk").iterator():
            model.objects.filter(pk=row.pk).update(patient_id=record_for(row))
    Appointment.objects.filter(status="cancelled", cancelled_at__isnull=True).update(cancelled_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0026_patient_search_and_history")]

    operations = [migrations.RunPython(link_patients, migrations.RunPython.noop)]
