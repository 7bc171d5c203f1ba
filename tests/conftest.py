import socket
import threading

import pytest
from django.core.cache import cache

# The shared helpers assert too: let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.factories", "tests.pages")

# Tests that use one of these fixtures are slow (marked `slow`): `demo` loads the whole demo
# practice, `run_django` starts manage.py in a new Python process.
SLOW_FIXTURES = {"demo", "run_django"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        database = item.get_closest_marker("django_db")
        if database and database.kwargs.get("transaction") and not database.kwargs.get("serialized_rollback"):
            # Its flush re-creates content types that the next serialized restore then collides with.
            raise pytest.UsageError(f"{item.nodeid}: a transactional test needs serialized_rollback=True as well")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached, so cached pages never leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def mail_server_that_hangs_up():
    """A real port on this machine that accepts each connection and closes it at once, as a
    mail server that is down or overloaded does: smtplib says "Connection unexpectedly closed"."""
    listener = socket.create_server(("127.0.0.1", 0))

    def hang_up_on_everyone():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener was closed: the test session is over
                return
            connection.close()

    threading.Thread(target=hang_up_on_everyone, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture(autouse=True)
def no_real_mail_server(settings, mail_server_that_hangs_up):
    """Tests that use Django's SMTP backend (MAIL_SERVER_DOWN) reach that port, never a real mail server."""
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mail_server_that_hangs_up
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing with the production hasher takes most of the time of tests that make users.
    Password rules are still checked (validators, not hashers, enforce them)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(client, settings):
    """pytest-django's test client, with a CSRF cookie of its own: the patient forms' stamps are
    tied to it (appointments.antispam; tests.factories.stamp_issued signs them for it).

    Its `force_login` signs staff in as the admin requires: password and second step (an
    authenticator app is enrolled for them if they have none). Tests of the sign-in itself post
    to the sign-in pages instead."""
    from tests.factories import BROWSER_SECRET

    client.cookies[settings.CSRF_COOKIE_NAME] = BROWSER_SECRET
    from tests.factories import pass_second_step

    force_login_with_password_only = client.force_login

    def force_login(user, backend=None):
        force_login_with_password_only(user, backend)
        if user.is_staff:
            pass_second_step(client, user)

    client.force_login = force_login
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's, signed in with both steps."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def demo(db):
    """The demo practice of `manage.py seed_demo`: its treatments, team, hours, notices and visit types."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


@pytest.fixture
def desk_client(client):
    """A test client signed in as a member of the Front desk group."""
    from clinic.roles import FRONT_DESK
    from tests.factories import make_staff

    client.force_login(make_staff("desk", group=FRONT_DESK))
    return client


@pytest.fixture
def editor_client(client):
    """A test client signed in as a member of the Content editors group."""
    from clinic.roles import CONTENT_EDITORS
    from tests.factories import make_staff

    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    return client
