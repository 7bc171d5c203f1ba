from django.db import migrations

from clinic.roles import CONTENT_EDITORS, grant_model_permissions


def grant(apps, schema_editor):
    # Treatment pages are content: editors edit them; the front desk does not.
    grant_model_permissions(apps, CONTENT_EDITORS, "services", ["service", "question", "condition"])


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
