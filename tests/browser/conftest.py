"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The live server runs the project's plain WSGI application, as gunicorn does in
production, so the WhiteNoise middleware serves the hashed static files from
STATIC_ROOT (run `make static` first).
"""

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from ops.lighthouse import NO_BROWSER_UI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium 156 builds its omnibox popup as a web page even when headless, in a renderer of its
    # own for every browser context, busy while our pages load (ops/lighthouse.py, NO_BROWSER_UI).
    f"--disable-features={','.join(NO_BROWSER_UI)}",
]
# Plain http. Chromium treats loopback as a secure context, so it keeps the
# Secure, __Host- prefixed session and CSRF cookies of the production settings.
LIVE_SERVER_HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


class WaitingWSGIServer(ThreadedWSGIServer):
    # Request threads that are not daemons are joined by server_close(), so none of
    # them touches the shared database connection after the test stopped sharing it.
    daemon_threads = False


class WSGILiveServerThread(LiveServerThread):
    server_class = WaitingWSGIServer


def one_request_at_a_time(application):
    """The WSGI application, answering one request at a time.

    The server threads share one in-memory SQLite connection, and Django's connection object
    (its transaction state, Python's sqlite3 cursors) is not safe to use from two threads at
    once. Chromium does ask twice at once: the favicon of the page just shown, which goes
    through sessions, authentication and the audit middleware, while the next page loads.
    The two requests' queries then mixed, and now and then the next page found no second
    factor for a staff member who had just given one, and showed the admin sign-in page.
    """
    lock = threading.Lock()

    def answer_alone(environ, start_response):
        with lock:
            response = application(environ, start_response)
            # The body is read here, under the lock too: a streamed answer may still query.
            body = b"".join(response)
            response.close()
        return [body]

    return answer_alone


@pytest.fixture
def live_site(transactional_db, django_db_serialized_rollback, settings):
    """Base URL of a live server running the project's WSGI application.

    pytest-django's `live_server` wraps the application in StaticFilesHandler,
    which looks files up by their unhashed names and so 404s every
    CompressedManifestStaticFilesStorage URL. Here the server gets Django's
    WSGIHandler alone, and WhiteNoise serves the collected files.

    `django_db_serialized_rollback` puts back the rows the migrations made (the
    staff groups) that the flush after each transactional test removes.
    """
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    # In-memory SQLite exists per connection: the server threads must share ours.
    connections_override = {
        conn.alias: conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, LIVE_SERVER_HOST]

    # LiveServerThread serves static_handler(_MediaFilesHandler(WSGIHandler())). Ignoring the
    # argument also drops _MediaFilesHandler, which with MEDIA_URL and MEDIA_ROOT unset
    # serves any file under the working directory (/manage.py answers 200).
    application = WSGIHandler()
    if connections_override:
        application = one_request_at_a_time(application)
    thread = WSGILiveServerThread(
        LIVE_SERVER_HOST,
        static_handler=lambda _wrapped: application,
        connections_override=connections_override,
    )
    thread.daemon = True
    for conn in connections_override.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://{LIVE_SERVER_HOST}:{thread.port}"
    finally:
        thread.terminate()
        for conn in connections_override.values():
            conn.dec_thread_sharing()


@pytest.fixture(scope="package")
def browser():
    """Chromium, for the tests of this folder only.

    Playwright's sync API leaves an event loop marked as running in the test thread
    between its calls, so it is stopped when this folder's tests are done, and
    Django's async-safety check is switched off only while it runs (the variable
    would otherwise reach, e.g., `manage.py check --deploy` run by later tests).
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make setup-test` installs Debian's chromium.")

    # Django's `connections` is an asgiref Local(thread_critical=True): while an event loop
    # runs it hands out other connection objects than before. The test database's own
    # objects carry the serialized contents that `django_db_serialized_rollback` restores,
    # so keep using them (pytest-django issue #1117).
    thread_connections = {alias: connections[alias] for alias in connections}
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, connection in thread_connections.items():
                connections[alias] = connection
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass(frozen=True)
class ConsoleMessage:
    page_url: str
    type: str
    text: str

    def __str__(self):
        return f"[{self.type}] {self.page_url}: {self.text}"

    @property
    def path(self):
        return urlsplit(self.page_url).path

    @property
    def is_about_csp(self):
        text = self.text.lower()
        return "content security policy" in text or "content-security-policy" in text


class ConsoleLog(list):
    """Every console message and uncaught page error of the pages a test opened."""

    def about_csp(self, under="/"):
        """Messages about the Content-Security-Policy on pages whose path starts with `under`."""
        return [message for message in self if message.is_about_csp and message.path.startswith(under)]


@pytest.fixture
def console():
    return ConsoleLog()


@pytest.fixture
def open_page(browser, console, live_site):
    """Open a page in a new browser context (own cookies), recording its console into `console`.

    It depends on `live_site` so that the contexts, and their keep-alive connections,
    are closed before the server waits for its request threads.
    """
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda message: console.append(ConsoleMessage(page.url, message.type, message.text)))
        page.on("pageerror", lambda error: console.append(ConsoleMessage(page.url, "pageerror", str(error))))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture(params=[390, 1280], ids=lambda width: f"{width}px")
def width(request):
    """The width of a phone's screen and of a desktop's: a test that takes `width` runs at both."""
    return request.param


@pytest.fixture
def sign_in(live_site):
    """Signs a page in to the admin as `username` (a user of tests.factories.make_staff), as staff do."""
    from playwright.sync_api import expect

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD, code_from_app, make_authenticator

    def sign_in(page, username):
        """The password, then a code from the staff member's authenticator app (enrolled for them
        if they have none), as the production settings require."""
        user = get_user_model().objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or make_authenticator(user)
        page.goto(f"{live_site}/admin/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code from your app, or a recovery code").fill(code_from_app(device))
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="What would you like to update?")).to_be_visible()

    return sign_in
