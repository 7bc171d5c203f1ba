"""The database refuses two active appointments of one provider that overlap in time.

PostgreSQL: an exclusion constraint over tstzrange(starts_at, ends_at) per provider
(needs the btree_gist extension: the migrating role must be allowed to create it, or
an administrator creates it once). SQLite: triggers that abort the insert or update.
Either way the error reaches Django as an IntegrityError, which the booking code
turns into "that time was just taken". The statuses are those of
Appointment.ACTIVE_STATUSES.
"""

from django.db import migrations

ACTIVE = "('requested', 'confirmed')"

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE appointments_appointment ADD CONSTRAINT appointment_no_overlap
        EXCLUDE USING gist (provider_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
]
POSTGRESQL_BACKWARD = ["ALTER TABLE appointments_appointment DROP CONSTRAINT appointment_no_overlap"]

SQLITE_CHECK = f"""
    WHEN NEW.status IN {ACTIVE}
    BEGIN
        SELECT RAISE(ABORT, 'appointment_no_overlap: the provider already has an appointment at that time')
        WHERE EXISTS (
            SELECT 1 FROM appointments_appointment AS other
            WHERE other.provider_id = NEW.provider_id
              AND other.id IS NOT NEW.id
              AND other.status IN {ACTIVE}
              AND other.starts_at < NEW.ends_at
              AND NEW.starts_at < other.ends_at
        );
    END"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON appointments_appointment {SQLITE_CHECK}",
    f"CREATE TRIGGER appointment_no_overlap_update BEFORE UPDATE ON appointments_appointment {SQLITE_CHECK}",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER appointment_no_overlap_insert",
    "DROP TRIGGER appointment_no_overlap_update",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
