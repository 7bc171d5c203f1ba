"""The front desk's pages at a busy practice's scale, for `make bench` (run by bench/run.py).

A dedicated database, made afresh each run: on PostgreSQL when there is one (DATABASE_URL if it
names PostgreSQL, else the local server at 127.0.0.1:5432; the database `clinic_bench_front_desk`
is dropped and created), otherwise SQLite (var/bench-front-desk.sqlite3). Migrated, seeded with
the demo practice, then filled by `manage.py bench_front_desk_data`: 50,000 appointments over 5
years, 10 providers, 20,000 patients.

Server time of each page (the request through Django's whole stack, in this process, signed in
as the front desk), the median of RUNS after a warm-up:
* the appointment list's first page: goal < 150 ms;
* patient search by name, by part of a phone number, by date of birth: goal < 100 ms each;
* the appointment list searched by a patient's name, all dates: the list's goal, < 150 ms;
* the calendar's week for all providers (`admin:appointments_appointment_calendar`): goal < 150 ms;
* the intake forms' list (where each visit's forms stand), as the front desk opens it: the list's goal;
* one visit's intake summary, as its clinician opens it (answers opened, the showing audited): goal < 100 ms;
* a patient saving a section of their forms (POST through their manage link: checked, sealed, saved): goal < 100 ms.

Prints one line per figure as `name value goal PASS|FAIL`; exit code 1 on a miss.
"""

import base64
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "clinic_bench_front_desk"
SQLITE_FILE = ROOT / "var" / "bench-front-desk.sqlite3"
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
LIST_GOAL_MS = 150
SEARCH_GOAL_MS = 100
CALENDAR_GOAL_MS = 150
SUMMARY_GOAL_MS = 100
SECTION_GOAL_MS = 100
# The patient whose name, phone and birthday are searched for: any one of the invented ones.
SAMPLE_PATIENT = 1234
# Production settings when run on its own (bench/run.py passes its own); the admin's second sign-in
# step is a sign-in matter, not a page's cost, so the bench's front desk user skips it.
PRODUCTION_DEFAULTS = {"DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SITE_URL": "http://127.0.0.1"}


def postgres_server_url() -> str | None:
    """The PostgreSQL server to use (without a database name), or None for SQLite."""
    import psycopg2

    configured = os.environ.get("DATABASE_URL", "")
    server = configured.rsplit("/", 1)[0] if configured.startswith(("postgres://", "postgresql://")) else "postgres://postgres@127.0.0.1:5432"
    try:
        psycopg2.connect(f"{server}/postgres", connect_timeout=3).close()
    except psycopg2.Error:
        return None
    return server


def fresh_database(name=BENCH_DATABASE, sqlite_file=SQLITE_FILE) -> str:
    """The DATABASE_URL of an empty bench database: PostgreSQL database `name` made afresh, else a new SQLite file."""
    server = postgres_server_url()
    if server is None:
        sqlite_file.parent.mkdir(exist_ok=True)
        for leftover in (sqlite_file, Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")):
            leftover.unlink(missing_ok=True)
        return f"sqlite:///{sqlite_file}"
    import psycopg2

    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return f"{server}/{name}"


def prepare(database_url: str):
    env = {**os.environ, "DATABASE_URL": database_url}
    started = time.perf_counter()
    for command in (["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"], ["bench_front_desk_data", "--add"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own commands
    return time.perf_counter() - started


def measure(client, url, data=None) -> tuple[float, float, int]:
    """Median server time of GET `url` (POST `data` to it, when given) and of its database queries,
    in milliseconds, and the number of queries; the page must answer 200 (a POST: its redirect). The
    first run warms templates and caches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def request():
        return client.get(url) if data is None else client.post(url, data)

    timings, database = [], []
    for run in range(RUNS + 1):
        started = time.perf_counter()
        response = request()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != (200 if data is None else 302):
            raise RuntimeError(f"{url} answered {response.status_code}")
        if run:
            timings.append(elapsed)
    with CaptureQueriesContext(connection) as queries:
        request()
    database = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return statistics.median(timings), database, len(queries.captured_queries)


def main():
    import secrets

    for name, value in PRODUCTION_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if not os.environ.get("INTAKE_KEYS_FILE"):
        os.environ.setdefault("INTAKE_KEYS", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())  # a throwaway key, as the database is
    os.environ["STAFF_TWO_FACTOR_REQUIRED"] = "0"
    database_url = fresh_database()
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    seconds = prepare(database_url)
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from appointments.management.commands.bench_front_desk_data import SAMPLE_ANSWERS
    from appointments.models import Appointment, Intake, Patient
    from clinic.models import Provider
    from clinic.roles import CLINICIANS, FRONT_DESK

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the bench never emails anyone
    print(f"{engine}: {Appointment.objects.count()} appointments, {Patient.objects.count()} patients, made in {seconds:.0f} s")

    desk = get_user_model().objects.create_user("bench-desk", is_staff=True)
    desk.groups.add(Group.objects.get(name=FRONT_DESK))
    host = (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0]
    client = Client(HTTP_HOST="127.0.0.1" if host == "*" else host, secure=settings.SESSION_COOKIE_SECURE)
    client.force_login(desk)

    someone = Patient.objects.filter(email__startswith="bench.patient").order_by("pk")[SAMPLE_PATIENT]
    rows = [
        ("appointment list, first page", reverse("admin:appointments_appointment_changelist"), LIST_GOAL_MS),
        # First and last name, as a receptionist types them (with no accents: the record has them).
        ("patient search: name", f"{reverse('admin:appointments_patient_changelist')}?{urlencode({'q': someone.search_name})}",
         SEARCH_GOAL_MS),
        ("patient search: part of a phone", f"{reverse('admin:appointments_patient_changelist')}?q={someone.phone_digits[-7:-4]}-{someone.phone_digits[-4:]}",
         SEARCH_GOAL_MS),
        ("patient search: date of birth", f"{reverse('admin:appointments_patient_changelist')}?q={someone.date_of_birth:%m/%d/%Y}",
         SEARCH_GOAL_MS),
        # The appointment list again, searched: the list's goal (the patient searches above have the search goal).
        ("appointment list searched by name",
         f"{reverse('admin:appointments_appointment_changelist')}?{urlencode({'when': 'all', 'q': someone.search_name})}",
         LIST_GOAL_MS),
        ("calendar: week, all providers",
         f"{reverse('admin:appointments_appointment_calendar')}?view=week&date={timezone.localdate():%Y-%m-%d}", CALENDAR_GOAL_MS),
    ]

    # The forms: the front desk's list, a clinician's summary of one of their patients', a patient saving a section.
    rows.append(("intake forms list, first page", reverse("admin:appointments_intake_changelist"), LIST_GOAL_MS))
    intake = Intake.objects.filter(appointment__starts_at__gte=timezone.now(), appointment__status__in=Appointment.ACTIVE_STATUSES).first()
    clinician = get_user_model().objects.create_user("bench-clinician", is_staff=True)
    clinician.groups.add(Group.objects.get(name=CLINICIANS))
    Provider.objects.filter(pk=intake.appointment.provider_id).update(staff_user=clinician)
    clinician_client = Client(HTTP_HOST=client.defaults["HTTP_HOST"], secure=settings.SESSION_COOKIE_SECURE)
    clinician_client.force_login(clinician)
    patient_client = Client(HTTP_HOST=client.defaults["HTTP_HOST"], secure=settings.SESSION_COOKIE_SECURE)
    section_url = reverse("appointments:intake_section", args=[intake.appointment.manage_token(), "pain"])

    all_passed = True
    for name, url, goal, who, data in [
        *((name, url, goal, client, None) for name, url, goal in rows),
        ("intake summary (clinician)", reverse("admin:appointments_intake_change", args=[intake.pk]), SUMMARY_GOAL_MS,
         clinician_client, None),
        ("patient saves a forms section", section_url, SECTION_GOAL_MS, patient_client, SAMPLE_ANSWERS["pain"]),
    ]:
        milliseconds, database, queries = measure(who, url, data)
        passed = milliseconds < goal
        all_passed &= passed
        print(f"{name:<34} {milliseconds:>7.1f} ms (goal < {goal} ms, median of {RUNS}; database {database:.0f} ms in "
              f"{queries} queries) {'PASS' if passed else 'FAIL'}")
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
