"""While the database cannot be reached, patients get a friendly 503 (not a stack trace),
/healthz says so, and the site answers again by itself once the database is back.

The outage is real: the connection is pointed at a database that cannot be opened (a
closed port on PostgreSQL, a file in a folder that does not exist on SQLite), so the
driver raises exactly what it raises when the server is down.
"""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from clinic.content import load_site_content
from clinic.models import Practice

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def database_unreachable():
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-folder/for-this-test/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")  # nothing listens on port 1
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def patient():
    # The test client re-raises errors by default; a real server shows the error page instead.
    return Client(raise_request_exception=False)


def test_an_uncached_page_answers_a_friendly_503_with_the_phone_number_while_the_database_is_down(patient, demo):
    load_site_content()  # what every page view leaves in the shared cache
    phone = Practice.load().phone_display
    with database_unreachable():
        response = patient.get("/team/?from=outage-test")  # a query string: never served from the page cache
        health = patient.get("/healthz")
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert "back in a moment" in html
    assert phone in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable" and health.json()["database"] == "down"


def test_the_503_page_still_renders_when_nothing_is_cached(patient, demo, monkeypatch):
    from clinic import content

    monkeypatch.setattr(content, "_last_known", {})  # nor read by this process, nor in the settings
    with database_unreachable():
        response = patient.get("/book/time/?visit=x")
    assert response.status_code == 503
    assert "please call the office" in response.content.decode()


def test_a_booking_sent_during_the_outage_is_refused_with_503_and_saves_nothing(patient, demo):
    from appointments.models import Appointment

    with database_unreachable():
        response = patient.post("/book/details/", {"visit": "x", "first_name": "Ada"})
    assert response.status_code == 503
    assert Appointment.objects.count() == 0


def test_the_site_answers_again_by_itself_when_the_database_is_back(patient, demo):
    with database_unreachable():
        assert patient.get("/team/?during").status_code == 503
    assert patient.get("/team/?after").status_code == 200
    assert patient.get("/healthz").status_code == 200


def test_other_errors_still_answer_500_without_details(patient, demo, settings):
    settings.ROOT_URLCONF = "tests.clinic.broken_urls"
    response = patient.get("/broken/")
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.content.decode()
    assert "Retry-After" not in response


def test_the_503_page_gives_the_phone_number_read_earlier_while_redis_is_down_too(patient, demo, redis_cache_at, closed_port):
    redis_cache_at(closed_port)
    phone = Practice.load(fresh=True).phone_display
    assert patient.get("/hours/").status_code == 200  # this process reads the practice (from the database)
    with database_unreachable():
        response = patient.get("/team/?from=outage-test")
    assert response.status_code == 503
    assert phone in response.content.decode()


def test_the_503_page_gives_the_phone_number_of_the_settings_when_the_cache_and_the_database_are_both_down(
    patient, settings, monkeypatch, redis_cache_at, closed_port
):
    from clinic import content

    redis_cache_at(closed_port)
    monkeypatch.setattr(content, "_last_known", {})  # a process started during the outage
    settings.PRACTICE_PHONE = "+13015550199"
    with database_unreachable():
        response = patient.get("/team/")
    assert response.status_code == 503
    assert 'href="tel:+13015550199"' in response.content.decode()
