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
    """Each test starts with nothing cached, so cached pages never leak between tests: nor do the
    booking limit's own counters of this process (kept while the shared cache is down)."""
    from appointments.ratelimit import COUNTERS_OF_THIS_PROCESS
    from clinic.page_cache import forget_pages_in_memory

    cache.clear()
    COUNTERS_OF_THIS_PROCESS.clear()
    forget_pages_in_memory()  # and the generation this process saw: the cleared cache starts a new one
    yield
    cache.clear()
    COUNTERS_OF_THIS_PROCESS.clear()
    forget_pages_in_memory()


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path_factory):
    """Pictures a test stores (seed_demo draws the demo's) go to a folder of its own, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


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


class ServerThatNeverAnswers:
    """A real port on this machine that accepts every connection and then neither reads nor
    writes, as a Redis that is hung (stopped by a debugger, swapping, a full network buffer) does."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = []  # (peer port, socket), in the order they came
        self.markers = []  # the test's own connections, made by connections_so_far()
        self.marker_ports = set()
        threading.Thread(target=self.hold_everyone, daemon=True).start()

    def hold_everyone(self):
        while True:
            try:
                connection, (_, peer_port) = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            self.accepted.append((peer_port, connection))

    def connections_so_far(self) -> int:
        """How many connections the site has opened. Counted once every earlier one is accepted:
        a marker connection is made last, and the backlog is accepted in order."""
        marker = socket.create_connection(("127.0.0.1", self.port))
        marker_port = marker.getsockname()[1]
        self.markers.append(marker)
        self.marker_ports.add(marker_port)
        for _ in range(1000):  # up to 10 s for the thread to reach the marker
            ports = [port for port, _ in self.accepted]
            if marker_port in ports:
                return len([port for port in ports[:ports.index(marker_port)] if port not in self.marker_ports])
            threading.Event().wait(0.01)
        raise AssertionError("the server that never answers did not accept a connection within 10 s")

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for connection in self.markers + [connection for _, connection in self.accepted]:
            connection.close()


class RedisBehindASwitch:
    """A real port on this machine in front of the test run's own Redis: it passes everything
    through, until `stop()` closes every connection and refuses new ones (as a stopped Redis
    does), and again after `start()`, on the same port."""

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.port = None
        self.listener = None
        self.sockets = []

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port or 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # stopped
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, target), daemon=True).start()

    @staticmethod
    def pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            end.close()

    def stop(self):
        # shutdown() first: on Linux, close() alone leaves a thread blocked in accept() accepting.
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass
            end.close()
        self.sockets = []


@pytest.fixture
def redis_behind_a_switch(settings):
    """The test run's Redis (REDIS_URL, as in CI's second run) behind a switch; skips without one."""
    from urllib.parse import urlsplit

    if settings.CACHES["default"]["BACKEND"] != "clinic.resilient_cache.ResilientRedisCache":
        pytest.skip("needs the test run's Redis (REDIS_URL)")
    location = urlsplit(settings.CACHES["default"]["LOCATION"])
    switch = RedisBehindASwitch(location.hostname, location.port or 6379)
    switch.start()
    switch.database = location.path.strip("/") or "0"
    yield switch
    switch.stop()


@pytest.fixture
def redis_that_never_answers():
    server = ServerThatNeverAnswers()
    yield server
    server.close()


@pytest.fixture
def closed_port():
    """A port on this machine where nothing listens (it did a moment ago): connections are refused
    at once, as they are while Redis is stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_cache_at(settings, monkeypatch):
    """Point the site's cache at a Redis on this machine's `port`, configured as clinic/settings.py
    does with REDIS_URL (250 ms timeouts, a minute before trying again so the test sees the skip).
    Each test starts with no breaker open."""
    from clinic import resilient_cache

    monkeypatch.setattr(resilient_cache, "_breakers", {})

    def point_at(port, retry_after_seconds=60, database="0"):
        settings.CACHES = {
            "default": {
                "BACKEND": "clinic.resilient_cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/{database}",
                "KEY_PREFIX": "clinic",
                "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "retry_after_seconds": retry_after_seconds},
            }
        }

    return point_at


class HungMailServer:
    """A real port on this machine that accepts every connection and never says a word, as a
    hung mail server does: smtplib waits for its greeting until EMAIL_TIMEOUT. `connections`
    counts who connected."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self.hold_everyone, daemon=True).start()

    def hold_everyone(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            self.held.append(connection)

    @property
    def connections(self) -> int:
        return len(self.held)

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def mail_server_that_never_answers(settings):
    """Django's SMTP backend pointed at a `HungMailServer`; EMAIL_TIMEOUT is 1 second, so a test
    that does wait on it (the outbox worker's) waits one second, not ten."""
    server = HungMailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
    yield server
    server.close()


class RefusingMailServer:
    """A real SMTP server (aiosmtpd) that answers every recipient with `reply`, e.g. "550 5.1.1
    No such mailbox" (for good) or "451 4.3.0 Try again later" (for now). `refused` counts them."""

    def __init__(self, reply):
        from aiosmtpd.controller import Controller

        self.reply, self.refused = reply, 0
        with socket.create_server(("127.0.0.1", 0)) as probe:
            port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.port = port

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.refused += 1
        return self.reply


@pytest.fixture
def mail_server_that_refuses(settings):
    """Start a `RefusingMailServer` with the reply given and point Django's SMTP backend at it."""
    servers = []

    def start(reply):
        server = RefusingMailServer(reply)
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        return server

    yield start
    for server in servers:
        server.controller.stop()


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
