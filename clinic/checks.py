"""Deployment checks (`manage.py check --deploy`): what several app servers must share, and what
the error pages need when everything else is down."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHES = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """The cache holds the content generation, cached pages and the rate-limit counters:
    app servers that do not share it disagree on all three."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in LOCAL_CACHES:
        return [Warning(
            "The cache is this machine's own: with more than one app server, pages saved by staff stay stale on the "
            "others and the booking rate limit counts per machine.",
            hint="Set REDIS_URL to one Redis that every app server uses (a single server may ignore this).",
            id="clinic.W001",
        )]
    return []


@register(deploy=True)
def phone_for_error_pages(app_configs, **kwargs):
    """The error pages take the phone number from the cache or from what the process last read;
    a server that starts while Redis and PostgreSQL are both down knows it only from settings."""
    if not settings.PRACTICE_PHONE:
        return [Warning(
            "PRACTICE_PHONE is not set: an error page shown while the cache and the database are both unreachable "
            "cannot give patients the practice's phone number.",
            hint="Set PRACTICE_PHONE to the number patients call, e.g. (301) 555-0142.",
            id="clinic.W002",
        )]
    return []
