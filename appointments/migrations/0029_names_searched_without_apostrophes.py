"""Patients' search copies of their names without apostrophes (`plain_text`): "obrien" and
"O’Brien" find "O'Brien". Recomputed for every record; nothing else changes."""

from django.db import migrations


def recompute(apps, schema_editor):
    from appointments.models.patient import search_name_of

    Patient = apps.get_model("appointments", "Patient")
    changed = []
    for patient in Patient.objects.only("pk", "first_name", "last_name", "search_name").iterator(chunk_size=2000):
        name = search_name_of(patient.first_name, patient.last_name)
        if name != patient.search_name:
            patient.search_name = name
            changed.append(patient)
    Patient.objects.bulk_update(changed, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0028_patient_permissions")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
