"""Intake answers, the most sensitive things patients tell us, stay out of everything but their
one sealed column.

A new patient, insured, opens their forms from the email and answers every section with answers
no page of ours could hold by chance (tests.factories.TRACED_INTAKE: "Zyxotrel-4471" and others),
a mistake first, a blood thinner flagged for review; a clinician asks the front desk to call.
Then every log record (every logger at DEBUG), every email queued or sent, every address asked
for or redirected to, every cache entry (keys and values, in whichever cache is configured) and
every column of every table (read with raw SQL; sessions decoded) is searched for the answers;
the intake's own column holds a Fernet token that only the configured key opens.

The patient pages (/appointments/manage/<token>/intake/<section>/) are used when they answer;
until then each section is saved with appointments.intake.save_section, as those pages do.
"""

import logging
import pickle
import zlib
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from appointments import intake as intakes
from appointments.forms.intake import MedicinesForm
from appointments.models import Intake, OutboxMessage
from tests.factories import (
    INTAKE_SECRETS,
    TRACED_INTAKE,
    bound_intake_form,
    deliver_outbox,
    intake_form_data,
    make_appointment,
    make_dry_needling_with_screening,
    make_staff,
)
from tests.pages import MANAGE_LINK

pytestmark = pytest.mark.django_db

SURNAME = "Tracewell-Intake"


# --- Where an answer must never be ------------------------------------------------------------


def secrets_in(text) -> list[str]:
    """The intake answers found in `text` (str or bytes; also once URL-decoded, in any case)."""
    if isinstance(text, bytes | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    haystacks = [text.lower(), unquote_plus(text).lower()]
    return [secret for secret in INTAKE_SECRETS if any(secret.lower() in haystack for haystack in haystacks)]


@pytest.fixture
def every_logger_at_debug(caplog):
    """caplog's handler hears every logger at DEBUG, also those that do not propagate to the root."""
    caplog.set_level(logging.DEBUG)
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    detached = [logger for logger in loggers if not logger.propagate]
    for logger in detached:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


def everything_in(record) -> str:
    """A log record as any handler could write it: its message, arguments, extras and traceback."""
    formatted = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    return "\n".join([formatted, repr(record.msg), repr(record.args), repr(vars(record))])


def cache_entries() -> dict[str, bytes]:
    """Every entry of the configured cache, key → stored bytes (decompressed where the backend compresses)."""
    cache = caches["default"]
    if isinstance(cache, FileBasedCache):
        entries = {}
        for path in Path(cache._dir).rglob("*"):
            if path.is_file():
                with path.open("rb") as stored:
                    try:
                        pickle.load(stored)  # noqa: S301  the expiry the cache wrote, in a folder of this test run
                        entries[path.name] = zlib.decompress(stored.read())
                    except (EOFError, pickle.UnpicklingError, zlib.error):
                        entries[path.name] = path.read_bytes()
        return entries
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client()
        return {key.decode(): client.get(key) or b"" for key in client.scan_iter()}
    if isinstance(cache, LocMemCache):
        return {key: value for key, value in cache._cache.items()}
    raise AssertionError(f"no way to read every entry of {type(cache).__name__}: add one here")


def database_text() -> dict[str, str]:
    """Every value of every column of every table, as text, by table (raw SQL; session data decoded)."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  a table name from the database itself
            values = []
            for row in cursor.fetchall():
                for value in row:
                    values.append(bytes(value).decode("utf-8", "replace") if isinstance(value, bytes | memoryview) else str(value))
            if table == "django_session":
                cursor.execute("SELECT session_data FROM django_session")
                values.extend(repr(SessionStore().decode(data)) for (data,) in cursor.fetchall())
            found[table] = "\n".join(values)
    return found


# --- The patient's journey --------------------------------------------------------------------


class Journey:
    """The test client, remembering every address asked for or redirected to."""

    def __init__(self, client, capture_on_commit):
        self.client = client
        self.capture_on_commit = capture_on_commit
        self.urls = []

    def _record(self, response):
        self.urls.append(response.wsgi_request.get_full_path())
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        return response

    def get(self, path):
        return self._record(self.client.get(path))

    def post(self, path, data):
        with self.capture_on_commit(execute=True):
            response = self._record(self.client.post(path, data))
        deliver_outbox()
        return response


def answer_every_section(journey, appointment, capture_on_commit):
    """The patient opens the link from their email and answers section by section (a mistake
    first on the medicines page); through the intake pages when they exist."""
    deliver_outbox()
    [email] = [message for message in mail.outbox if message.subject.startswith("Your forms before your visit")]
    manage = MANAGE_LINK.search(email.body).group(1)
    assert journey.get(manage).status_code == 200
    overview = manage + "intake/"
    through_pages = journey.get(overview).status_code == 200
    intake = intakes.open_intake(appointment)  # made by the overview page when it exists
    while (form_class := intakes.next_section(intake, intakes.sections_for(appointment, intake))) is not None:
        data = intake_form_data(appointment, intake, form_class)
        if form_class is MedicinesForm:
            mistake = {**data, "blood_thinner_names": ""}  # "yes" to a blood thinner without saying which
            if through_pages:
                assert journey.post(f"{overview}{form_class.slug}/", mistake).status_code == 200
            else:
                assert not bound_intake_form(appointment, intake, form_class, mistake).is_valid()
        if through_pages:
            assert journey.get(f"{overview}{form_class.slug}/").status_code == 200
            response = journey.post(f"{overview}{form_class.slug}/", data)
            assert response.status_code == 302, response.content.decode()[:2000]
        else:
            form = bound_intake_form(appointment, intake, form_class, data)
            assert form.is_valid(), form.errors
            with capture_on_commit(execute=True):
                intakes.save_section(intake, form)
            deliver_outbox()
        intake.refresh_from_db()
    if through_pages:
        assert journey.get(overview).status_code == 200
    return intake


def test_no_intake_answer_leaves_its_sealed_column(
    client, every_logger_at_debug, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FRONT_DESK_EMAIL = settings.FRONT_DESK_EMAIL or "frontdesk@clinic.test"
    appointment = make_appointment(
        visit_type=make_dry_needling_with_screening(), is_new_patient=True, coverage="insurance", last_name=SURNAME,
    )
    with django_capture_on_commit_callbacks(execute=True):
        intakes.send_intake_link(appointment)
    journey = Journey(client, django_capture_on_commit_callbacks)

    intake = answer_every_section(journey, appointment, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        intakes.record_review(intake, Intake.Review.CALL, make_staff(username="clinician"))
    deliver_outbox()

    # The run did what it set out to: every section saved, the blood thinner flagged, the alerts sent.
    intake.refresh_from_db()
    answers = intakes.answers_of(intake)
    assert intake.is_complete and intake.review == Intake.Review.CALL and intake.flagged_count == 1
    assert {slug: answers[slug] for slug in TRACED_INTAKE} == {
        **TRACED_INTAKE, "contacts": {**TRACED_INTAKE["contacts"], "emergency_phone": answers["contacts"]["emergency_phone"]},
        "doctors": {**TRACED_INTAKE["doctors"], "primary_care_phone": answers["doctors"]["primary_care_phone"]},
    }
    assert {"staff_intake_review", "staff_intake_call", "patient_intake_link"} <= set(OutboxMessage.objects.values_list("kind", flat=True))

    # Logs, at every level.
    records = every_logger_at_debug.records
    assert any("outbox message" in record.getMessage() for record in records), "the capture heard nothing"
    logged = {f"{record.name}: {record.getMessage()}": secrets_in(everything_in(record)) for record in records}
    assert {line: found for line, found in logged.items() if found} == {}

    # Emails, queued and sent (the patient's own included: they carry a link, never an answer).
    queued = {f"{message.kind} {message.subject}": secrets_in(f"{message.subject}\n{message.body}") for message in OutboxMessage.objects.all()}
    assert {message: found for message, found in queued.items() if found} == {}
    for sent in mailoutbox:
        parts = [sent.subject, sent.body, *(str(part) for part in sent.attachments), *(body for body, _ in getattr(sent, "alternatives", ()))]
        assert secrets_in("\n".join(parts)) == [], sent.subject
    assert len(mailoutbox) >= 3

    # Addresses.
    assert any("/appointments/manage/" in url for url in journey.urls)
    assert {url: secrets_in(url) for url in journey.urls if secrets_in(url)} == {}

    # The cache: every key and every value.
    entries = cache_entries()
    assert entries, "the cache scan read nothing"
    assert {key: secrets_in(key) + secrets_in(value) for key, value in entries.items() if secrets_in(key) + secrets_in(value)} == {}

    # Every column of every table: the answers are nowhere but sealed; what is not sealed is found.
    tables = database_text()
    assert SURNAME in tables["appointments_appointment"]
    assert {table: secrets_in(text) for table, text in tables.items() if secrets_in(text)} == {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_answers FROM appointments_intake")
        [(sealed,)] = cursor.fetchall()
    assert sealed.startswith("gAAAAA")  # a Fernet token
    assert b"Zyxotrel-4471" in Fernet(settings.INTAKE_KEYS[0]).decrypt(sealed.encode())
