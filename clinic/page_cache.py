"""Whole-page caching of patient pages, correct across processes and over time.

A rendered page depends on the practice content (changes when staff save), on the
clock (announcements start and end, "today" moves at midnight) and on the address
it was asked for. So a cached page carries the *content generation* it was rendered
under (a stamp in the shared cache that every save replaces) and is served only while
that stamp is current, and only until the next moment it would change by itself. The
stamp and the page are read in one round trip to the cache. Signed-in staff always get a fresh
render: they may see drafts, which must never be cached for patients.
"""

import hashlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone

from clinic.content import GENERATION_KEY, current_generation
from clinic.context_processors import page_context


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    content_type: str
    valid_until: float  # Unix time after which the page must be rendered again
    generation: int  # the content generation it was rendered under
    csp_style_hashes: tuple[str, ...] = ()  # the inline stylesheet's hash, for the CSP (clinic.stylesheet)


def page_key(request) -> str:
    """The address, hashed: any path a visitor makes up gives a short key of safe characters."""
    address = f"{request.scheme}://{request.get_host()}{request.path}"
    return f"clinic:page:{hashlib.sha256(address.encode()).hexdigest()}"


def cached_patient_page(view):
    """Serve a page from the cache when it is still exactly what the view would render."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.GET or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = page_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY) or current_generation()
        cached = found.get(key)
        now = timezone.now().timestamp()  # the clock every other time check uses
        if cached is not None and cached.generation == generation and cached.valid_until > now:
            request.csp_style_hashes = cached.csp_style_hashes
            return HttpResponse(cached.content, content_type=cached.content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            valid_until = page_context(request).content.next_change_after(page_context(request).now).timestamp()
            lifetime = min(valid_until - now, settings.SITE_CONTENT_CACHE_SECONDS)
            if lifetime >= 1:
                # Stamped with the generation read *before* rendering: if staff saved meanwhile,
                # the page is already out of date and the next request renders it again.
                page = CachedPage(response.content, response["Content-Type"], valid_until, generation,
                                  getattr(request, "csp_style_hashes", ()))
                cache.set(key, page, lifetime)
        return response

    return wrapper
