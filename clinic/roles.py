"""Staff roles. Each app adds its models to a role in a data migration of its own."""

FRONT_DESK = "Front desk"
CONTENT_EDITORS = "Content editors"
# Linked to a provider (Provider.staff_user): their own schedule, their patients' intake and its review.
CLINICIANS = "Clinicians"


def grant_model_permissions(apps, group_name, app_label, model_names, actions=("view", "add", "change", "delete")):
    """Give a group permissions on models, for use inside a data migration.

    Permissions are normally created after all migrations have run, so they are
    created here first for the app in question.
    """
    codenames = [f"{action}_{model}" for model in model_names for action in actions]
    grant_permissions(apps, group_name, app_label, codenames)


def grant_permissions(apps, group_name, app_label, codenames):
    """Give a group permissions of an app by codename (models' own and custom ones, e.g.
    "view_intake_answers"), for use inside a data migration."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config(app_label), verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.add(*permissions)
