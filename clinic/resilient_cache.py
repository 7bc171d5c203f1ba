"""The shared Redis cache as an accelerator, never a dependency.

Django's RedisCache raises on every call while Redis is down, and waits for the socket
timeout on every call while Redis accepts connections but never answers: one page makes
several calls, so patients got 500s or waited seconds. `ResilientRedisCache` is that
backend with two changes:

- Short socket timeouts (settings: `REDIS_TIMEOUT_MS`), and no retries.
- A breaker per process: the first call that fails opens it, and for the next
  `retry_after_seconds` (`REDIS_RETRY_SECONDS`) every call skips Redis at once. Then one
  call tries again (the others keep skipping meanwhile); if it succeeds, the breaker closes.

While Redis is skipped or failing the cache behaves as an empty one that keeps nothing:
reads miss, writes are dropped, `incr` raises ValueError as for a missing key. So every
caller renders from the database as if nothing were cached, and nothing needs to know,
except the booking rate limit, which asks `shared_cache_is_down()` to count on its own
(see `appointments.ratelimit`).

A dropped write may have been an invalidation (staff saved the hours during the outage,
and Redis comes back still holding the old ones). So the process remembers the keys of
the writes it dropped, and deletes them in Redis before anything else once it answers again.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_SECONDS = 10.0
# Keys of dropped writes kept per process; a long outage drops many page writes, each a
# distinct address of a patient page (only 200 answers are cached), so this is generous.
# Past it, the process empties the whole cache when Redis is back instead.
MAX_LOST_KEYS = 10_000
SKIPPED = object()  # what a call answers when Redis was not (or could not be) asked


class Breaker:
    """Whether this process should ask Redis now. Given the time (`now`, monotonic seconds),
    so that tests need no clock."""

    def __init__(self, retry_after_seconds: float):
        self.retry_after_seconds = retry_after_seconds
        self.is_open = False  # True from a failure until a call succeeds again
        self.skip_until = 0.0
        self.lost_keys: set[str] = set()  # written while Redis was away: delete them when it is back
        self.lost_too_many = False
        self.lock = threading.Lock()

    def allows_a_try(self, now: float) -> bool:
        if not self.is_open:  # the usual case, without the lock
            return True
        with self.lock:
            if now < self.skip_until:
                return False
            if self.is_open:
                # This caller tries Redis again; the others go on skipping until it knows.
                self.skip_until = now + self.retry_after_seconds
            return True

    def remember_lost(self, keys):
        with self.lock:
            self.lost_keys.update(keys)
            if len(self.lost_keys) > MAX_LOST_KEYS:
                self.lost_keys.clear()
                self.lost_too_many = True

    def record_success(self):
        if not self.is_open:
            return
        with self.lock:
            if self.is_open:
                logger.warning("The shared cache (Redis) answers again; using it.")
            self.is_open = False
            self.skip_until = 0.0

    def record_failure(self, error: Exception, now: float):
        with self.lock:
            if not self.is_open:
                # The class name only: a message may name the server, never anything a patient typed.
                logger.warning(
                    "The shared cache (Redis) failed (%s); pages are served without it, trying again every %g s.",
                    type(error).__name__, self.retry_after_seconds,
                )
            self.is_open = True
            self.skip_until = now + self.retry_after_seconds


# One breaker per Redis location and process: Django makes a cache object per thread,
# and every thread of a process should learn from the others' failures.
_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, retry_after_seconds: float) -> Breaker:
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None or breaker.retry_after_seconds != retry_after_seconds:
            breaker = _breakers[location] = Breaker(retry_after_seconds)
        return breaker


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that answers as an empty cache, at once, while Redis is away.

    OPTIONS are Django's (passed to redis-py's connection pool, e.g. `socket_timeout`), plus
    `retry_after_seconds`: how long a process skips Redis after a failure."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_after_seconds = float(options.pop("retry_after_seconds", DEFAULT_RETRY_AFTER_SECONDS))
        # redis-py retries nothing unless told to; say so, so that an upgrade cannot double every wait.
        options.setdefault("retry_on_timeout", False)
        super().__init__(server, {**params, "OPTIONS": options})
        self.breaker = breaker_for(",".join(self._servers), retry_after_seconds)

    def _ask(self, method, *args, **kwargs):
        """`method(*args, **kwargs)` if the breaker allows it and Redis answers, else SKIPPED."""
        if not self.breaker.allows_a_try(time.monotonic()):
            return SKIPPED
        try:
            if self.breaker.is_open:  # trying again after a failure: first undo the writes it missed
                self._delete_lost_writes()
            answer = method(*args, **kwargs)
        except RedisError as error:  # refused, timed out, reset, read-only, loading, wrong password...
            self.breaker.record_failure(error, time.monotonic())
            return SKIPPED
        self.breaker.record_success()
        return answer

    def _ask_or(self, fallback, method, *args, **kwargs):
        answer = self._ask(method, *args, **kwargs)
        return fallback if answer is SKIPPED else answer

    def _delete_lost_writes(self):
        if self.breaker.lost_too_many:
            self._cache.clear()
            with self.breaker.lock:
                self.breaker.lost_too_many = False
                self.breaker.lost_keys.clear()
        lost = set(self.breaker.lost_keys)
        if lost:
            self._cache.delete_many(list(lost))
            with self.breaker.lock:
                self.breaker.lost_keys -= lost

    def _write(self, keys, version, method, *args):
        """A write; if Redis does not take it, remember its keys."""
        answer = self._ask(method, *args)
        if answer is SKIPPED:
            self.breaker.remember_lost([self.make_and_validate_key(key, version=version) for key in keys])
        return answer

    def ping(self) -> bool:
        """True when Redis answers now; False at once while the breaker says to skip it."""
        return self._ask_or(False, lambda: self._cache.get_client(write=True).ping())

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask_or(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._ask_or(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._write([key], version, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._ask_or(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._write([key], version, super().delete, key, version) is True

    def get_many(self, keys, version=None):
        return self._ask_or({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._ask_or(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        answer = self._ask(super().incr, key, delta, version)
        if answer is SKIPPED:
            raise ValueError("Key not found: the shared cache cannot be reached.")
        return answer

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        answer = self._write(list(data), version, super().set_many, data, timeout, version)
        return list(data) if answer is SKIPPED else answer

    def delete_many(self, keys, version=None):
        self._write(list(keys), version, super().delete_many, keys, version)

    def clear(self):
        return self._ask_or(False, super().clear)


def shared_cache_is_down(alias: str = "default") -> bool:
    """True while this process skips the Redis cache after a failure. Any other cache
    (the file cache of one machine) is never down."""
    backend = caches[alias]
    return isinstance(backend, ResilientRedisCache) and backend.breaker.is_open


def cache_state(alias: str = "default") -> str:
    """For /healthz: "ok" (Redis answers), "degraded" (it does not: pages are served
    without it) or "local" (no Redis configured: this machine's own file cache)."""
    backend = caches[alias]
    if not isinstance(backend, ResilientRedisCache):
        return "local"
    return "ok" if backend.ping() else "degraded"
