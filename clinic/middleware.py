import base64
import hashlib
import re
import time

import auditlog.middleware
import csp.middleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property

from clinic import page_cache
from clinic.compression import accepts_gzip
from clinic.client_ip import client_ip


class ExtraSecurityHeadersMiddleware:
    """Headers Django does not set itself: our resources are for this site only,
    and no page may use the camera, microphone or location."""

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response


class CachedPageMiddleware:
    """Cached patient pages, served before sessions, authentication and the view (clinic.page_cache).

    Only GET/HEAD without a query string or a session cookie; everything else goes on through
    the whole site. The middleware above it (security headers, X-Frame-Options, CSP) still
    processes every answer it gives, the 304s included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = page_cache.fast_path_response(request)
        return response if response is not None else self.get_response(request)


class CompressTextMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (random padding against BREACH, see clinic.page_cache) for text
    only: photos and PDFs are compressed already, and gzipping them again costs CPU for nothing."""

    TEXT_TYPES = re.compile(r"^(text/|application/(json|ld\+json|javascript|xml)|image/svg\+xml)")

    def process_response(self, request, response):
        if not self.TEXT_TYPES.match(response.get("Content-Type", "")):
            return response
        if not accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            # Django's own check finds the word "gzip" even in "gzip;q=0", which refuses it.
            if not response.has_header("Content-Encoding"):
                patch_vary_headers(response, ("Accept-Encoding",))
            return response
        return super().process_response(request, response)


# The editor's JavaScript (tiptap) adds its base stylesheet as a <style> element.
# This is the hash of that stylesheet in django-prose-editor 0.28.0; after an
# upgrade the browser tests report a CSP error on admin pages with the new hash.
PROSE_EDITOR_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the site-wide policy built once, not on every response.

    Building the header takes about a third of the time of serving a cached page.
    Any response that a view customised (csp_update, csp_exempt, ...) or that used a
    nonce goes through django-csp's own code, as does DEBUG mode.
    """

    PER_RESPONSE_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt", "_csp_config_ro",
                               "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    MAX_CACHED_POLICIES = 64

    @cached_property
    def site_policy(self) -> str:
        return build_policy()

    @cached_property
    def policies_with_styles(self) -> dict[tuple[str, ...], str]:
        return {}

    def policy_allowing(self, style_hashes: tuple[str, ...]) -> str:
        """The site-wide policy with the page's inline stylesheet(s) allowed by hash
        (clinic.stylesheet records them on the request), built once per set of hashes."""
        policy = self.policies_with_styles.get(style_hashes)
        if policy is None:
            if len(self.policies_with_styles) >= self.MAX_CACHED_POLICIES:
                self.policies_with_styles.clear()  # old brand colours or stylesheets
            policy = build_policy(update={"style-src": list(style_hashes)})
            self.policies_with_styles[style_hashes] = policy
        return policy

    def get_policy_parts(self, request, response, report_only=False):
        """django-csp's own path (customised responses, DEBUG) allows the inline stylesheet too."""
        parts = super().get_policy_parts(request, response, report_only)
        style_hashes = getattr(request, "csp_style_hashes", ())
        if style_hashes:
            update = dict(parts.update or {})
            existing = update.get("style-src") or []
            update["style-src"] = [*([existing] if isinstance(existing, str) else existing), *style_hashes]
            parts.update = update
        return parts

    @cached_property
    def admin_prefix(self) -> str:
        return reverse("admin:index")

    @cached_property
    def admin_script_hashes(self) -> list[str]:
        """The one inline script the admin needs: the rich-text editor's import map.

        Allowed by the hash of the import map the editor really renders (it holds
        static URLs, whose hashed names change with every release), never by
        'unsafe-inline', and only on admin pages.
        """
        from django_prose_editor.widgets import prose_editor_admin_media

        maps = re.findall(r'<script type="importmap">(.*?)</script>', str(prose_editor_admin_media), re.S)
        return [f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'" for text in maps]

    @cached_property
    def policy_is_the_same_everywhere(self) -> bool:
        excluded = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES")
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        return not (settings.DEBUG or excluded or report_only)

    def process_response(self, request, response):
        if request.path.startswith(self.admin_prefix) and not hasattr(response, "_csp_update"):
            response._csp_update = {"script-src": self.admin_script_hashes, "style-src": [PROSE_EDITOR_STYLE_HASH]}
        customised = any(hasattr(response, name) for name in self.PER_RESPONSE_ATTRIBUTES)
        if customised or not self.policy_is_the_same_everywhere or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        if "Content-Security-Policy" not in response:
            style_hashes = getattr(request, "csp_style_hashes", ())
            response["Content-Security-Policy"] = self.policy_allowing(style_hashes) if style_hashes else self.site_policy
        return response


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """django-auditlog's middleware: audit entries written during a request name the staff
    member who made it.

    Two changes to the library's own: the address recorded is the one django-axes uses
    (`clinic.client_ip`, which trusts only our own proxies, where the library believes
    the left-most X-Forwarded-For entry, which anyone can write), and it is recorded for
    signed-in staff only. Patients booking online are not staff: their entries have no
    actor and no address, so the trail holds no patient's IP address.
    """

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            # No actor and no address to record: skip the library's per-request set-up
            # (it connects signal handlers), which patient pages would pay for on every hit.
            return self.get_response(request)
        return super().__call__(request)

    def get_extra_data(self, request):
        actor = self._get_actor(request)
        if actor is None or not actor.is_staff:
            return {"actor": None, "remote_addr": None, "remote_port": None}
        address = None if settings.AUDITLOG_DISABLE_REMOTE_ADDR else client_ip(request) or None
        return {"actor": actor, "remote_addr": address, "remote_port": None}


class StaffIdleTimeoutMiddleware:
    """Signs staff out of the admin after STAFF_IDLE_TIMEOUT_MINUTES without a request.

    A shared front-desk computer left signed in would otherwise show patient records to
    whoever sits down next. The time of the last admin request is kept in the session
    (written at most once a minute, not on every request); the next admin request after
    the limit signs out and goes to the login page with a message. Only admin pages
    count: they are where staff work, and public pages need no signed-in user.
    """

    SESSION_KEY = "staff_last_activity"
    WRITE_EVERY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def admin_prefix(self) -> str:
        return reverse("admin:index")

    def __call__(self, request):
        if request.path.startswith(self.admin_prefix) and request.user.is_authenticated and request.user.is_staff:
            now = time.time()
            last_activity = request.session.get(self.SESSION_KEY)
            if last_activity is not None and now - last_activity > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.STAFF_IDLE_TIMEOUT_MINUTES} minutes without activity, "
                    "to keep patient details private. Please sign in again.",
                )
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if last_activity is None or now - last_activity >= self.WRITE_EVERY_SECONDS:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)
