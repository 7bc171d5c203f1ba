from django.db import migrations

from clinic.roles import FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    # Patient records are the front desk's: they find, add and correct them; only superusers delete.
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["patient"], actions=("view", "add", "change"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0027_link_patient_records"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
