from django.db import migrations

from clinic.roles import CONTENT_EDITORS, FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["telehealthrequest"])
    # The page text is content; the requests are patient data, which editors never see.
    grant_model_permissions(apps, CONTENT_EDITORS, "appointments", ["telehealthpage"], actions=("view", "add", "change"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0004_telehealth"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
