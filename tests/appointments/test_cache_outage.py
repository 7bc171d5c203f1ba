"""Booking without the shared cache: with Redis down or hung, patients still see free times and
book, and the per-address limit goes on counting, in each process's own memory (see
appointments/ratelimit.py). The faults are real ports on this machine (tests/conftest.py)."""

import pytest

from appointments.models import Appointment
from tests.factories import at, details_form, weekday_after
from tests.pages import BOOK_TIME, DETAILS, time_buttons

pytestmark = pytest.mark.django_db


def test_a_patient_sees_free_times_and_books_while_redis_is_down(client, clinic, redis_cache_at, closed_port):
    redis_cache_at(closed_port)
    day = weekday_after(3)
    week = client.get(BOOK_TIME, {"visit": clinic.needling.slug, "mode": "in_office", "provider": "any", "week": day.isoformat()})
    assert week.status_code == 200
    assert at(day, 10).isoformat() in time_buttons(week.content.decode())
    response = client.post(DETAILS, details_form(clinic.needling, at(day, 10)))
    assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    assert client.get("/book/confirmed/").status_code == 200
    assert Appointment.objects.get().starts_at == at(day, 10)


def test_a_patient_books_while_redis_is_hung(client, clinic, redis_cache_at, redis_that_never_answers):
    redis_cache_at(redis_that_never_answers.port)
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10)))
    assert response.status_code == 302
    assert Appointment.objects.count() == 1
    assert redis_that_never_answers.connections_so_far() == 1


def test_the_booking_limit_counts_in_this_process_while_redis_is_down(client, clinic, settings, redis_cache_at, closed_port):
    redis_cache_at(closed_port)
    settings.BOOKING_RATE_LIMIT = 3
    day = weekday_after(3)
    for attempt in range(3):
        response = client.post(DETAILS, details_form(clinic.needling, at(day, 10), email="not-an-email"))
        assert response.status_code == 200, attempt
    response = client.post(DETAILS, details_form(clinic.needling, at(day, 10)))
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert not Appointment.objects.exists()
    # Another address still books.
    assert client.post(DETAILS, details_form(clinic.needling, at(day, 10)), REMOTE_ADDR="192.0.2.7").status_code == 302


def test_the_booking_limit_counts_in_this_process_while_redis_is_hung(client, clinic, settings, redis_cache_at,
                                                                     redis_that_never_answers):
    redis_cache_at(redis_that_never_answers.port)
    settings.BOOKING_RATE_LIMIT = 2
    data = details_form(clinic.needling, at(weekday_after(3), 10), email="not-an-email")
    assert [client.post(DETAILS, data).status_code for _ in range(3)] == [200, 200, 429]
