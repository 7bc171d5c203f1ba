import json

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The same escapes as Django's json_script: nothing in the data can close the <script>.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def jsonld(data) -> SafeString:
    """Render `data` as a JSON-LD block. Browsers never run it, so the CSP allows it."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', SafeString(text))


@register.filter
def time_range(block) -> str:
    """8:30 AM – 5:00 PM"""
    return f"{_clock(block.opens)} – {_clock(block.closes)}"


def _clock(value) -> str:
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    return f"{hour}:{value.minute:02d} {suffix}"


@register.simple_tag
def site_url(view_name, *args) -> str:
    """The full address of a page, for emails: SITE_URL and the page's path."""
    return settings.SITE_URL + reverse(view_name, args=args)
