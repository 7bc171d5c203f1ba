import base64
import hashlib
import re

import csp.middleware
from csp.utils import build_policy
from django.conf import settings
from django.urls import reverse
from django.utils.functional import cached_property


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

    @cached_property
    def site_policy(self) -> str:
        return build_policy()

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
            response["Content-Security-Policy"] = self.site_policy
        return response
