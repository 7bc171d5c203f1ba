"""The cache is an accelerator, never a dependency: with Redis down or hung, patients still read
every page, /healthz says the cache is degraded (and stays 200), and the error pages still give
the phone number.

The faults are real: the site's cache is pointed at a port where nothing listens (Redis stopped)
or at a server that accepts connections and never answers (Redis hung); see tests/conftest.py.
"""

import time

import pytest
from django.test import Client

from clinic import content
from clinic.models import Practice
from tests.factories import make_practice
from clinic.resilient_cache import Breaker, shared_cache_is_down

pytestmark = pytest.mark.django_db

PATIENT_PAGES = ["/", "/hours/", "/services/", "/services/dry-needling/", "/conditions/", "/team/", "/telehealth/", "/book/"]


@pytest.fixture
def patient():
    # The test client re-raises errors by default; a real server shows the error page instead.
    return Client(raise_request_exception=False)


def test_every_patient_page_answers_200_with_the_practice_while_redis_is_down(patient, demo, redis_cache_at, closed_port):
    redis_cache_at(closed_port)
    phone = Practice.load(fresh=True).phone_display
    for page in PATIENT_PAGES:
        response = patient.get(page)
        assert response.status_code == 200, page
        assert phone in response.content.decode(), page
    assert shared_cache_is_down()


def test_patient_pages_answer_200_while_redis_is_hung_and_only_the_first_request_waits_for_it(
    patient, demo, redis_cache_at, redis_that_never_answers
):
    redis_cache_at(redis_that_never_answers.port)
    assert patient.get("/").status_code == 200
    # One connection, given up after one short timeout: the page's other cache calls skipped Redis.
    assert redis_that_never_answers.connections_so_far() == 1
    for page in PATIENT_PAGES:
        assert patient.get(page).status_code == 200, page
    # The breaker is open: no request since has tried Redis again.
    assert redis_that_never_answers.connections_so_far() == 1


def test_healthz_stays_200_and_says_the_cache_is_degraded_while_redis_is_down(client, redis_cache_at, closed_port):
    redis_cache_at(closed_port)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "degraded", "outbox": "ok"}


def test_healthz_says_the_cache_is_degraded_while_redis_is_hung(client, redis_cache_at, redis_that_never_answers):
    redis_cache_at(redis_that_never_answers.port)
    assert client.get("/healthz").json() == {"status": "degraded", "database": "ok", "cache": "degraded", "outbox": "ok"}
    assert client.get("/healthz").json()["cache"] == "degraded"
    assert redis_that_never_answers.connections_so_far() == 1


def test_the_breaker_tries_redis_again_once_its_pause_is_over(patient, demo, redis_cache_at, redis_that_never_answers):
    redis_cache_at(redis_that_never_answers.port, retry_after_seconds=0.01)
    assert patient.get("/hours/").status_code == 200
    first = redis_that_never_answers.connections_so_far()
    time.sleep(0.05)  # longer than the pause: the next request asks Redis again
    assert patient.get("/hours/").status_code == 200
    assert redis_that_never_answers.connections_so_far() > first


def test_the_500_page_gives_the_phone_number_while_redis_is_down(patient, demo, settings, redis_cache_at, closed_port):
    redis_cache_at(closed_port)
    settings.ROOT_URLCONF = "tests.clinic.broken_urls"
    phone = Practice.load(fresh=True).phone_display
    assert patient.get("/").status_code == 200  # this process has read the practice once
    response = patient.get("/broken/")
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.content.decode()
    assert phone in response.content.decode()


def test_the_500_page_gives_the_phone_number_of_the_settings_when_nothing_else_is_known(
    patient, settings, monkeypatch, redis_cache_at, closed_port
):
    redis_cache_at(closed_port)
    monkeypatch.setattr(content, "_last_known", {})  # a process that has not read the practice yet
    settings.ROOT_URLCONF = "tests.clinic.broken_urls"
    settings.PRACTICE_PHONE = "+13015550199"
    response = patient.get("/broken/")
    assert response.status_code == 500
    assert 'href="tel:+13015550199"' in response.content.decode()
    assert "(301) 555-0199" in response.content.decode()


def test_when_redis_is_back_nothing_staff_saved_during_the_outage_is_hidden_by_what_it_still_holds(
    patient, redis_cache_at, redis_behind_a_switch
):
    make_practice(phone="+13015550142")
    redis_cache_at(redis_behind_a_switch.port, retry_after_seconds=0.01, database=redis_behind_a_switch.database)
    assert "(301) 555-0142" in patient.get("/hours/").content.decode()  # cached in Redis
    redis_behind_a_switch.stop()
    practice = Practice.load(fresh=True)
    practice.phone = "+13015550177"
    practice.save()  # the cache cannot be told
    assert "(301) 555-0177" in patient.get("/hours/").content.decode()
    redis_behind_a_switch.start()
    time.sleep(0.05)  # longer than the breaker's pause: the next request asks Redis again
    html = patient.get("/hours/").content.decode()
    assert not shared_cache_is_down()
    assert "(301) 555-0177" in html and "(301) 555-0142" not in html


# The breaker itself, given the time.


def test_the_breaker_lets_every_call_through_until_one_fails():
    breaker = Breaker(retry_after_seconds=10)
    assert breaker.allows_a_try(now=100) and breaker.allows_a_try(now=100)
    assert not breaker.is_open


def test_after_a_failure_the_breaker_skips_redis_for_its_pause_then_lets_one_call_try():
    breaker = Breaker(retry_after_seconds=10)
    breaker.record_failure(ConnectionError("refused"), now=100)
    assert breaker.is_open
    assert not breaker.allows_a_try(now=109.9)
    assert breaker.allows_a_try(now=110)
    assert not breaker.allows_a_try(now=110.1)  # one call tries; the others skip until it knows


def test_a_failed_retry_starts_another_pause_and_a_successful_one_closes_the_breaker():
    breaker = Breaker(retry_after_seconds=10)
    breaker.record_failure(ConnectionError("refused"), now=100)
    assert breaker.allows_a_try(now=110)
    breaker.record_failure(ConnectionError("refused"), now=110.25)
    assert not breaker.allows_a_try(now=120)
    assert breaker.allows_a_try(now=120.25)
    breaker.record_success()
    assert not breaker.is_open
    assert breaker.allows_a_try(now=120.3) and breaker.allows_a_try(now=120.3)


def test_past_its_bound_the_breaker_stops_listing_lost_writes_and_asks_for_the_whole_cache_to_be_emptied():
    from clinic.resilient_cache import MAX_LOST_KEYS

    breaker = Breaker(retry_after_seconds=10)
    breaker.remember_lost([f"page-{number}" for number in range(MAX_LOST_KEYS)])
    assert len(breaker.lost_keys) == MAX_LOST_KEYS and not breaker.lost_too_many
    breaker.remember_lost(["one-more"])
    assert breaker.lost_too_many and not breaker.lost_keys
