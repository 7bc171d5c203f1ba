from django.db import migrations

from clinic.roles import FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    grant_model_permissions(
        apps, FRONT_DESK, "appointments", ["appointment", "workinghours", "timeoff", "visittype", "bookingsettings"]
    )
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["outboxmessage"], actions=("view",))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0002_no_overlapping_appointments"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
