from django.db import migrations

from clinic.roles import FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    # The receptionist who hears "snow day, we're closed" posts the closure and acts on the
    # visits it hits (issue 14). Deleting one stays with the content editors.
    grant_model_permissions(apps, FRONT_DESK, "clinic", ["holidayhours"], actions=("view", "add", "change"))


class Migration(migrations.Migration):
    dependencies = [("clinic", "0014_plain_text_rules"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
