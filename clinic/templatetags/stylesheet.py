from django import template

from clinic.stylesheet import allow_style, inline_stylesheet

register = template.Library()


@register.simple_tag(takes_context=True)
def inline_stylesheet_for(context, practice):
    """{% inline_stylesheet_for practice %}: the whole stylesheet with the practice's colours,
    allowed by the Content-Security-Policy through its hash (clinic.stylesheet)."""
    stylesheet = inline_stylesheet(practice)
    request = context.get("request")
    if request is not None:
        allow_style(request, stylesheet.csp_hash)
    return stylesheet.html
