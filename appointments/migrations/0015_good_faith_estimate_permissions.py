from django.db import migrations

from clinic.roles import FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    # The front desk already keeps visit types (0003), so it keeps their expected items too, and it
    # prepares and sends the estimates. Estimates hold patient details: content editors never see them.
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["estimateitem"])
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["goodfaithestimate"], actions=("view", "add", "change"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0014_good_faith_estimates"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
