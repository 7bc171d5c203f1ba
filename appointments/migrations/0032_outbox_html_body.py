"""The outbox keeps an HTML version of each email beside the text (appointments.email_design).

The column may already be there: 0006_model_rules took `html_body` out of the model but left
the column in the database (with a default of "") on PostgreSQL, while SQLite dropped it when a
later migration rebuilt the table. So the model gains the field, and the database gains the
column only where it is missing; going back leaves the column, as 0006 did.
"""

from django.db import migrations, models


def add_the_column_where_missing(apps, schema_editor):
    model = apps.get_model("appointments", "OutboxMessage")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        columns = {column.name for column in connection.introspection.get_table_description(cursor, model._meta.db_table)}
    if "html_body" in columns:
        return
    field = models.TextField(blank=True, default="")
    field.set_attributes_from_name("html_body")
    field.model = model
    schema_editor.add_field(model, field)


class Migration(migrations.Migration):

    dependencies = [
        ("appointments", "0031_clinicians_and_intake_permissions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_the_column_where_missing, migrations.RunPython.noop)],
            state_operations=[
                migrations.AddField(
                    model_name="outboxmessage",
                    name="html_body",
                    field=models.TextField(
                        blank=True,
                        help_text="The same email laid out in the practice's colours, sent alongside the plain text (empty: plain text only).",
                    ),
                ),
            ],
        ),
    ]
