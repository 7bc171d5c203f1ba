from django.db import migrations

from clinic.roles import FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    # Requests for help are patient data: the front desk's to work through; editors never see them.
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["helprequest"], actions=("view", "change"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0018_help_requests"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
