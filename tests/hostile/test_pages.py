"""Every public page with any query string, and every page with a slug with any slug:
the page or "not found", never a server error."""

from urllib.parse import quote_from_bytes, unquote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.checks import row_counts, send
from tests.hostile.profiles import examples
from tests.hostile.strategies import hostile_query, hostile_value, mutations_of, odd_text, random_slugs, with_query

pytestmark = [
    pytest.mark.django_db,
]

# What each fixed page answers, whatever the query string (400: more than 1,000 fields).
FIXED_PAGES = {
    "/": 200, "/hours/": 200, "/team/": 200, "/services/": 200, "/conditions/": 200, "/telehealth/": 200, "/book/": 200,
    "/sitemap.xml": 200, "/robots.txt": 200, "/healthz": 200, "/favicon.ico": 301, "/admin/": 302,
}
SLUG_PAGES = {"/services/{}/": "service_slugs", "/conditions/{}/": "condition_slugs", "/notices/{}/": "notice_slugs"}


@examples(1.5)
@given(data=st.data(), query=hostile_query, method=st.sampled_from(["get", "head"]))
def test_every_page_answers_any_query_string(client, demo_site, data, query, method):
    pages = dict(FIXED_PAGES)
    for pattern, slugs in SLUG_PAGES.items():
        pages.update({pattern.format(slug): 200 for slug in getattr(demo_site, slugs)})
    path = data.draw(st.sampled_from(sorted(pages)), label="path")
    response = send(client, method, with_query(path, query))
    # The sitemap's ?p= picks a page of it: any other number is "not found".
    expected = (pages[path], 400, 404) if path == "/sitemap.xml" else (pages[path], 400)
    assert response.status_code in expected


@examples(1.5)
@given(pattern=st.sampled_from(sorted(SLUG_PAGES)), slug=random_slugs, query=st.one_of(st.just(""), hostile_query))
def test_a_random_slug_is_not_found(client, demo_site, pattern, slug, query):
    before = row_counts()
    response = send(client, "get", with_query(pattern.format(slug), query))
    if unquote(slug) in getattr(demo_site, SLUG_PAGES[pattern]):
        assert response.status_code in (200, 400)
    else:
        assert response.status_code in (400, 404)
    assert row_counts() == before


@examples(1)
@given(raw=st.binary(min_size=1, max_size=200), method=st.sampled_from(["get", "head", "post"]))
def test_any_address_answers_without_a_server_error(client, demo_site, raw, method):
    before = row_counts()
    response = send(client, method, "/" + quote_from_bytes(raw, safe="/?=&"))
    assert response.status_code in (200, 301, 302, 400, 404, 405)
    assert row_counts() == before


@examples(0.5)
@given(page=st.one_of(hostile_value, st.integers(-(2**70), 2**70).map(str), st.lists(hostile_value, min_size=2, max_size=3)))
def test_the_sitemap_answers_any_page_number(client, demo_site, page):
    response = send(client, "get", with_query("/sitemap.xml", urlencode({"p": page}, doseq=True)))
    assert response.status_code in (200, 404)


@examples(0.75)
@given(
    path=st.sampled_from(["/book/details/", "/telehealth/request/", "/admin/login/", "/appointments/manage/x/cancel/"]),
    posted=mutations_of({"csrfmiddlewaretoken": "a" * 64}),
    cookie=st.one_of(st.none(), odd_text),
    encoding=st.sampled_from(["urlencoded", "multipart"]),
)
def test_a_post_without_a_good_form_token_is_refused(demo_site, path, posted, cookie, encoding):
    """As browsers post: with the CSRF check on (the other tests turn it off to reach the views)."""
    headers = {}
    if cookie is not None:  # the cookie's bytes as a WSGI server passes them on; servers refuse NUL, CR and LF in headers
        raw = "".join(char for char in cookie if char not in "\x00\r\n").encode().decode("latin-1")
        headers["HTTP_COOKIE"] = f"{settings.CSRF_COOKIE_NAME}={raw}"
    before = row_counts()
    response = send(Client(enforce_csrf_checks=True), "post", path, posted, encoding=encoding, **headers)
    assert response.status_code in (400, 403)
    assert row_counts() == before
