"""The availability version and the triggers that raise it: see appointments/availability_version.py.
Depends on clinic's latest migration because its triggers sit on clinic's tables too."""

from django.db import migrations, models


def install(apps, schema_editor):
    from appointments import availability_version

    availability_version.install(schema_editor.connection)


def remove(apps, schema_editor):
    from appointments import availability_version

    availability_version.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0032_outbox_html_body"),
        ("clinic", "0018_trust_signals"),
    ]

    operations = [
        migrations.CreateModel(
            name="AvailabilityVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "availability version"},
        ),
        migrations.RunPython(install, remove),
    ]
