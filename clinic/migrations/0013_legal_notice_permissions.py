from django.db import migrations

from clinic.roles import CONTENT_EDITORS, FRONT_DESK, grant_model_permissions

NOTICE_MODELS = ["legalnotice", "legalnoticeversion", "languagetagline"]


def grant(apps, schema_editor):
    # Editors write the notices and taglines (the admin keeps versions that took effect from
    # being changed or deleted); the front desk reads them to answer patients on the phone.
    grant_model_permissions(apps, CONTENT_EDITORS, "clinic", NOTICE_MODELS)
    grant_model_permissions(apps, FRONT_DESK, "clinic", NOTICE_MODELS, actions=("view",))


class Migration(migrations.Migration):
    dependencies = [("clinic", "0012_legal_notices"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
