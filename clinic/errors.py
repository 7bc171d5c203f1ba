"""The server error page, and a friendlier one while the database is unreachable.

Django calls `server_error` (handler500) from inside its exception handler, so the
error being handled is still `sys.exc_info()`. When that error says the database
cannot be reached (it is restarting, or the network to it is down), the patient gets
503 Service Unavailable with Retry-After: a short pause, not a broken site. Both pages
are rendered without the database, and always with the practice's phone number: from the
shared cache, else as this process last loaded it, else from the PRACTICE_PHONE setting
(a process that started while both the cache and the database were down).
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from clinic.content import CACHE_KEY, last_known_practice
from clinic.phone import display_phone

# OperationalError: the server refused, dropped or timed out the connection (and
# SQLite's "database is locked"); InterfaceError: a connection closed under us.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


@dataclass(frozen=True)
class PhoneFromSettings:
    """What the error pages show of the practice when only settings.PRACTICE_PHONE is known."""

    phone: str  # E.164, checked by the settings
    name: str = ""

    @property
    def phone_display(self):
        return display_phone(self.phone)

    @property
    def phone_href(self):
        return f"tel:{self.phone}"


def practice_to_call():
    """The practice for an error page, or None if nothing is known; never touches the database."""
    try:
        practice = getattr(cache.get(CACHE_KEY), "practice", None)
    except Exception:  # noqa: BLE001 - an error page must render whatever is wrong with the cache
        practice = None
    practice = practice or last_known_practice()
    if practice is None and settings.PRACTICE_PHONE:
        practice = PhoneFromSettings(settings.PRACTICE_PHONE)
    return practice


@requires_csrf_token
def server_error(request):
    error = sys.exc_info()[1]
    unavailable = isinstance(error, DATABASE_UNAVAILABLE)
    template, status = ("503.html", 503) if unavailable else ("500.html", 500)
    # The request (no context processors: they could touch the database) lets the stylesheet tag
    # record its hash for the Content-Security-Policy.
    page = loader.get_template(template).render({"practice": practice_to_call(), "request": request})
    response = HttpResponse(page, status=status)
    response["Cache-Control"] = "no-store"
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without a valid token (cookies blocked or cleared, a page
    left open for long) gets the site's own page, saying what to do, instead of Django's. The
    reason is for developers and is not shown."""
    response = render(request, "403_csrf.html", status=403)
    response["Cache-Control"] = "no-store"
    return response
