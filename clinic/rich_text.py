"""Rich text that staff write without HTML skills: one definition for every app.

Fields made with `rich_text_field` show django-prose-editor in the admin (bold, italic,
lists, headings, links: nothing else). nh3 cleans the HTML when a row is saved
(`sanitize_rich_text`, called from the model's save, whatever saves it), and pages
clean it again when they render it (`render_rich_text`, the `rich_text` template
filter): text can reach the database other ways (a data migration, a restore, the
shell). nh3 is fast and pages are cached, so this costs next to nothing.
"""

from django.utils.safestring import SafeString
from django_prose_editor.fields import ProseEditorField, create_sanitizer

# What staff may use in rich text. The editor offers exactly this, and nh3 removes
# everything else on save: no scripts, event handlers, styles or javascript: links.
RICH_TEXT = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Heading": {"levels": [3, 4]},
        "Link": {"enableTarget": False, "protocols": ["https", "http", "mailto", "tel"]},
        "HardBreak": True,
    }
}

_sanitize = create_sanitizer(RICH_TEXT["extensions"])


def rich_text_field(verbose_name, help_text, blank=True):
    return ProseEditorField(verbose_name, config=RICH_TEXT, sanitize=True, blank=blank, help_text=help_text)


def sanitize_rich_text(instance):
    """Run nh3 over every rich-text field, whatever saves the row (admin, shell, demo loader)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, ProseEditorField):
            setattr(instance, field.attname, field.sanitize(getattr(instance, field.attname) or ""))


def render_rich_text(html: str) -> SafeString:
    # Safe to mark: nh3 has just removed everything outside the allow-list.
    return SafeString(_sanitize(html or ""))
