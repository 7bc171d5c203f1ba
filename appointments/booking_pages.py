"""The time and details pages, rendered once and served from the shared cache for as long as
they are exactly what the view would render now.

A rendered page depends on the rows behind the free times (the availability version, read
from the database first: appointments.availability_version), on the practice content (the
content generation of clinic.page_cache), on the clock (a time stops being offered, or
becomes "soon", when the clock passes a step of the wall-clock grid: `offer_changes_at`; the
date; announcements) and on the address asked for. The key holds the version and the values
of the address the page reads, hashed; the entry holds the generation and the moment the page
would change by itself. A cache outage only costs renders: the version lives in the database.

The details page carries a form token and a signed form stamp for each browser: it is stored
with placeholders that are filled in for every response (`fill`).
"""

import gzip
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from appointments import antispam
from appointments.availability import BookingRules, first_step_at_or_after
from appointments.availability_version import current_version
from clinic.content import current_generation, generation_seen_lately
from clinic.compression import PageWithSlots, accepts_gzip
from clinic.context_processors import page_context
from clinic.page_cache import PagesInMemory
from clinic.hours import PRACTICE_TIME_ZONE

# The values of the address each page reads (anything else in it changes nothing).
TIME_PAGE = ("time", ("visit", "mode", "provider", "state", "week", "day", "provider_changed"))
DETAILS_PAGE = ("details", ("visit", "mode", "provider", "start", "state", "week", "day", "shown_provider"))
LONGEST_VALUE = 100  # longer values are refused by the forms, so never rendered with a 200
FORM_TOKEN_PLACEHOLDER = "booking-page-form-token-placeholder"  # noqa: S105  not a secret: replaced per response
FORM_STAMP_PLACEHOLDER = "booking-page-form-stamp-placeholder"


@dataclass(frozen=True)
class CachedRender:
    content: bytes
    content_type: str
    valid_until: float  # Unix time after which the page must be rendered again
    generation: int  # the content generation it was rendered under
    csp_style_hashes: tuple[str, ...] = ()  # of its inline stylesheet, for the CSP (clinic.stylesheet)
    gzipped: bytes = b""  # the same bytes compressed once, for a page with nothing filled in per response
    with_slots: PageWithSlots | None = None  # the page cut at its placeholders, each piece compressed once

    def is_current(self, generation, now: float) -> bool:
        return self.generation == generation and self.valid_until > now


@dataclass(frozen=True)
class Lookup:
    version: int | None  # the availability version, read first; None: not cacheable (no version row)
    key: str | None
    generation: int | None
    found: CachedRender | None


def offer_changes_at(now: datetime, rules: BookingRules, soon_within: timedelta, tz=PRACTICE_TIME_ZONE) -> datetime:
    """The next moment the clock alone changes which times are offered or marked soon.

    A time T (on the wall-clock grid of `rules.step`) is offered while T >= now + minimum
    notice, and soon while T < now + `soon_within`; the first grid time not before
    now + notice stops being offered once the clock passes it less the notice, and likewise
    for soon. Until then the free times are the same whatever the minute."""
    moments = []
    for ahead in (rules.minimum_notice, soon_within):
        step = first_step_at_or_after(now + ahead, rules.step, tz).astimezone(UTC)
        moments.append(step - ahead)
    return min(moments)


def page_key(request, page, version) -> str:
    kind, names = page
    address = [kind, str(version), request.scheme, request.get_host()]
    address += [f"{name}={request.GET.get(name, '')[:LONGEST_VALUE]}" for name in names]
    return f"appointments:booking-page:{hashlib.sha256(chr(10).join(address).encode()).hexdigest()}"


# This process's copies of stored pages: the key holds the availability version, read from the
# database on every request, so a copy is never a page whose free times have changed.
_renders_in_memory = PagesInMemory()


def look_up(request, page) -> Lookup:
    """The version first (one query, on every request), then the page: this process's copy, or
    the shared cache's. The content generation is the one clinic.page_cache's fast path reads (at
    most once every PAGE_CACHE_CHECK_SECONDS): a content save shows on the booking pages as soon
    as on the others, while a booking, a move or a schedule change shows on the very next view."""
    version = current_version()
    if version is None:
        return Lookup(None, None, None, None)
    key = page_key(request, page, version)
    now = timezone.now().timestamp()
    generation = generation_seen_lately(settings.PAGE_CACHE_CHECK_SECONDS)
    if generation is None:  # never stamped yet, or the shared cache cannot be read
        generation = current_generation()
    cached = _renders_in_memory.get(key)
    if cached is None or not cached.is_current(generation, now):
        cached = cache.get(key)
        if cached is None or not cached.is_current(generation, now):
            return Lookup(version, key, generation, None)
        _renders_in_memory.remember(key, cached)
    return Lookup(version, key, generation, cached)


def store(request, lookup: Lookup, response, changes_at: datetime, compress_once=False, slots=()):
    """Keep a 200 render until the first of `changes_at`, the page content's next change, the content cache's lifetime.

    `compress_once`: store it gzipped as well, for a page that holds no secret (the time page: a form
    sent with GET, no token), so the same bytes serve every visitor (see clinic.page_cache on BREACH).
    `slots`: the placeholders a page gets filled in per response (the details page's form token and
    stamp); its fixed pieces are compressed once, and each response compresses only its own values,
    on their own (clinic.compression: nothing to measure for BREACH)."""
    if lookup.key is None or response.status_code != 200 or response.streaming:
        return
    now = timezone.now()
    valid_until = min(changes_at, page_context(request).content.next_change_after(now)).timestamp()
    lifetime = min(valid_until - now.timestamp(), settings.SITE_CONTENT_CACHE_SECONDS)
    if lifetime >= 1:
        gzipped = gzip.compress(response.content, compresslevel=6, mtime=0) if compress_once else b""
        markers = tuple(slot.encode() for slot in slots)
        with_slots = PageWithSlots.cut(response.content, markers) if markers and all(m in response.content for m in markers) else None
        # A page with slots is kept as its pieces only: its plain bytes are the pieces joined (PageWithSlots.plain).
        content = b"" if with_slots else response.content
        cache.set(lookup.key, CachedRender(content, response["Content-Type"], valid_until, lookup.generation,
                                           tuple(getattr(request, "csp_style_hashes", ())), gzipped, with_slots), lifetime)


def response_of(request, cached: CachedRender) -> HttpResponse:
    # The CSP middleware, further out, allows the page's inline stylesheet by these hashes.
    request.csp_style_hashes = cached.csp_style_hashes
    if cached.gzipped and accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(cached.gzipped, content_type=cached.content_type)
        response["Content-Encoding"] = "gzip"  # clinic.middleware.CompressTextMiddleware leaves it as it is
        response["Vary"] = "Accept-Encoding"
        return response
    return HttpResponse(cached.content, content_type=cached.content_type)


def placeholders() -> dict:
    """What the details page renders in place of this browser's form token and stamp."""
    return {"csrf_token": FORM_TOKEN_PLACEHOLDER, "form_stamp": FORM_STAMP_PLACEHOLDER}


def filled_values(request) -> dict[bytes, bytes]:
    return {FORM_TOKEN_PLACEHOLDER.encode(): get_token(request).encode(), FORM_STAMP_PLACEHOLDER.encode(): antispam.new_form_stamp(request).encode()}


def filled_response_of(request, cached: CachedRender) -> HttpResponse:
    """A stored details page with this browser's form token and a new stamp: gzipped from its
    pieces compressed once, for a browser that takes gzip."""
    page = cached.with_slots
    if page is None:
        return fill(request, response_of(request, cached))
    request.csp_style_hashes = cached.csp_style_hashes
    values = filled_values(request)
    if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(page.gzipped(values), content_type=cached.content_type)
        response["Content-Encoding"] = "gzip"
        response["Vary"] = "Accept-Encoding"
        return response
    return HttpResponse(page.plain(values), content_type=cached.content_type)


def fill(request, response):
    """This browser's form token and a new form stamp in place of the placeholders (tokens of safe characters)."""
    content = response.content
    for placeholder, value in filled_values(request).items():
        content = content.replace(placeholder, value, 1)
    response.content = content
    return response
