"""Rules that lived in admin forms move into the models (see appointments.models):
the patient's name on one line and one date-of-birth rule, a scheduled telehealth request
always has its visit (a check constraint; the visit is protected from deletion), and the
outbox's never-written html_body leaves the model.

Safe with the previous release still running: validators and on_delete are not in the
database; requests marked scheduled without a visit (only possible if a superuser
deleted the visit) go back to "contacted" before the constraint is added; html_body
stays in the database with a default of "" so that both releases can insert rows
(a later release may drop the column once no server runs this one's predecessor; until
then a later migration that rebuilds this table on SQLite drops it too, which is fine).

While both releases run: the previous one still deletes a visit with on_delete=SET_NULL,
so a superuser deleting the visit of a scheduled request there gets an error instead (the
new constraint refuses it; cancel the visit instead). And saves made by the previous
release do not clear the new release's cached single-row settings: they show after at
most SITE_CONTENT_CACHE_SECONDS."""

import django.db.models.deletion
from django.db import migrations, models

import appointments.models.patient
import clinic.validators


def unschedule_requests_without_a_visit(apps, schema_editor):
    TelehealthRequest = apps.get_model("appointments", "TelehealthRequest")
    TelehealthRequest.objects.filter(status="scheduled", appointment__isnull=True).update(status="contacted")


class Migration(migrations.Migration):

    dependencies = [
        ("appointments", "0005_telehealth_permissions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="outboxmessage", name="html_body", field=models.TextField(blank=True, db_default=""),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="outboxmessage", name="html_body"),
            ],
        ),
        migrations.AlterField(
            model_name="appointment",
            name="date_of_birth",
            field=models.DateField(validators=[appointments.models.patient.validate_date_of_birth]),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="first_name",
            field=models.CharField(max_length=60, validators=[clinic.validators.validate_single_line]),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="last_name",
            field=models.CharField(max_length=60, validators=[clinic.validators.validate_single_line]),
        ),
        migrations.AlterField(
            model_name="telehealthrequest",
            name="date_of_birth",
            field=models.DateField(validators=[appointments.models.patient.validate_date_of_birth]),
        ),
        migrations.AlterField(
            model_name="telehealthrequest",
            name="first_name",
            field=models.CharField(max_length=60, validators=[clinic.validators.validate_single_line]),
        ),
        migrations.AlterField(
            model_name="telehealthrequest",
            name="last_name",
            field=models.CharField(max_length=60, validators=[clinic.validators.validate_single_line]),
        ),
        migrations.AlterField(
            model_name="telehealthrequest",
            name="appointment",
            field=models.OneToOneField(
                blank=True, help_text="The video visit booked for this request.", null=True,
                on_delete=django.db.models.deletion.PROTECT, related_name="telehealth_request", to="appointments.appointment",
            ),
        ),
        migrations.RunPython(unschedule_requests_without_a_visit, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="telehealthrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("status", "scheduled"), _negated=True), ("appointment__isnull", False), _connector="OR"),
                name="telehealth_request_scheduled_has_visit",
            ),
        ),
    ]
