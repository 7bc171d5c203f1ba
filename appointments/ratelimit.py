"""A per-address limit on form posts, counted in Django's cache.

Fixed windows: the first post from an address in a window creates a counter that
expires with the window (`cache.add`), each post adds one (`cache.incr`). With
REDIS_URL set the counter is shared by every app server and `incr` is atomic; the
file cache used without it is shared by the workers of one machine, where a burst
of simultaneous posts may be under-counted by a few — enough to stop a script.
(django-ratelimit refuses the file cache in its system check, hence these lines.)

While Redis is down or hung the shared counter cannot be read (the cache then answers as
an empty one, see `clinic.resilient_cache`). The limit neither refuses every patient (that
would stop booking) nor lets everything through: each app-server process counts on its own,
in its own memory, until Redis answers again. An address is then allowed the limit once per
process it reaches, e.g. 2 servers × 5 workers × 10 posts — still stopping a script that
floods the form, never a patient.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render

from clinic.client_ip import client_ip
from clinic.resilient_cache import shared_cache_is_down

# This process's own counters, used while the shared cache is down.
COUNTERS_OF_THIS_PROCESS = LocMemCache("appointments-ratelimit", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def count_request(scope: str, address: str, window_seconds: int, now: float | None = None) -> tuple[int, int]:
    """Count one request from `address`; return the count in this window and the seconds left in it."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    # The address is hashed: the cache holds no readable IP addresses.
    address_hash = hashlib.sha256(address.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{window_seconds}:{window}:{address_hash}"
    count = count_in(cache, key, window_seconds)
    if shared_cache_is_down():  # now, or since an earlier failure: its counter was not kept
        count = count_in(COUNTERS_OF_THIS_PROCESS, key, window_seconds)
    seconds_left = int((window + 1) * window_seconds - now) + 1
    return count, seconds_left


def count_in(counters, key: str, window_seconds: int) -> int:
    counters.add(key, 0, timeout=window_seconds + 1)
    try:
        return counters.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        counters.set(key, 1, timeout=window_seconds + 1)
        return 1


def limit_posts(scope: str, limit_setting: str, window_setting: str):
    """Answer 429 with a friendly page once an address has posted more than the limit in a window.
    The limit and window are read from settings on every request, so tests can change them."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                limit, window_seconds = getattr(settings, limit_setting), getattr(settings, window_setting)
                count, seconds_left = count_request(scope, client_ip(request), window_seconds)
                if count > limit:
                    response = render(request, "429.html", {"minutes": max(1, -(-seconds_left // 60))}, status=429)
                    response["Retry-After"] = str(seconds_left)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
