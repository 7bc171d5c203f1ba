"""Cached patient pages served before sessions and authentication (clinic.middleware.CachedPageMiddleware):
every security header still on every answer, and never for staff or anyone with a session.

Whether the fast path answered is read from the request the test client kept: the fast path
answers before AuthenticationMiddleware, so that request never got a `user`."""

import dataclasses
import gzip

import pytest
from django.conf import settings
from django.core.cache import cache

from clinic.content import GENERATION_KEY, generation_seen_lately, start_new_generation
from clinic.page_cache import page_key
from tests.factories import make_practice, make_staff

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def took_the_fast_path(response) -> bool:
    return not hasattr(response.wsgi_request, "user")


def plant(request_factory, path, content: bytes, **fields):
    """Replace the stored page for `path` (stored by an earlier request) with other bytes."""
    key = page_key(request_factory.get(path))
    page = cache.get(key)
    assert page is not None, "the page was not stored"
    cache.set(key, dataclasses.replace(page, content=content, gzipped=gzip.compress(content), **fields), 300)


def assert_every_security_header(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.get(name) == value, name
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "style-src 'self'" in policy


def test_the_first_visit_renders_the_page_and_the_next_takes_the_fast_path(client):
    make_practice()
    first = client.get("/hours/")
    second = client.get("/hours/")
    assert not took_the_fast_path(first)
    assert took_the_fast_path(second)
    assert second.status_code == 200 and second.content == first.content


def test_a_fast_path_answer_has_every_security_header_and_the_csp(client):
    make_practice()
    client.get("/", secure=True)
    response = client.get("/", secure=True, headers={"Accept-Encoding": "gzip"})
    assert took_the_fast_path(response)
    assert response["Content-Encoding"] == "gzip"
    assert_every_security_header(response)


def test_a_304_from_the_fast_path_has_every_security_header_too(client):
    make_practice()
    etag = client.get("/", secure=True)["ETag"]
    response = client.get("/", secure=True, headers={"If-None-Match": etag})
    assert took_the_fast_path(response)
    assert response.status_code == 304
    assert_every_security_header(response)


def test_the_inline_style_hashes_of_a_stored_page_reach_the_csp_middleware(client, rf):
    make_practice()
    client.get("/")
    plant(rf, "/", b"<!doctype html><title>x</title>", csp_style_hashes=("'sha256-c3R5bGU='",))
    response = client.get("/")
    assert took_the_fast_path(response)
    assert response.wsgi_request.csp_style_hashes == ("'sha256-c3R5bGU='",)


def test_signed_in_staff_never_get_a_stored_page(client, rf):
    make_practice()
    client.get("/hours/")
    plant(rf, "/hours/", b"STORED COPY")
    assert client.get("/hours/").content == b"STORED COPY"  # what patients are served
    client.force_login(make_staff())
    response = client.get("/hours/")
    assert not took_the_fast_path(response)
    assert response.wsgi_request.user.is_staff
    assert response.status_code == 200 and b"STORED COPY" not in response.content
    assert b"<html" in response.content


def test_a_session_cookie_goes_through_the_whole_site(client):
    """A patient who booked has a session (their confirmation); staff always have one."""
    make_practice()
    client.get("/hours/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything"
    response = client.get("/hours/")
    assert not took_the_fast_path(response)
    assert response.status_code == 200


def test_a_query_string_goes_through_the_whole_site(client):
    make_practice()
    client.get("/hours/")
    assert not took_the_fast_path(client.get("/hours/?from=newsletter"))


def test_without_a_generation_to_check_against_the_page_is_rendered_again(client, rf, settings):
    """The shared cache lost the stamp (evicted, or Redis down and read as missing): once the
    process asks again (here on every request), a stored page cannot be shown to be current,
    so the view renders it."""
    settings.PAGE_CACHE_CHECK_SECONDS = 0
    make_practice()
    client.get("/hours/")
    plant(rf, "/hours/", b"STORED COPY")
    cache.delete(GENERATION_KEY)
    response = client.get("/hours/")
    assert not took_the_fast_path(response)
    assert b"STORED COPY" not in response.content


def test_a_page_from_another_generation_is_never_served_from_memory(client, settings):
    """This process keeps pages in memory; another server's save (a new generation) must still win."""
    settings.PAGE_CACHE_CHECK_SECONDS = 0
    make_practice()
    client.get("/hours/")
    assert took_the_fast_path(client.get("/hours/"))  # now in this process's memory too
    cache.set(GENERATION_KEY, cache.get(GENERATION_KEY) + 1, timeout=None)  # as a save elsewhere does
    response = client.get("/hours/")
    assert not took_the_fast_path(response)
    assert response.status_code == 200


def test_a_save_on_another_server_is_seen_within_the_check_interval():
    start_new_generation()
    seen = generation_seen_lately(1, now=100.0)
    cache.set(GENERATION_KEY, seen + 1, timeout=None)  # another app server saved
    assert generation_seen_lately(1, now=100.9) == seen  # believed for up to a second...
    assert generation_seen_lately(1, now=101.0) == seen + 1  # ...then asked again


def test_a_save_on_this_server_is_seen_at_once():
    seen = generation_seen_lately(60, now=100.0)
    start_new_generation()
    assert generation_seen_lately(60, now=100.1) not in (None, seen)


def test_a_generation_that_cannot_be_read_is_asked_for_again_on_the_next_request():
    cache.delete(GENERATION_KEY)
    assert generation_seen_lately(60, now=100.0) is None
    cache.set(GENERATION_KEY, 7, timeout=None)
    assert generation_seen_lately(60, now=100.1) == 7
