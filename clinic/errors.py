"""The server error page, and a friendlier one while the database is unreachable.

Django calls `server_error` (handler500) from inside its exception handler, so the
error being handled is still `sys.exc_info()`. When that error says the database
cannot be reached (it is restarting, or the network to it is down), the patient gets
503 Service Unavailable with Retry-After: a short pause, not a broken site. Both pages
are rendered without the database, the practice's phone number coming from the
shared cache when it is there.
"""

import sys

from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from clinic.content import CACHE_KEY

# OperationalError: the server refused, dropped or timed out the connection (and
# SQLite's "database is locked"); InterfaceError: a connection closed under us.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def cached_practice():
    """The practice as last cached, or None; never touches the database."""
    try:
        content = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - an error page must render even when the cache is down too
        return None
    return getattr(content, "practice", None)


@requires_csrf_token
def server_error(request):
    error = sys.exc_info()[1]
    unavailable = isinstance(error, DATABASE_UNAVAILABLE)
    template, status = ("503.html", 503) if unavailable else ("500.html", 500)
    response = HttpResponse(loader.get_template(template).render({"practice": cached_practice()}), status=status)
    response["Cache-Control"] = "no-store"
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
