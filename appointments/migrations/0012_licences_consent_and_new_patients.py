"""Issue 12: video visits only where the clinician is licensed, the patient's consent to
telehealth, and which visits new patients may book directly.

- Appointments record the state the patient will be in during a video visit and their consent
  to telehealth (when, and the version of its wording: appointments.consent). Visits booked
  before keep them blank.
- Visit types say whether new patients may book them directly (all may, as before, until
  staff untick it).
- The booking settings' list of states for video visits is replaced by the clinicians' own
  licences (clinic.ProviderLicence). Its column stays, with a database default, and so does
  every new column have one, so that the previous release can still insert rows while both
  run; a later release may drop it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0011_booking_grace_and_reminder_time'),
        ('clinic', '0009_provider_licence'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="bookingsettings", name="telehealth_states",
                    field=models.CharField(max_length=200, default="MD,VA,DC", db_default="MD,VA,DC"),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="bookingsettings", name="telehealth_states"),
            ],
        ),
        migrations.AddField(
            model_name='appointment',
            name='patient_state',
            field=models.CharField(blank=True, choices=[('AL', 'Alabama'), ('AK', 'Alaska'), ('AZ', 'Arizona'), ('AR', 'Arkansas'), ('CA', 'California'), ('CO', 'Colorado'), ('CT', 'Connecticut'), ('DE', 'Delaware'), ('DC', 'District of Columbia'), ('FL', 'Florida'), ('GA', 'Georgia'), ('HI', 'Hawaii'), ('ID', 'Idaho'), ('IL', 'Illinois'), ('IN', 'Indiana'), ('IA', 'Iowa'), ('KS', 'Kansas'), ('KY', 'Kentucky'), ('LA', 'Louisiana'), ('ME', 'Maine'), ('MD', 'Maryland'), ('MA', 'Massachusetts'), ('MI', 'Michigan'), ('MN', 'Minnesota'), ('MS', 'Mississippi'), ('MO', 'Missouri'), ('MT', 'Montana'), ('NE', 'Nebraska'), ('NV', 'Nevada'), ('NH', 'New Hampshire'), ('NJ', 'New Jersey'), ('NM', 'New Mexico'), ('NY', 'New York'), ('NC', 'North Carolina'), ('ND', 'North Dakota'), ('OH', 'Ohio'), ('OK', 'Oklahoma'), ('OR', 'Oregon'), ('PA', 'Pennsylvania'), ('RI', 'Rhode Island'), ('SC', 'South Carolina'), ('SD', 'South Dakota'), ('TN', 'Tennessee'), ('TX', 'Texas'), ('UT', 'Utah'), ('VT', 'Vermont'), ('VA', 'Virginia'), ('WA', 'Washington'), ('WV', 'West Virginia'), ('WI', 'Wisconsin'), ('WY', 'Wyoming')], db_default='', default='', help_text='Video visits: the state the patient will be in. The clinician must be licensed there.', max_length=2, verbose_name='state during the visit'),
        ),
        migrations.AddField(
            model_name='appointment',
            name='telehealth_consent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='consent to telehealth given'),
        ),
        migrations.AddField(
            model_name='appointment',
            name='telehealth_consent_version',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=20, verbose_name='consent wording version'),
        ),
        migrations.AddField(
            model_name='visittype',
            name='new_patients_may_book',
            field=models.BooleanField(db_default=True, default=True, help_text='Untick for a treatment that new patients start with a consultation for: online, a new patient choosing it is shown the way to book a new patient consultation instead. Staff may still book it for anyone.', verbose_name='new patients may book it directly'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('telehealth_consent_at__isnull', True), ('telehealth_consent_version', '')), models.Q(('telehealth_consent_at__isnull', False), models.Q(('telehealth_consent_version', ''), _negated=True)), _connector='OR'), name='appointment_consent_has_time_and_version'),
        ),
    ]
