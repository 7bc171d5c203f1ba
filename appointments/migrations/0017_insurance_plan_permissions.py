from django.db import migrations

from clinic.roles import CONTENT_EDITORS, FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    # The plan list and the self-pay prices are content the editors keep; the front desk reads
    # the plans to answer the phone. Editors change only a visit type's price and description
    # (appointments.admin.schedule.VisitTypeAdmin): who offers it and when stays the front desk's.
    grant_model_permissions(apps, CONTENT_EDITORS, "appointments", ["insuranceplan"])
    grant_model_permissions(apps, CONTENT_EDITORS, "appointments", ["visittype"], actions=("view", "change"))
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["insuranceplan"], actions=("view",))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0016_insurance_plans"), ("clinic", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
