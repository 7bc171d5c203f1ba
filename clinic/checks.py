"""Deployment checks (`manage.py check --deploy`): what several app servers must share, and what
the error pages need when everything else is down."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from clinic.client_ip import is_internal

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
            id="clinic.W005",
        )]
    return []


@register(Tags.security, deploy=True)
def trusted_proxies(app_configs, **kwargs):
    """The client's address decides the booking limit, the sign-in lockout and the audit trail's
    address: behind nginx without TRUSTED_PROXIES everyone shares nginx's; a trusted network that
    takes in the internet lets anyone name any address."""
    if not settings.TRUSTED_PROXIES:
        return [Warning(
            "TRUSTED_PROXIES is empty: behind nginx every visitor has nginx's address, so all patients share one "
            "booking rate-limit counter and one sign-in lockout.",
            hint="Set TRUSTED_PROXIES to nginx's address (127.0.0.1 when nginx runs on the app server). The app must "
                 "not be reached without nginx (see the README, Deploying).",
            id="clinic.W002",
        )]
    problems = []
    for proxy in settings.TRUSTED_PROXIES:
        network = ipaddress.ip_network(proxy, strict=False)
        if network.num_addresses > 1 and not is_internal(network):
            problems.append(Warning(
                f"TRUSTED_PROXIES includes {proxy}, a network of public addresses: any machine in it can send a forged "
                "X-Forwarded-For and get a fresh booking allowance and sign-in lockout with every request.",
                hint="Name only your own proxies, each by its address (or a private network that only they share).",
                id="clinic.W003",
            ))
    return problems


@register(Tags.security, deploy=True)
def staff_two_factor(app_configs, **kwargs):
    if not settings.STAFF_TWO_FACTOR_REQUIRED:
        return [Warning(
            "STAFF_TWO_FACTOR_REQUIRED is off: a staff password alone opens patient records in the admin.",
            hint="Remove STAFF_TWO_FACTOR_REQUIRED from the environment (it is on by default); only `make run` turns it off.",
            id="clinic.W004",
        )]
    return []


@register(Tags.security, deploy=True)
def intake_keys(app_configs, **kwargs):
    """Intake answers are sealed with INTAKE_KEYS (clinic.encryption): without a working key patients
    cannot fill in their forms online (the intake pages say so and ask them to come early)."""
    from cryptography.fernet import Fernet

    if not settings.INTAKE_KEYS:
        return [Error(
            "No intake key: INTAKE_KEYS is empty and INTAKE_KEYS_FILE is unset or holds no key, so intake answers cannot "
            "be sealed and online intake forms are switched off.",
            hint="Put a key made by `manage.py rotate_intake_key --new-key` in INTAKE_KEYS or in the file INTAKE_KEYS_FILE, "
            "and keep a copy apart from the database backups.",
            id="clinic.E010",
        )]
    for key in settings.INTAKE_KEYS:
        try:
            Fernet(key)
        except ValueError:
            return [Error(
                "INTAKE_KEYS holds a value that is not a Fernet key (44 characters of url-safe base64).",
                hint="Make one with `manage.py rotate_intake_key --new-key`.", id="clinic.E011",
            )]
    return []
