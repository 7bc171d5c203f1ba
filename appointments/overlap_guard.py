"""The database's own guard against two active appointments of one provider overlapping.

PostgreSQL: an exclusion constraint over tstzrange(starts_at, ends_at) per provider
(needs the btree_gist extension). SQLite: triggers that abort the insert or update.
Either way the error reaches Django as an IntegrityError, which the booking code
turns into "that time was just taken". The statuses are Appointment.ACTIVE_STATUSES.

On SQLite, Django rebuilds a table for some schema changes, and a rebuilt table has
lost its triggers: `install` runs after every `migrate` (see appointments.apps) and
creates whatever is missing.
"""

ACTIVE = "('requested', 'confirmed')"
TABLE = "appointments_appointment"

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'appointment_no_overlap') THEN
            ALTER TABLE {TABLE} ADD CONSTRAINT appointment_no_overlap
                EXCLUDE USING gist (provider_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
                WHERE (status IN {ACTIVE});
        END IF;
    END $$""",  # noqa: S608  only the constants TABLE and ACTIVE are interpolated, never input
]

_SQLITE_CHECK = f"""
    WHEN NEW.status IN {ACTIVE}
    BEGIN
        SELECT RAISE(ABORT, 'appointment_no_overlap: the provider already has an appointment at that time')
        WHERE EXISTS (
            SELECT 1 FROM {TABLE} AS other
            WHERE other.provider_id = NEW.provider_id
              AND other.id IS NOT NEW.id
              AND other.status IN {ACTIVE}
              AND other.starts_at < NEW.ends_at
              AND NEW.starts_at < other.ends_at
        );
    END"""  # noqa: S608  only the constants TABLE and ACTIVE are interpolated, never input
SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS appointment_no_overlap_insert BEFORE INSERT ON {TABLE} {_SQLITE_CHECK}",
    f"CREATE TRIGGER IF NOT EXISTS appointment_no_overlap_update BEFORE UPDATE ON {TABLE} {_SQLITE_CHECK}",
]

REMOVE = {
    "postgresql": [f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS appointment_no_overlap"],
    "sqlite": ["DROP TRIGGER IF EXISTS appointment_no_overlap_insert", "DROP TRIGGER IF EXISTS appointment_no_overlap_update"],
}


def install(connection):
    """Create the guard where it is missing. Safe to run any number of times."""
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove(connection):
    with connection.cursor() as cursor:
        for statement in REMOVE.get(connection.vendor, []):
            cursor.execute(statement)
