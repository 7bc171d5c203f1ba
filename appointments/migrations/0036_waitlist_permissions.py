from django.db import migrations

from clinic.roles import FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    # The waitlist is patient data: the front desk sees it and offers times by hand; editors never see it.
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["waitlistentry"], actions=("view", "change"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0035_waitlist"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
