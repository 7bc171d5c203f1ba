"""Staff sessions: signed out of the admin after 30 idle minutes, a new session key at
sign-in, and no weak passwords for staff accounts."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from clinic.middleware import StaffIdleTimeoutMiddleware
from clinic.roles import FRONT_DESK
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

LAST_ACTIVITY = StaffIdleTimeoutMiddleware.SESSION_KEY
PAGE = "/admin/appointments/appointment/"


def idle_for(client, seconds):
    """As if the last admin request was `seconds` ago."""
    session = client.session
    session[LAST_ACTIVITY] = time.time() - seconds
    session.save()


def is_signed_in(client):
    return "_auth_user_id" in client.session


# --- Idle timeout --------------------------------------------------------------------------


def test_staff_who_keep_working_stay_signed_in(desk_client):
    assert desk_client.get(PAGE).status_code == 200
    assert time.time() - desk_client.session[LAST_ACTIVITY] < 5

    idle_for(desk_client, 29 * 60)
    assert desk_client.get(PAGE).status_code == 200
    assert time.time() - desk_client.session[LAST_ACTIVITY] < 5  # the clock starts again


def test_after_30_idle_minutes_staff_are_signed_out_and_sent_to_the_login_with_a_message(desk_client):
    desk_client.get(PAGE)
    idle_for(desk_client, 31 * 60)

    response = desk_client.get(PAGE + "?when=all")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/appointments/appointment/%3Fwhen%3Dall"
    assert not is_signed_in(desk_client)
    login_page = desk_client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity" in login_page
    assert desk_client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_form_sent_after_the_timeout_saves_nothing(desk_client):
    idle_for(desk_client, 31 * 60)

    response = desk_client.post("/admin/clinic/holidayhours/add/", {"label": "Staff day", "first_day": "2030-01-02"})

    assert response["Location"].startswith("/admin/login/")
    from clinic.models import HolidayHours

    assert not HolidayHours.objects.exists()


def test_the_limit_comes_from_the_setting(desk_client, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 5

    idle_for(desk_client, 4 * 60)
    assert desk_client.get(PAGE).status_code == 200
    idle_for(desk_client, 6 * 60)
    assert desk_client.get(PAGE).status_code == 302
    assert not is_signed_in(desk_client)


def test_the_time_of_activity_is_written_at_most_once_a_minute(desk_client):
    idle_for(desk_client, 10)
    before = desk_client.session[LAST_ACTIVITY]

    desk_client.get(PAGE)

    assert desk_client.session[LAST_ACTIVITY] == before


def test_public_pages_neither_sign_staff_out_nor_count_as_admin_activity(desk_client):
    idle_for(desk_client, 31 * 60)

    assert desk_client.get("/healthz").status_code == 200
    assert is_signed_in(desk_client)
    assert desk_client.get(PAGE).status_code == 302


def test_a_timeout_below_one_minute_is_refused_at_start(run_django):
    result = run_django("check", DEBUG="1", STAFF_IDLE_TIMEOUT_MINUTES="0")
    assert result.returncode != 0
    assert "STAFF_IDLE_TIMEOUT_MINUTES must be at least 1" in result.stderr


# --- Sign-in ----------------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key_and_ends_the_old_one(client):
    make_staff("desk", group=FRONT_DESK)
    session = client.session  # a session from before sign-in, e.g. one an attacker planted
    session["something"] = "kept across sign-in"
    session.save()
    key_before = session.session_key

    response = client.post("/admin/login/?next=/admin/", {"username": "desk", "password": PASSWORD})

    # On to the second step (clinic.two_factor), signed in with the password.
    assert response.status_code == 302 and response["Location"] == "/admin/two-factor/enrol/?next=%2Fadmin%2F"
    assert client.session.session_key != key_before
    assert not SessionStore().exists(key_before)
    assert client.session["something"] == "kept across sign-in"
    assert is_signed_in(client)


# --- Passwords --------------------------------------------------------------------------------

WEAK_PASSWORDS = {
    "too short": ("Tr0ub4dor&3", "This password is too short. It must contain at least 12 characters."),
    "common": ("password1234", "This password is too common."),
    "only digits": ("301555014288", "This password is entirely numeric."),
    "like the user name": ("frontdesk-anna", "The password is too similar to the username."),
}


@pytest.mark.parametrize("weak", WEAK_PASSWORDS, ids=list(WEAK_PASSWORDS))
def test_a_superuser_cannot_give_a_new_staff_account_a_weak_password(client, weak):
    password, message = WEAK_PASSWORDS[weak]
    client.force_login(make_staff("boss", superuser=True))

    response = client.post(
        "/admin/auth/user/add/",
        {"username": "frontdesk-anna", "usable_password": "true", "password1": password, "password2": password},
    )

    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors["password2"]
    assert not get_user_model().objects.filter(username="frontdesk-anna").exists()


def test_a_strong_password_is_accepted_for_a_new_staff_account(client):
    client.force_login(make_staff("boss", superuser=True))
    password = "correct horse battery staple"

    response = client.post(
        "/admin/auth/user/add/",
        {"username": "frontdesk-anna", "usable_password": "true", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    assert get_user_model().objects.get(username="frontdesk-anna").check_password(password)


@pytest.mark.parametrize("weak", WEAK_PASSWORDS, ids=list(WEAK_PASSWORDS))
def test_staff_cannot_change_their_own_password_to_a_weak_one(client, weak):
    password, message = WEAK_PASSWORDS[weak]
    user = make_staff("frontdesk-anna", group=FRONT_DESK)
    client.force_login(user)

    response = client.post(
        "/admin/password_change/", {"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    )

    assert response.status_code == 200
    assert message in response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
