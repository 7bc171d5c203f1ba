"""Rendering staff rich text: sanitised on save and again on output.

Saving already runs nh3 (see `services.models`), but text can reach the database
other ways (a data migration, a restore, the shell), so pages sanitise it again.
nh3 is fast and pages are cached, so this costs next to nothing.
"""

from django.utils.safestring import SafeString
from django_prose_editor.fields import create_sanitizer

from services.models import RICH_TEXT

_sanitize = create_sanitizer(RICH_TEXT["extensions"])


def render_rich_text(html: str) -> SafeString:
    # Safe to mark: nh3 has just removed everything outside the allow-list.
    return SafeString(_sanitize(html or ""))
