"""Stored patient pages answered before Django builds a request (clinic.handlers.ClinicWSGIHandler),
by replaying the whole site's answer to the same request: called here as gunicorn calls it, with
a WSGI environ. Whether Django handled a request is read from its request_started signal."""

import gzip
import io
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from clinic.content import GENERATION_KEY
from clinic.handlers import ClinicWSGIHandler
from tests.clinic.test_fast_path import SECURITY_HEADERS
from tests.factories import make_announcement, make_office_hours, make_practice

pytestmark = pytest.mark.django_db


class Answer:
    def __init__(self, status, headers, body, through_django):
        self.status, self.headers, self.body, self.through_django = status, headers, body, through_django

    def header(self, name):
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[0] if values else None


@pytest.fixture
def app(settings):
    """Made per test, after the test's settings (middleware reads some as it is made)."""
    settings.PAGE_CACHE_CHECK_SECONDS = 0  # every answer checks the generation, as a save elsewhere needs
    handlers = []
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def call(path="/hours/", method="GET", query="", https=True, compressed=True, **extra):
        if not handlers:
            handlers.append(ClinicWSGIHandler())
        environ = {
            "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        if https:
            environ["HTTP_X_FORWARDED_PROTO"] = "https"  # as nginx tells the app (SECURE_PROXY_SSL_HEADER)
        if compressed:
            environ["HTTP_ACCEPT_ENCODING"] = "gzip, deflate, br"
        environ.update(extra)
        started = []

        def seen(**kwargs):
            started.append(True)

        request_started.connect(seen)
        sent = {}

        def start_response(status, headers, exc_info=None):
            sent.update(status=status, headers=list(headers))

        try:
            result = handlers[0](environ, start_response)
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
        finally:
            request_started.disconnect(seen)
        return Answer(sent["status"], sent["headers"], body, through_django=bool(started))

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_a_page_sent_by_the_fast_path_is_then_replayed_with_the_same_status_headers_and_bytes(app):
    make_office_hours(make_practice())
    rendered, fast_path, replayed = app(), app(), app()
    assert rendered.through_django and fast_path.through_django
    assert not replayed.through_django
    assert (replayed.status, replayed.headers, replayed.body) == (fast_path.status, fast_path.headers, fast_path.body)
    assert replayed.header("Content-Encoding") == "gzip"
    assert int(replayed.header("Content-Length")) == len(replayed.body)


def test_a_replayed_answer_has_every_security_header_and_the_pages_csp(app):
    make_practice()
    app("/"), app("/")
    replayed = app("/")
    assert not replayed.through_django
    for name, value in SECURITY_HEADERS.items():
        assert replayed.header(name) == value, name
    policy = replayed.header("Content-Security-Policy")
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'sha256-" in policy  # the hash of the page's own inline stylesheet


def test_plain_http_and_https_are_answered_apart(app):
    """HSTS goes only on HTTPS answers: each scheme gets back what the whole site answered for it."""
    make_practice()
    app(https=True), app(https=True)
    first_plain = app(https=False)
    assert first_plain.through_django  # not the HTTPS answer
    app(https=False)
    plain, secure = app(https=False), app(https=True)
    assert not plain.through_django and not secure.through_django
    assert plain.header("Strict-Transport-Security") is None
    assert secure.header("Strict-Transport-Security") == SECURITY_HEADERS["Strict-Transport-Security"]


def test_a_browser_without_gzip_gets_the_plain_bytes(app):
    make_practice()
    app(compressed=True), app(compressed=True)
    assert app(compressed=False).through_django
    app(compressed=False)
    plain = app(compressed=False)
    assert not plain.through_django
    assert plain.header("Content-Encoding") is None and plain.body.startswith(b"<!doctype html>")


def test_the_redirect_to_https_is_never_skipped(settings, app):
    settings.SECURE_SSL_REDIRECT = True
    make_practice()
    for _ in range(3):
        answer = app(https=False)
        assert answer.through_django and answer.status.startswith("301")
        assert answer.header("Location") == "https://testserver/hours/"


def test_a_save_shows_on_the_next_request(app):
    make_office_hours(make_practice())
    app(), app()
    assert not app().through_django
    make_announcement(message="Closed for the ice storm.")
    answer = app()
    assert answer.through_django
    assert b"ice storm" in gzip.decompress(answer.body)


def test_a_save_on_another_server_shows_on_the_next_request(app):
    make_practice()
    app(), app()
    assert not app().through_django
    cache.set(GENERATION_KEY, cache.get(GENERATION_KEY) + 1, timeout=None)  # as a save elsewhere does
    assert app().through_django


def test_without_a_generation_to_check_against_nothing_is_replayed(app):
    """Redis down reads as missing (clinic.resilient_cache): the page is rendered from the database."""
    make_practice()
    app(), app()
    cache.delete(GENERATION_KEY)
    assert app().through_django


def test_a_page_is_not_replayed_past_the_moment_it_changes_by_itself(app, monkeypatch):
    """An announcement ending, or midnight: the stored page's time limit holds for replays too."""
    make_office_hours(make_practice())
    app(), app()
    assert not app().through_django
    later = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert app().through_django


@pytest.mark.parametrize("request_inputs", [
    {"HTTP_COOKIE": f"{django_settings.SESSION_COOKIE_NAME}=abc"},
    {"HTTP_COOKIE": f"csrftoken=x; {django_settings.SESSION_COOKIE_NAME}=abc"},
    {"query": "from=newsletter"},
    {"HTTP_IF_NONE_MATCH": 'W/"0123"'},
    {"HTTP_IF_MODIFIED_SINCE": "Wed, 02 Dec 2026 10:00:00 GMT"},
    {"method": "HEAD"},
    {"method": "POST"},
], ids=["session", "session-among-others", "query", "if-none-match", "if-modified-since", "head", "post"])
def test_anything_but_a_plain_get_without_a_session_goes_through_django(app, request_inputs):
    """Even when a plain GET of the same address has been replayed."""
    make_practice()
    app(), app()
    assert not app().through_django
    for _ in range(2):
        assert app(**request_inputs).through_django


def test_a_host_not_allowed_is_refused_every_time(app):
    make_practice()
    for _ in range(3):
        answer = app(HTTP_HOST="evil.example")
        assert answer.through_django and answer.status.startswith("400")


def test_a_page_that_is_not_stored_is_never_replayed(app):
    """The telehealth form carries a CSRF token (and sets its cookie): never stored, never replayed."""
    make_practice()
    for _ in range(3):
        answer = app("/telehealth/request/")
        assert answer.through_django
