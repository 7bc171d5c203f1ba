"""ops/backup-db and ops/restore-db: the demo practice with bookings and their emails in every
state, backed up and restored into an empty database, comes back row for row, and the
database's own guard against overlapping appointments comes back with it.

Runs on the database the suite runs on: SQLite (the TEST_SQLITE_FILE file) or PostgreSQL
(DATABASE_URL; the restore goes into a new `<test database>_restore`, dropped afterwards).
"""

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from appointments import booking, outbox, telehealth
from appointments import intake as intakes
from appointments.loader import load_slots, providers_for
from appointments.models import Appointment, Intake, OutboxMessage, VisitType
from clinic import encryption
from tests.factories import (
    INTAKE_SECRETS,
    MAIL_IN_MEMORY,
    MAIL_SERVER_DOWN,
    consented,
    deliver_outbox,
    fill_in_intake,
    make_appointment,
    make_dry_needling_with_screening,
)

# Serialized rollback puts back what the migrations made after the flush (see tests/appointments/test_concurrency.py).
# Slow: the scripts run in their own processes.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "ops"

APPOINTMENT_COLUMNS = [
    "id", "reference", "status", "starts_at", "ends_at", "provider_id", "visit_type_id", "modality", "source",
    "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason", "consent_to_contact",
    "manage_token_hash",
]
OUTBOX_COLUMNS = ["id", "kind", "appointment_id", "to", "subject", "status", "attempts", "last_error", "next_attempt_at", "sent_at"]
# What SQLite hands back as text or 0/1; PostgreSQL's driver already gives these types.
SQLITE_TYPES = {
    "starts_at": "datetime", "ends_at": "datetime", "next_attempt_at": "datetime", "sent_at": "datetime",
    "date_of_birth": "date", "is_new_patient": "bool", "consent_to_contact": "bool",
}


def patient(number):
    return dict(
        first_name=f"Robin{number}", last_name="Backup", date_of_birth=date(1960 + number, 2, 3 + number),
        phone=f"+1301555010{number}", email=f"robin{number}@example.com", is_new_patient=False,
        reason=f"Low back pain, visit {number}", consent_to_contact=number % 2 == 0,
    )


def free_slot(visit_type, modality, first_day, provider=None):
    """The first free time from `first_day` on, for whoever offers the visit (or `provider`; by video: licensed in Maryland)."""
    providers = [provider] if provider else providers_for(visit_type, modality)
    providers = [p for p in providers if modality != Appointment.Modality.VIDEO or p.licence_in("MD")]
    return load_slots(visit_type, providers, first_day, 21, timezone.now(), merge=True)[0]


def free_time(visit_type, modality, first_day, provider=None):
    return free_slot(visit_type, modality, first_day, provider).starts_at


def book(visit_type, modality, days_ahead, number):
    slot = free_slot(visit_type, modality, timezone.localdate() + timedelta(days=days_ahead))
    video = {"provider_id": slot.provider_id, **consented("MD")} if modality == Appointment.Modality.VIDEO else {}
    return booking.book(visit_type=visit_type, modality=modality, starts_at=slot.starts_at, patient=patient(number), **video).appointment


def make_bookings_with_emails_in_every_state(settings):
    """Appointments requested, confirmed, moved, cancelled and completed, and their emails sent, pending and failed."""
    follow_up = VisitType.objects.get(slug="follow-up-visit")
    dry_needling = VisitType.objects.get(slug="dry-needling-session")
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY

    confirmed = book(follow_up, Appointment.Modality.IN_OFFICE, 3, 1)
    booking.confirm(confirmed)

    moved = book(dry_needling, Appointment.Modality.IN_OFFICE, 4, 2)
    later = timezone.localdate(moved.starts_at) + timedelta(days=2)
    # A patient's move keeps the provider: a free time of theirs.
    booking.move(moved, by_patient=True, starts_at=free_time(dry_needling, Appointment.Modality.IN_OFFICE, later, moved.provider))

    completed = book(follow_up, Appointment.Modality.IN_OFFICE, 5, 3)
    booking.record_outcome(completed, Appointment.Status.COMPLETED, now=completed.ends_at)  # as if the visit were over
    deliver_outbox()

    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    # Both emails fail on the worker's first round; the patient's fails again on its retry.
    video = book(follow_up, Appointment.Modality.VIDEO, 6, 4)
    deliver_outbox()
    failed_twice = OutboxMessage.objects.get(appointment=video, kind="patient_received")
    outbox.send_due(now=timezone.now() + timedelta(minutes=2), message_ids=[failed_twice.pk])

    cancelled = book(follow_up, Appointment.Modality.IN_OFFICE, 7, 5)
    booking.cancel(cancelled, by_patient=False)

    # Emails about no appointment, pending as well.
    telehealth.request_call_back(dict(
        first_name="Sam", last_name="Caller", date_of_birth=date(1975, 5, 6), phone="+13015550199",
        email="sam@example.com", is_new_patient=True, state="MD",
    ))
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY


def database_url(settings_dict):
    """The test database as a DATABASE_URL, for the scripts."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict["PASSWORD"]:
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "localhost"
    port = settings_dict["PORT"] or 5432
    return f"postgresql://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def run(script, *arguments, database):
    environment = {**os.environ, "DATABASE_URL": database}
    result = subprocess.run([str(OPS / script), *map(str, arguments)], env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(autouse=True)
def database_in_a_file():
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).is_file():
        pytest.skip("an in-memory SQLite test database cannot be backed up: run through `make test-suite` (TEST_SQLITE_FILE)")


@pytest.fixture
def restored_database(tmp_path):
    """(URL, connect) for a new, empty database; PostgreSQL's is dropped afterwards."""
    opened = []
    if connection.vendor == "sqlite":
        path = tmp_path / "restored" / "clinic.sqlite3"
        url, target, driver_connect, drop = f"sqlite:///{path}", path, sqlite3.connect, None
    else:
        import psycopg2

        name = f"{connection.settings_dict['NAME']}_restore"
        url = target = database_url({**connection.settings_dict, "NAME": name})
        driver_connect = psycopg2.connect
        server = psycopg2.connect(database_url(connection.settings_dict))
        server.autocommit = True
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        server.cursor().execute(drop)
        server.cursor().execute(f'CREATE DATABASE "{name}"')

    def connect():
        opened.append(driver_connect(target))
        return opened[-1]

    try:
        yield url, connect
    finally:
        for database in opened:
            database.close()
        if drop:
            server.cursor().execute(drop)
            server.close()


def rows(database, table, columns):
    """Rows as dicts, in the types Django gives (SQLite keeps datetimes as text and booleans as 0/1)."""
    cursor = database.cursor()
    quoted = ", ".join(f'"{column}"' for column in columns)
    cursor.execute(f'SELECT {quoted} FROM "{table}" ORDER BY "id"')  # noqa: S608  names from this module's constants
    found = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    cursor.close()
    if connection.vendor == "sqlite":
        for row in found:
            for column, kind in SQLITE_TYPES.items():
                if row.get(column) is not None:
                    row[column] = from_sqlite(kind, row[column])
    return found


def count_rows(database, table):
    cursor = database.cursor()
    cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608  a table name from Django's models
    (count,) = cursor.fetchone()
    cursor.close()
    return count


def from_sqlite(kind, value):
    if kind == "datetime":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if kind == "date":
        return date.fromisoformat(value)
    return bool(value)


def original(model, columns):
    """The same rows read through Django, before the backup."""
    attribute_of = {field.column: field.attname for field in model._meta.concrete_fields}
    fields = [attribute_of[column] for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in model.objects.order_by("id").values_list(*fields)]


def duplicate_of_an_active_appointment_sql(placeholder):
    """INSERT a copy of one active appointment (same provider, same time) under a new reference."""
    columns = [
        f'"{field.column}"' for field in Appointment._meta.concrete_fields if field.column not in ("id", "reference", "manage_token_hash")
    ]
    return (
        f'INSERT INTO "appointments_appointment" ("reference", {", ".join(columns)}) '  # noqa: S608  column names from the model, the id is a placeholder
        f'SELECT \'DUPLICATE1\', {", ".join(columns)} FROM "appointments_appointment" WHERE "id" = {placeholder}'
    )


def test_a_backup_restored_into_an_empty_database_has_every_appointment_and_its_outbox_state(
    demo, settings, tmp_path, restored_database
):
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    make_bookings_with_emails_in_every_state(settings)
    appointments = original(Appointment, APPOINTMENT_COLUMNS)
    outbox = original(OutboxMessage, OUTBOX_COLUMNS)
    # The scenario reached every state it is meant to cover.
    assert sorted(row["status"] for row in appointments) == ["cancelled", "completed", "confirmed", "requested", "requested"]
    assert {row["modality"] for row in appointments} == {"in_office", "video"}
    assert {row["status"] for row in outbox} == {"sent", "pending", "failed"}
    assert {(row["attempts"], row["last_error"]) for row in outbox if row["status"] == "failed"} == {
        (2, "SMTPServerDisconnected: Connection unexpectedly closed"),
        (1, "SMTPServerDisconnected: Connection unexpectedly closed"),
    }
    assert any(row["appointment_id"] is None for row in outbox)  # the telehealth request's emails

    backup = tmp_path / "backup" / "clinic.backup"
    backup.parent.mkdir()
    run("backup-db", backup, database=database_url(connection.settings_dict))
    assert backup.stat().st_mode & 0o077 == 0  # patient data: readable by its owner only

    target_url, connect = restored_database
    # DATABASE_URL stays the source: restore-db must go by the target it is given.
    run("restore-db", backup, target_url, database=database_url(connection.settings_dict))
    restored = connect()

    assert rows(restored, "appointments_appointment", APPOINTMENT_COLUMNS) == appointments
    assert rows(restored, "appointments_outboxmessage", OUTBOX_COLUMNS) == outbox
    # And the rest of the demo practice: every table holds as many rows as before.
    tables = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    assert {table: count_rows(restored, table) for table in tables} == {
        table: model._base_manager.count() for table, model in tables.items()
    }

    cursor = restored.cursor()
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'appointment_no_overlap%' ORDER BY name")
        assert [name for (name,) in cursor.fetchall()] == ["appointment_no_overlap_insert", "appointment_no_overlap_update"]
        refused, placeholder = sqlite3.IntegrityError, "?"
    else:
        import psycopg2

        cursor.execute("SELECT contype FROM pg_constraint WHERE conname = 'appointment_no_overlap'")
        assert cursor.fetchall() == [("x",)]  # an exclusion constraint
        refused, placeholder = psycopg2.IntegrityError, "%s"
    # And it still works: a second visit with the same provider at the same time is refused.
    active = next(row for row in appointments if row["status"] == "confirmed")
    with pytest.raises(refused, match="appointment_no_overlap"):
        cursor.execute(duplicate_of_an_active_appointment_sql(placeholder), [active["id"]])
    cursor.close()


def test_restore_refuses_a_database_that_already_has_tables(tmp_path):
    backup = tmp_path / "clinic.backup"
    run("backup-db", backup, database=database_url(connection.settings_dict))

    result = subprocess.run(
        [str(OPS / "restore-db"), str(backup), database_url(connection.settings_dict)], capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 1
    assert "already" in result.stderr
    assert "--clean" in result.stderr


# --- Intake answers: sealed in the backup, opened after a restore only with their key ----------


def readable_text_of(backup: Path) -> bytes:
    """Everything a thief could read in a backup: a SQLite file as it is; a pg_dump archive
    (compressed) as the SQL that pg_restore writes out of it."""
    if connection.vendor == "sqlite":
        return backup.read_bytes()
    return subprocess.run(["pg_restore", "--file=-", str(backup)], capture_output=True, check=True, timeout=120).stdout  # noqa: S607  Debian's postgresql-client, as ops/ uses


def manage_py(*arguments, database, intake_keys):
    """manage.py in a new process on `database`, with only these intake keys."""
    environment = {**os.environ, "DATABASE_URL": database, "INTAKE_KEYS": intake_keys, "INTAKE_KEYS_FILE": ""}
    return subprocess.run(  # noqa: S603  this interpreter and manage.py, with the test's own arguments
        [sys.executable, "manage.py", *arguments], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_backup_holds_no_intake_answer_and_a_restore_opens_them_only_with_their_key(settings, tmp_path, restored_database):
    appointment = make_appointment(visit_type=make_dry_needling_with_screening(), last_name="Backupson-Trace")
    intake = fill_in_intake(appointment)
    answers = intakes.answers_of(intake)
    its_key = ",".join(settings.INTAKE_KEYS)
    backup = tmp_path / "clinic.backup"

    run("backup-db", backup, database=database_url(connection.settings_dict))
    dump = readable_text_of(backup)

    assert b"Backupson-Trace" in dump  # what is not sealed is there to be read: the search finds text
    assert [secret for secret in INTAKE_SECRETS if secret.encode() in dump] == []
    target_url, connect = restored_database
    run("restore-db", backup, target_url, database=database_url(connection.settings_dict))
    cursor = connect().cursor()
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    cursor.execute(f"SELECT sealed_answers FROM appointments_intake WHERE id = {placeholder}", [intake.pk])  # noqa: S608  a placeholder
    (restored_sealed,) = cursor.fetchone()
    cursor.close()

    # The same key opens every answer; any other opens none.
    assert encryption.unseal(restored_sealed) == answers
    settings.INTAKE_KEYS = [encryption.new_key()]
    with pytest.raises(encryption.CannotOpen):
        encryption.unseal(restored_sealed)
    # And so says the site, run on the restored database.
    same_key = manage_py("rotate_intake_key", "--check", database=target_url, intake_keys=its_key)
    other_key = manage_py("rotate_intake_key", "--check", database=target_url, intake_keys=encryption.new_key())
    assert same_key.returncode == 0, same_key.stderr
    assert "1 intake(s) hold answers; the configured keys open 1." in same_key.stdout
    assert other_key.returncode == 1
    assert f"1 intake(s) cannot be opened with any configured key (ids {intake.pk})" in other_key.stderr
    assert Intake.objects.get(pk=intake.pk).sealed_answers == restored_sealed


def test_a_backup_is_never_written_next_to_the_intake_keys(tmp_path):
    keys = tmp_path / "keys" / "intake.keys"
    keys.parent.mkdir()
    keys.write_text(encryption.new_key() + "\n")
    environment = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "INTAKE_KEYS_FILE": str(keys)}

    for folder in (keys.parent, keys.parent / "backups", tmp_path):
        folder.mkdir(exist_ok=True)
        result = subprocess.run([str(OPS / "backup-db"), str(folder / "clinic.backup")], env=environment, capture_output=True, text=True, timeout=300)
        assert result.returncode == 1, folder
        assert "next to the intake keys" in result.stderr
        assert not (folder / "clinic.backup").exists()

    elsewhere = tmp_path / "backups"  # beside the keys' folder, not in it
    elsewhere.mkdir()
    result = subprocess.run([str(OPS / "backup-db"), str(elsewhere / "clinic.backup")], env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "keep a copy of them, apart from the backups" in result.stdout
