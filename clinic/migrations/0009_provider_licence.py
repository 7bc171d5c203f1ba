"""Clinicians' licences, one per state (issue 12): video visits are offered and booked only
with a clinician licensed where the patient will be. Content editors, who keep the team page,
edit them on the provider's page; the front desk may read them.

No licence is made up here: after this migration no clinician has one, so video visits cannot
be booked online (and the call-back form takes no state) until staff enter each clinician's
licences. A new table only: safe with the previous release still running."""

import clinic.validators
import django.db.models.deletion
from django.db import migrations, models

from clinic.roles import CONTENT_EDITORS, FRONT_DESK, grant_model_permissions


def grant(apps, schema_editor):
    grant_model_permissions(apps, CONTENT_EDITORS, "clinic", ["providerlicence"])
    grant_model_permissions(apps, FRONT_DESK, "clinic", ["providerlicence"], actions=("view",))


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0008_provider_languages'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProviderLicence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('AL', 'Alabama'), ('AK', 'Alaska'), ('AZ', 'Arizona'), ('AR', 'Arkansas'), ('CA', 'California'), ('CO', 'Colorado'), ('CT', 'Connecticut'), ('DE', 'Delaware'), ('DC', 'District of Columbia'), ('FL', 'Florida'), ('GA', 'Georgia'), ('HI', 'Hawaii'), ('ID', 'Idaho'), ('IL', 'Illinois'), ('IN', 'Indiana'), ('IA', 'Iowa'), ('KS', 'Kansas'), ('KY', 'Kentucky'), ('LA', 'Louisiana'), ('ME', 'Maine'), ('MD', 'Maryland'), ('MA', 'Massachusetts'), ('MI', 'Michigan'), ('MN', 'Minnesota'), ('MS', 'Mississippi'), ('MO', 'Missouri'), ('MT', 'Montana'), ('NE', 'Nebraska'), ('NV', 'Nevada'), ('NH', 'New Hampshire'), ('NJ', 'New Jersey'), ('NM', 'New Mexico'), ('NY', 'New York'), ('NC', 'North Carolina'), ('ND', 'North Dakota'), ('OH', 'Ohio'), ('OK', 'Oklahoma'), ('OR', 'Oregon'), ('PA', 'Pennsylvania'), ('RI', 'Rhode Island'), ('SC', 'South Carolina'), ('SD', 'South Dakota'), ('TN', 'Tennessee'), ('TX', 'Texas'), ('UT', 'Utah'), ('VT', 'Vermont'), ('VA', 'Virginia'), ('WA', 'Washington'), ('WV', 'West Virginia'), ('WI', 'Wisconsin'), ('WY', 'Wyoming')], help_text='The state (or DC) whose board issued the licence.', max_length=2)),
                ('licence_type', models.CharField(choices=[('MD', 'Physician (MD)'), ('DO', 'Physician (DO)'), ('PA-C', 'Physician assistant (PA-C)'), ('NP', 'Nurse practitioner (NP)'), ('PT', 'Physical therapist (PT)')], help_text='What the licence allows them to practise as.', max_length=8, verbose_name='licence type')),
                ('number', models.CharField(blank=True, help_text='Optional, as the board prints it, e.g. D0099999. Only staff see it.', max_length=30, validators=[clinic.validators.validate_single_line], verbose_name='licence number')),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='licences', to='clinic.provider')),
            ],
            options={
                'verbose_name': 'licence',
                'ordering': ['provider', 'state'],
                'constraints': [models.UniqueConstraint(fields=('provider', 'state'), name='provider_licence_one_per_state', violation_error_message='This clinician already has a licence in that state.')],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
