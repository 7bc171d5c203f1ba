"""Whole-page caching of patient pages, correct across processes and over time.

A rendered page depends on the practice content (changes when staff save), on the
clock (announcements start and end, "today" moves at midnight) and on the address
it was asked for. So a cached page carries the *content generation* it was rendered
under (a stamp in the shared cache that every save replaces) and is served only while
that stamp is current, and only until the next moment it would change by itself.
Signed-in staff always get a fresh render, never kept by their browser: they may see
drafts, which must never be cached for patients.

A page is stored once, ready to send: its bytes, the same bytes gzipped, its ETag (a hash of
the bytes) and the CSP hashes of its inline stylesheet. Browsers are told to ask again every
time (`Cache-Control: no-cache`) with the ETag, and a page that has not changed answers 304
with no body. Two ways in:

- `fast_path_response`, called by `clinic.middleware.CachedPageMiddleware` before sessions,
  authentication and the rest: GET/HEAD without a query string or a session cookie (so never
  signed-in staff). The page comes from this process's memory (or one read of the shared
  cache), checked against the generation, which each process reads from the shared cache at
  most once every PAGE_CACHE_CHECK_SECONDS (default 1 s; 0: on every request). That read was
  a third of a fast-path answer. So a save shows to patients on every app server within that
  second (at once on the server that saved it, and at once for staff, who never get stored pages).
- `cached_patient_page`, the view decorator, for everything the fast path leaves: it renders
  and stores pages, and serves stored ones to patients who have a session (after booking).

If the generation cannot be read (Redis down: `clinic.resilient_cache` answers "missing"),
the fast path steps aside and the view renders from the database: a cache outage never
serves an old page.

Compression (issue 16, BREACH): a stored page is the same for every visitor and holds no
secret (no form token, no session value, nothing from the query string, which bypasses the
cache), so gzipping it once cannot leak anything. Every other response is compressed by
Django's GZipMiddleware, which since Django 4.2 pads each response with random bytes
("Heal the Breach"), while CSRF tokens in forms are masked anew in every response.
"""

import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, get_conditional_response

from clinic.compression import accepts_gzip
from clinic.content import GENERATION_KEY, current_generation, forget_the_generation_seen, generation_seen_lately
from clinic.context_processors import page_context

# Patient pages: the browser keeps a copy but asks every time whether it is still current.
PATIENT_PAGE_CACHE_CONTROL = "no-cache"
# Pages this process keeps in memory (a few tens of KB each); past it, it starts again.
MAX_PAGES_IN_MEMORY = 500


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    gzipped: bytes  # the same bytes, compressed once when stored
    content_type: str
    etag: str  # weak: the gzipped and plain answers are the same page
    csp_style_hashes: tuple[str, ...]  # of the page's inline stylesheet (clinic.middleware.CSPMiddleware)
    valid_until: float  # Unix time after which the page must be rendered again
    generation: int  # the content generation it was rendered under

    def is_current(self, generation, now: float) -> bool:
        return self.generation == generation and self.valid_until > now


def make_cached_page(request, response, valid_until: float, generation: int) -> CachedPage:
    content = response.content
    return CachedPage(
        content=content,
        gzipped=gzip.compress(content, compresslevel=9, mtime=0),
        content_type=response["Content-Type"],
        etag=f'W/"{hashlib.sha256(content).hexdigest()[:32]}"',
        csp_style_hashes=tuple(getattr(request, "csp_style_hashes", ())),
        valid_until=valid_until,
        generation=generation,
    )


def page_key(request) -> str:
    """The address, hashed: any path a visitor makes up gives a short key of safe characters."""
    address = f"{request.scheme}://{request.get_host()}{request.path}"
    return f"clinic:page:{hashlib.sha256(address.encode()).hexdigest()}"


_keys_of_addresses: dict[tuple, str] = {}


def remembered_page_key(request) -> str:
    """page_key(), remembered for the headers it is made from, once the host was found allowed:
    working out the scheme and checking the host cost a tenth of a fast-path answer."""
    meta = request.META
    proxy_header = settings.SECURE_PROXY_SSL_HEADER[0] if settings.SECURE_PROXY_SSL_HEADER else None
    address = (meta.get("wsgi.url_scheme"), meta.get(proxy_header), meta.get("HTTP_X_FORWARDED_HOST"),
               meta.get("HTTP_HOST"), meta.get("SERVER_NAME"), meta.get("SERVER_PORT"), request.path)
    key = _keys_of_addresses.get(address)
    if key is None:
        key = page_key(request)  # raises DisallowedHost for a host not in ALLOWED_HOSTS, as before
        if len(_keys_of_addresses) >= MAX_PAGES_IN_MEMORY:
            _keys_of_addresses.clear()
        _keys_of_addresses[address] = key
    return key


def page_response(request, page: CachedPage):
    """The stored page as sent: gzipped when the browser takes it, or 304 when it has it already."""
    if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(page.gzipped, content_type=page.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(page.content, content_type=page.content_type)
    response["Content-Length"] = len(response.content)
    response["ETag"] = page.etag
    response["Cache-Control"] = PATIENT_PAGE_CACHE_CONTROL
    # A shared cache (a CDN) must not give this page to someone with cookies (staff) or without gzip.
    response["Vary"] = "Accept-Encoding, Cookie"
    # The CSP middleware, further out, allows the page's inline stylesheet by these hashes.
    request.csp_style_hashes = page.csp_style_hashes
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MATCH" in request.META:
        return get_conditional_response(request, etag=page.etag, response=response)
    return response


class PagesInMemory:
    """Stored pages this process keeps a copy of, by cache key: reading one back from the shared
    cache (a round trip, unpickling) costs more than the rest of answering with it. Bounded: past
    MAX_PAGES_IN_MEMORY it starts again. Whoever holds a copy checks it is still current."""

    every: list["PagesInMemory"] = []

    def __init__(self):
        self.pages: dict = {}
        self.lock = threading.Lock()
        PagesInMemory.every.append(self)

    def get(self, key: str):
        return self.pages.get(key)

    def remember(self, key: str, page):
        with self.lock:
            if len(self.pages) >= MAX_PAGES_IN_MEMORY:
                self.pages.clear()
            self.pages[key] = page

    def clear(self):
        self.pages.clear()


_pages_in_memory = PagesInMemory()


def current_page(request) -> CachedPage | None:
    """The stored page for this address if it is still current, else None (nothing is rendered)."""
    generation = generation_seen_lately(settings.PAGE_CACHE_CHECK_SECONDS)
    if generation is None:  # never stamped yet, or the shared cache cannot be read: render
        return None
    now = timezone.now().timestamp()  # the clock every other time check uses
    key = remembered_page_key(request)
    page = _pages_in_memory.get(key)
    if page is None or not page.is_current(generation, now):
        page = cache.get(key)
        if page is None or not page.is_current(generation, now):
            return None
        _pages_in_memory.remember(key, page)
    return page


def forget_pages_in_memory():
    """This process's copies and what it knew of the generation (tests start from nothing)."""
    for pages in PagesInMemory.every:
        pages.clear()
    _keys_of_addresses.clear()
    forget_the_generation_seen()


def can_take_the_fast_path(request) -> bool:
    """A plain GET of an address from someone without a session: a patient who has not booked
    yet, never signed-in staff (they always have a session cookie)."""
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def fast_path_response(request):
    """The stored page, ready to send, or None to go on through the whole site."""
    if not can_take_the_fast_path(request):
        return None
    page = current_page(request)
    if page is None:
        return None
    response = page_response(request, page)
    if response.status_code == 200:
        response.replayable_page = page  # clinic.handlers may answer the same request this way again
    return response


# Answers replayed before Django's request handling (clinic.handlers.ClinicWSGIHandler).
#
# A fast-path answer depends only on these inputs of the request (besides the page and the
# time): the address as sent (scheme, proxy headers, host, port, path), what the browser takes
# (gzip or not), and having no session cookie, no query string and no validator. So once the
# whole site (every middleware above the fast path included: security headers, X-Frame-Options,
# CSP with the page's hashes, the HTTPS redirect) has answered a request with exactly these
# inputs from a stored page, the same request gets the same status, headers and bytes for as
# long as that page is current. Replaying them skips building a request and running the
# middleware: the most of what was left of a fast-path answer.

CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


@dataclass(frozen=True)
class ReplayedAnswer:
    page: CachedPage  # whose generation and time limit say whether the answer still holds
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


_answers_in_memory = PagesInMemory()


def replay_inputs() -> tuple[str, ...]:
    """The WSGI environ keys whose values, together, decide a fast-path answer."""
    proxy_header = settings.SECURE_PROXY_SSL_HEADER[0] if settings.SECURE_PROXY_SSL_HEADER else "HTTP_X_FORWARDED_PROTO"
    return ("wsgi.url_scheme", proxy_header, "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_HOST",
            "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO", "HTTP_ACCEPT_ENCODING")


def replay_address(environ) -> tuple | None:
    """The inputs of a request that may be answered by a replay, or None when it may not: anything
    but a plain GET of an address by someone without a session (a session cookie's name anywhere in
    the Cookie header is enough to go the whole way), or a request carrying a validator (a 304 is
    for the fast path to work out)."""
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or environ.get("QUERY_STRING")
        or settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", "")
        or any(name in environ for name in CONDITIONAL_HEADERS)
    ):
        return None
    return tuple(environ.get(name) for name in replay_inputs())


def replayed_answer(address: tuple) -> ReplayedAnswer | None:
    """The answer given before to this request, if its page is still current (checked exactly as
    the fast path checks it: the generation, at most PAGE_CACHE_CHECK_SECONDS old, and the time)."""
    answer = _answers_in_memory.get(address)
    if answer is None:
        return None
    generation = generation_seen_lately(settings.PAGE_CACHE_CHECK_SECONDS)
    if generation is None or not answer.page.is_current(generation, timezone.now().timestamp()):
        return None
    return answer


def remember_answer(address: tuple, response) -> None:
    """Keep the whole site's answer to this request if it was a stored page sent by the fast path
    (never one that sets a cookie)."""
    page = getattr(response, "replayable_page", None)
    if page is None or response.status_code != 200 or response.cookies:
        return
    status = f"{response.status_code} {response.reason_phrase}"
    _answers_in_memory.remember(address, ReplayedAnswer(page, status, tuple(response.items()), response.content))


def cached_patient_page(view):
    """Serve a page from the cache when it is still exactly what the view would render;
    store what it renders for patients; send every patient page with its ETag."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.GET:
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)  # staff may see drafts: no copy in any cache, the browser's included
            return response
        key = page_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY) or current_generation()
        cached = found.get(key)
        now = timezone.now().timestamp()
        if cached is not None and cached.is_current(generation, now):
            return page_response(request, cached)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        site = page_context(request)
        valid_until = site.content.next_change_after(site.now).timestamp()
        # Stamped with the generation read *before* rendering: if staff saved meanwhile,
        # the page is already out of date and the next request renders it again.
        page = make_cached_page(request, response, valid_until, generation)
        lifetime = min(valid_until - now, settings.SITE_CONTENT_CACHE_SECONDS)
        if lifetime >= 1:
            cache.set(key, page, lifetime)
        return page_response(request, page)

    return wrapper
