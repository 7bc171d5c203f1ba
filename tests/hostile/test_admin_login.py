"""The admin's sign-in form, the one staff page anyone can reach, under hostile input: it
never signs anyone in without the password, never answers a server error, and django-axes
records failures in rows that PostgreSQL would accept."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from axes.utils import reset
from hypothesis import given
from hypothesis import strategies as st

from clinic.roles import FRONT_DESK
from tests.factories import PASSWORD, make_staff
from tests.hostile.checks import assert_fits_the_database, send
from tests.hostile.profiles import examples
from tests.hostile.strategies import hostile_query, hostile_value, mutations_of, odd_text, with_query

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
USERNAME = "desk"

usernames = st.one_of(
    st.sampled_from([USERNAME, USERNAME.upper(), f" {USERNAME}", f"{USERNAME}\x00", f"{USERNAME}\u200b"]), hostile_value
)
# Browsers and the HTTP servers in front refuse NUL, CR and LF in headers, so no request carries them there.
user_agents = odd_text.map(lambda text: "".join(char for char in text if char not in "\x00\r\n")) | st.just("x" * 5000)


@pytest.fixture
def staff_member(demo_site, settings):
    """A real account; two wrong passwords lock it out (django-axes), so the lockout page is reached too."""
    settings.AXES_FAILURE_LIMIT = 2
    return make_staff(USERNAME, group=FRONT_DESK)


@examples(2)
@given(
    data=st.data(),
    wrong_tries_first=st.integers(min_value=0, max_value=3),
    encoding=st.sampled_from(["urlencoded", "multipart"]),
    user_agent=st.one_of(st.none(), user_agents),
    query=st.one_of(st.just(""), hostile_query),
)
def test_the_sign_in_form_refuses_any_hostile_input(client, staff_member, data, wrong_tries_first, encoding, user_agent, query):
    reset()  # each example starts with no failures on record
    client.logout()
    headers = {"HTTP_USER_AGENT": user_agent} if user_agent is not None else {}
    username = data.draw(usernames, label="username")
    for _ in range(wrong_tries_first):
        send(client, "post", LOGIN, {"username": username, "password": "not the password"}, **headers)
    password = data.draw(hostile_value, label="password")
    posted = data.draw(mutations_of({"username": username, "password": password, "next": "/admin/"}), label="posted")
    response = send(client, "post", with_query(LOGIN, query), posted, encoding=encoding, **headers)
    assert response.status_code in (200, 400, 429)  # the form with an error, too many fields, locked out
    assert "_auth_user_id" not in client.session
    for row in [*AccessAttempt.objects.all(), *AccessFailureLog.objects.all()]:
        assert_fits_the_database(row)


@examples(0.5)
@given(query=hostile_query)
def test_the_sign_in_page_answers_any_query(client, demo_site, query):
    assert send(client, "get", with_query(LOGIN, query)).status_code in (200, 400)


def test_the_right_password_still_signs_in(client, staff_member):
    """The control for the test above: the form is not simply refusing everything."""
    response = send(client, "post", LOGIN, {"username": USERNAME, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff_member.pk)


@pytest.mark.parametrize("username", ["a" * 256, "\ufdfa" * 15], ids=["256 characters", "15 that NFKC makes 270"])
def test_an_overlong_username_is_refused_before_it_is_recorded(client, staff_member, username):
    response = send(client, "post", LOGIN, {"username": username, "password": "not the password"})
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    assert response.context["form"]["username"].value() == username  # what was typed is kept
    for row in [*AccessAttempt.objects.all(), *AccessFailureLog.objects.all()]:
        assert_fits_the_database(row)
