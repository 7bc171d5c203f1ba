"""The availability version: a number the database holds and raises in the same transaction as
every change of what the time and details pages show, so a page rendered under an older number
is never served again, by any app server, once the change is committed.

Triggers do the raising, so nothing that writes the rows can forget it: the booking functions,
the admin, inlines, actions, `bulk_create`, `update()`, the shell, a migration. The tables and,
for appointments, the columns that matter are listed in WATCHED. PostgreSQL: one statement-level
trigger per table. SQLite: row triggers (it has no others). The row is locked by the first change
of a transaction until it commits, so bookings commit one after another (they are short).

A page reads the number *before* anything else (appointments.booking_pages): whatever it reads
afterwards is at least as new as that number, so a render stored under it can only be more
cautious than the rows, never behind them. Without the row (a flushed test database) nothing
is cached.

As for the overlap guard, Django rebuilding a SQLite table for a schema change loses its
triggers: `install` runs after every `migrate` (appointments.apps) and creates what is missing.
"""

from django.db import connection as default_connection


VERSION_TABLE = "appointments_availabilityversion"
# Table -> the columns whose update matters (None: any change of the row).
WATCHED = {
    "appointments_appointment": ("starts_at", "ends_at", "status", "provider_id", "visit_type_id", "modality"),
    "appointments_workinghours": None,
    "appointments_timeoff": None,
    "appointments_bookingsettings": None,
    "appointments_visittype": None,
    "appointments_visittype_providers": None,
    "clinic_provider": None,
    "clinic_providerlicence": None,
    "clinic_officehours": None,
    "clinic_holidayhours": None,
}
TRIGGER = "availability_changed"
FUNCTION = "appointments_availability_changed"
READ = f"SELECT number FROM {VERSION_TABLE} WHERE id = 1"  # noqa: S608  constants only
BUMP = f"UPDATE {VERSION_TABLE} SET number = number + 1 WHERE id = 1"  # noqa: S608  constants only


def _update_of(columns) -> str:
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


def postgresql_statements() -> list[str]:
    statements = [
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$",
    ]
    for table, columns in WATCHED.items():
        statements += [
            f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}",
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR {_update_of(columns)} OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
        ]
    return statements


def sqlite_statements() -> list[str]:
    statements = []
    for table, columns in WATCHED.items():
        for event, name in (("INSERT", "insert"), (_update_of(columns), "update"), ("DELETE", "delete")):
            statements.append(f"CREATE TRIGGER IF NOT EXISTS {TRIGGER}_{table}_{name} AFTER {event} ON {table} BEGIN {BUMP}; END")
    return statements


def install(connection):
    """Create the row and the triggers where they are missing. Safe to run any number of times."""
    statements = {"postgresql": postgresql_statements, "sqlite": sqlite_statements}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, number) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM {VERSION_TABLE} WHERE id = 1)")  # noqa: S608


def remove(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in WATCHED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        elif connection.vendor == "sqlite":
            for table in WATCHED:
                for name in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{table}_{name}")


def installed_triggers(connection=default_connection) -> set[str]:
    """The watched tables that have their trigger(s), as the database lists them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name = %s", [TRIGGER])
            return {table for (table,) in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
        names = {name for _, name in cursor.fetchall()}
        return {table for table in WATCHED if all(f"{TRIGGER}_{table}_{event}" in names for event in ("insert", "update", "delete"))}


def current_version(connection=default_connection) -> int | None:
    """The number now (one query), or None when the row is missing. Plain SQL: it runs on every
    view of the time and details pages, and the ORM's building of it cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(READ)
        row = cursor.fetchone()
    return row[0] if row else None
