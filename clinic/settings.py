"""Settings for the clinic site: one module, configured from the environment.

Defaults are safe for production. Development conveniences (DEBUG, a throwaway
secret key, plain-HTTP cookies) come from the Makefile targets, never from here.
Every variable read below is documented in README.md and .env.example.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError

from clinic.hours import PRACTICE_TIME_ZONE_NAME
from clinic.phone import normalise_phone

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default).strip()


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true/false, 1/0, yes/no or on/off, not {value!r}.")


def env_int(name, default):
    value = env_str(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default=""):
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random secret: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "and put it in the environment. For local development run `make run`."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105  reached only with DEBUG on (see above)
# Earlier keys, still accepted for what they signed (patients' manage links, sessions) while
# SECRET_KEY is rotated; drop them once links made with them may expire.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin with the second sign-in step in front (clinic.admin_site).
    "clinic.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_prose_editor",
    "auditlog",
    "clinic",
    "services",
    "appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clinic.middleware.ExtraSecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the cached-page fast path, so that every answer it gives has these headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.CSPMiddleware",
    # Cached patient pages, gzipped once, for visitors without a session (clinic.page_cache).
    "clinic.middleware.CachedPageMiddleware",
    # Everything else is compressed here, with Django's random padding against BREACH (README, "Compression").
    "clinic.middleware.CompressTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks a session verified once staff gave a code as well as the password (clinic.two_factor).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: signs idle staff out with a message.
    "clinic.middleware.StaffIdleTimeoutMiddleware",
    # django-auditlog's, naming the staff member in audit entries (after the idle check).
    "clinic.middleware.AuditlogMiddleware",
    # Last, as django-axes asks: it reads the outcome of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.site_content",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing ("database is locked") when
    # several gunicorn workers share the file; WAL lets readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    if env_str("TEST_SQLITE_FILE"):
        # Tests that book from many threads at once need real, separate connections
        # to one file; an in-memory test database cannot give them that.
        DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_SQLITE_FILE")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # The cache is an accelerator, never a dependency: a Redis that is down or hung costs a
    # request at most one short timeout, then each process skips it for REDIS_RETRY_SECONDS
    # and serves pages without it (clinic/resilient_cache.py).
    REDIS_TIMEOUT_MS = env_int("REDIS_TIMEOUT_MS", 250)
    REDIS_RETRY_SECONDS = env_int("REDIS_RETRY_SECONDS", 10)
    if REDIS_TIMEOUT_MS < 1 or REDIS_RETRY_SECONDS < 1:
        raise ImproperlyConfigured("REDIS_TIMEOUT_MS and REDIS_RETRY_SECONDS must be at least 1.")
    CACHES = {
        "default": {
            "BACKEND": "clinic.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clinic",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_MS / 1000,
                "socket_timeout": REDIS_TIMEOUT_MS / 1000,
                "retry_after_seconds": REDIS_RETRY_SECONDS,
            },
        }
    }
else:
    # A file cache is shared by every worker on one machine, so a change saved
    # through one gunicorn worker clears what the others would serve. Several
    # machines need REDIS_URL.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR") or str(BASE_DIR / "var" / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff are signed out of the admin after this many minutes without a request there.
STAFF_IDLE_TIMEOUT_MINUTES = env_int("STAFF_IDLE_TIMEOUT_MINUTES", 30)
if STAFF_IDLE_TIMEOUT_MINUTES < 1:
    raise ImproperlyConfigured("STAFF_IDLE_TIMEOUT_MINUTES must be at least 1.")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = PRACTICE_TIME_ZONE_NAME  # defined once, in clinic.hours
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (provider photos). In production the web server serves MEDIA_ROOT at /media/.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# WhiteNoise serves hashed file names (all that templates link to) as immutable for
# ten years; anything else keeps its short default lifetime.

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -------------------------------------------------------------
# Production sits behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP and must get the health answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies travel over HTTPS only. `make serve` (plain HTTP on 127.0.0.1) relies
# on browsers treating loopback addresses as secure.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form sent without a valid token gets the site's own page (clinic.errors.csrf_failure), not Django's.
CSRF_FAILURE_VIEW = "clinic.errors.csrf_failure"
if SESSION_COOKIE_SECURE:
    # The __Host- prefix pins cookies to this host and path, over HTTPS only.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# Our own proxies (nginx), by address or network: only a request from one of them may name
# the client in X-Forwarded-For (clinic.client_ip). Empty: the app is reached directly.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {proxy!r} is not an address or a network (e.g. 127.0.0.1 or 10.0.0.0/24)."
        ) from None
if env_str("TRUSTED_PROXY_COUNT"):
    # Counting proxies trusted X-Forwarded-For from whoever reached the app port: a forged
    # header bypassed every per-address limit. Refuse rather than guess what was meant.
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is no longer read: name your proxies by address instead, e.g. "
        "TRUSTED_PROXIES=127.0.0.1 when nginx runs on this machine, or nginx's private address when it runs on "
        "another one. Remove TRUSTED_PROXY_COUNT from the environment."
    )

# Admin sign-in (django-axes, in the database so that it holds with the cache down):
# AXES_FAILURE_LIMIT wrong passwords for one username from any addresses, or from one
# address for any usernames, lock that username or that address out. The lockout ends
# AXES_COOLOFF_TIME after the last counted failure (django-axes defaults to "forever"),
# and failures while locked out do not extend it, so an attacker cannot keep the
# practice out for good by going on guessing.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME < timedelta(minutes=1):
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "clinic.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Two-step sign-in (clinic.two_factor): every staff account needs a code from an authenticator
# app (or a recovery code) after the password before any admin page opens. On unless turned
# off; only `make run` (the demo logins on this machine) turns it off.
STAFF_TWO_FACTOR_REQUIRED = env_bool("STAFF_TWO_FACTOR_REQUIRED", True)

# Audit trail (django-auditlog) of staff viewing and changing patient records:
# patient fields are recorded as changed, never with their values.
AUDITLOG_MASK_CALLABLE = "appointments.audit.mask_completely"
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Only for the file backend (`make run` writes each email as a file here).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(BASE_DIR / "var" / "sent-mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- The site -------------------------------------------------------------
# The site's public address, for links in emails (manage links, admin links).
SITE_URL = (env_str("SITE_URL") or ("http://127.0.0.1:8000" if DEBUG else "")).rstrip("/")
if not SITE_URL and not DEBUG:
    raise ImproperlyConfigured("SITE_URL is not set: the public address of the site, e.g. https://www.practice.example")
# The name authenticator apps show next to the code: the site's host name.
OTP_TOTP_ISSUER = urlsplit(SITE_URL).hostname or "Practice website"
# Where new-booking alerts for the front desk go (a reference and an admin link only).
FRONT_DESK_EMAIL = env_str("FRONT_DESK_EMAIL")

# Keys that seal intake answers (clinic.encryption), newest first; comma-separated in INTAKE_KEYS,
# or one per line in the file INTAKE_KEYS_FILE (readable by the app only). Never in the database,
# never in its backups: keep a copy apart (README, "Intake answers and their keys").
INTAKE_KEYS = env_list("INTAKE_KEYS")
if not INTAKE_KEYS and env_str("INTAKE_KEYS_FILE"):
    try:
        INTAKE_KEYS = [line.strip() for line in Path(env_str("INTAKE_KEYS_FILE")).read_text().splitlines() if line.strip()]
    except OSError as error:
        raise ImproperlyConfigured(f"INTAKE_KEYS_FILE cannot be read: {error.strerror}.") from None

# How long practice details, hours and announcements stay cached at most.
# Saving any of them in the admin clears the cache at once.
SITE_CONTENT_CACHE_SECONDS = env_int("SITE_CONTENT_CACHE_SECONDS", 300)

# Cached patient pages served before sessions (clinic.page_cache): each process asks the shared
# cache whether content changed at most once every this many seconds (0: on every request), so a
# save in the admin shows to patients on every app server within that time.
PAGE_CACHE_CHECK_SECONDS = env_int("PAGE_CACHE_CHECK_SECONDS", 1)
if PAGE_CACHE_CHECK_SECONDS < 0:
    raise ImproperlyConfigured("PAGE_CACHE_CHECK_SECONDS must be 0 or more.")

# The practice's phone number for the error pages (500, 503) when neither the cache nor the
# process knows it: a server that started while Redis and PostgreSQL were both unreachable.
# Staff edit the number shown everywhere else in the admin.
PRACTICE_PHONE = env_str("PRACTICE_PHONE")
if PRACTICE_PHONE:
    try:
        PRACTICE_PHONE = normalise_phone(PRACTICE_PHONE)
    except ValidationError:
        raise ImproperlyConfigured(f"PRACTICE_PHONE must be a full phone number with area code, not {PRACTICE_PHONE!r}.") from None

# Online booking: each address may send the booking form this many times per window
# (counted in the cache: set REDIS_URL so the limit holds across app servers).
BOOKING_RATE_LIMIT = env_int("BOOKING_RATE_LIMIT", 10)
BOOKING_RATE_WINDOW_SECONDS = env_int("BOOKING_RATE_WINDOW_SECONDS", 600)
if BOOKING_RATE_LIMIT < 1 or BOOKING_RATE_WINDOW_SECONDS < 1:
    raise ImproperlyConfigured("BOOKING_RATE_LIMIT and BOOKING_RATE_WINDOW_SECONDS must be at least 1.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secret_paths": {"()": "clinic.log_filters.RedactSecretPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secret_paths"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request errors are logged with ids only; the default "django.request"
        # messages carry the path, which never holds patient data on this site.
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
