"""Manage links become signed (`Appointment.manage_token`): each appointment gets a nonce, and
outbox bodies lose the working links they held.

- Links already emailed keep working: `manage_token_hash` stays, and `from_manage_token` still
  looks up a token without a dot by its hash.
- Every appointment gets a nonce, so reminders and retried emails can carry a link.
- Every stored body (sent, failed or waiting) has its manage link replaced with the placeholder
  the outbox fills in when it sends, so no row, and no backup taken from now on, holds one.
"""

import re
import secrets

from django.db import migrations, models

import appointments.models.appointment

MANAGE_LINK = re.compile(r"\S*/appointments/manage/[^/\s]+/")
PLACEHOLDER = "[[manage-link]]"  # appointments.outbox.MANAGE_LINK_PLACEHOLDER at the time of this migration


def give_every_appointment_a_nonce(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    for appointment_id in Appointment.objects.filter(manage_nonce__isnull=True).values_list("pk", flat=True).iterator():
        Appointment.objects.filter(pk=appointment_id).update(manage_nonce=secrets.token_urlsafe(16))


def take_links_out_of_the_outbox(apps, schema_editor):
    OutboxMessage = apps.get_model("appointments", "OutboxMessage")
    for message in OutboxMessage.objects.filter(body__contains="/appointments/manage/").only("pk", "body").iterator():
        OutboxMessage.objects.filter(pk=message.pk).update(body=MANAGE_LINK.sub(PLACEHOLDER, message.body))


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0009_outbox_worker_and_abandoned'),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='manage_nonce',
            field=models.CharField(editable=False, max_length=32, null=True, unique=True),
        ),
        migrations.RunPython(give_every_appointment_a_nonce, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='appointment',
            name='manage_nonce',
            field=models.CharField(
                default=appointments.models.appointment.new_manage_nonce, editable=False, max_length=32, null=True, unique=True,
            ),
        ),
        migrations.RunPython(take_links_out_of_the_outbox, migrations.RunPython.noop),
    ]
