"""What every hostile request must leave behind: no server error, and either nothing saved
or a complete record that PostgreSQL would also accept."""

from django.db import models
from hypothesis import event
from hypothesis.control import currently_in_test_context

from appointments import antispam
from appointments.models import Appointment, AppointmentSeries, OutboxMessage, TelehealthRequest, WaitlistEntry, WaitlistOffer
from tests.factories import browser
from tests.hostile.strategies import form_body, last_value

RECORDS = (Appointment, AppointmentSeries, TelehealthRequest, OutboxMessage, WaitlistEntry, WaitlistOffer)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in RECORDS}


def send(client, method: str, path: str, data=None, *, encoding="urlencoded", **extra):
    """One request as a browser or a script would send it. The test client re-raises any
    exception a view lets through, so a would-be 500 fails the example with its traceback."""
    if method == "post" and encoding == "urlencoded":
        response = client.post(path, form_body(data or {}), content_type="application/x-www-form-urlencoded", **extra)
    elif method == "post":
        response = client.post(path, data or {}, **extra)  # multipart/form-data
    else:
        response = getattr(client, method)(path, **extra)
    assert response.status_code < 500, f"{method.upper()} {path[:200]} answered {response.status_code}"
    if currently_in_test_context():  # how often each outcome was reached, in --hypothesis-show-statistics
        event(f"{method.upper()} answered {response.status_code}")
    return response


def assert_fits_the_database(row: models.Model, unchecked=()):
    """SQLite stores what PostgreSQL refuses: text with NUL characters and text longer than
    the column. Check what was saved against the columns, so the tests catch both here."""
    for field in row._meta.concrete_fields:
        if field.name in unchecked:
            continue
        value = getattr(row, field.attname)
        if isinstance(value, str):
            assert "\x00" not in value, f"{type(row).__name__}.{field.name} holds a NUL character"
            if field.max_length is not None:
                assert len(value) <= field.max_length, f"{type(row).__name__}.{field.name} is longer than its column"


def assert_passed_the_traps(sent):
    """What was accepted had the honeypot empty, a stamp that was good and old enough, and the consent box ticked."""
    assert not last_value(sent.get("website", "")).strip()
    assert antispam.read_stamp(last_value(sent.get("form_stamp", "")), browser()).problem == ""
    assert last_value(sent.get("consent_to_contact", "")) and last_value(sent["consent_to_contact"]).lower() != "false"
