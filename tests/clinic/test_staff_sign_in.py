"""Password guessing at the admin's sign-in is stopped however it is spread: AXES_FAILURE_LIMIT
wrong passwords for one username from any addresses, or from one address for any usernames,
pause that username or that address; the pause ends by itself, and guessing on during it does
not make it longer. Addresses are those of clinic.client_ip: the test client connects from
127.0.0.1, which these tests trust as nginx, and names each visitor in X-Forwarded-For."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from clinic.roles import FRONT_DESK
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def desk():
    return make_staff("desk", group=FRONT_DESK)


def sign_in(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address)


def signed_in(client):
    return "_auth_user_id" in client.session


def wind_the_clock_on(minutes):
    """As if every failure on record had happened this many minutes earlier (django-axes counts
    only failures within AXES_COOLOFF_TIME of now, by their recorded time)."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_wrong_passwords_for_one_username_from_many_addresses_lock_that_username(client, desk):
    for guess in range(10):
        sign_in(client, "desk", f"guess {guess}", f"198.51.100.{guess % 30}")
    response = sign_in(client, "desk", PASSWORD, "192.0.2.200")  # the right password, from yet another address
    assert response.status_code == 429 and b"Sign-in paused" in response.content
    assert not signed_in(client)


def test_wrong_passwords_for_many_usernames_from_one_address_lock_that_address(client, desk):
    for guess in range(10):
        sign_in(client, f"user{guess}", "guess", "203.0.113.7")
    response = sign_in(client, "desk", PASSWORD, "203.0.113.7")
    assert response.status_code == 429 and not signed_in(client)
    # Staff elsewhere are not affected: the address is paused, not the practice.
    response = sign_in(client, "desk", PASSWORD, "192.0.2.10")
    assert response.status_code == 302 and signed_in(client)


def test_a_forged_header_from_an_address_that_is_not_our_proxy_does_not_spread_the_guesses(client, desk, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]  # 127.0.0.1, where the test client connects from, is not trusted now
    for guess in range(10):
        sign_in(client, f"user{guess}", "guess", f"198.51.100.{guess}")
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 429


def test_fewer_wrong_passwords_than_the_limit_still_let_the_right_one_in(client, desk):
    for guess in range(9):
        sign_in(client, "desk", f"guess {guess}", f"198.51.100.{guess}")
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 302 and signed_in(client)


def test_the_pause_ends_by_itself_after_the_cool_off(client, desk):
    for guess in range(10):
        sign_in(client, "desk", f"guess {guess}", f"198.51.100.{guess}")
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 429
    wind_the_clock_on(16)
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 302 and signed_in(client)


def test_guessing_on_during_the_pause_does_not_make_it_longer(client, desk):
    for guess in range(10):
        sign_in(client, "desk", f"guess {guess}", f"198.51.100.{guess}")
    wind_the_clock_on(14)
    for guess in range(20):
        assert sign_in(client, "desk", f"more {guess}", f"198.51.100.{50 + guess}").status_code == 429
    wind_the_clock_on(2)  # 16 minutes after the tenth failure, 2 after the last guess
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 302 and signed_in(client)


def test_a_superuser_lifts_a_pause_at_once(client, desk):
    for guess in range(10):
        sign_in(client, "desk", f"guess {guess}", f"198.51.100.{guess}")
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 429
    call_command("axes_reset_username", "desk", verbosity=0)
    assert sign_in(client, "desk", PASSWORD, "192.0.2.10").status_code == 302 and signed_in(client)
