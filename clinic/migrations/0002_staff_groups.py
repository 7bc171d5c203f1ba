from django.db import migrations

from clinic.roles import CONTENT_EDITORS, FRONT_DESK, grant_model_permissions


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=FRONT_DESK)
    grant_model_permissions(
        apps, CONTENT_EDITORS, "clinic", ["practice", "officehours", "holidayhours", "announcement"]
    )
    # The front desk answers the phone: they may look up hours and notices but not change them.
    grant_model_permissions(
        apps, FRONT_DESK, "clinic", ["practice", "officehours", "holidayhours", "announcement"], actions=("view",)
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[FRONT_DESK, CONTENT_EDITORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
