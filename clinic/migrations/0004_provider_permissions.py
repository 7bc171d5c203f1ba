from django.db import migrations

from clinic.roles import CONTENT_EDITORS, FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    grant_model_permissions(apps, CONTENT_EDITORS, "clinic", ["provider"])
    grant_model_permissions(apps, FRONT_DESK, "clinic", ["provider"], actions=("view",))


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_provider"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
