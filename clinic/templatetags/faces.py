"""Pictures on the patient pages: responsive <img> tags for stored pictures (clinic.images), and the
designed stand-ins where none is uploaded (a provider's initials in the practice's colour)."""

from django import template
from django.utils.html import format_html

from clinic.models import Provider

register = template.Library()

# Where a provider's face appears: the CSS class, and how wide the page shows it (the `sizes` attribute,
# from which the browser picks the smallest stored copy that is sharp on its screen).
FACE_PLACES = {
    "team": ("provider-photo", "240px"),
    "page": ("provider-portrait", "160px"),
    "home": ("team-face", "96px"),
}


@register.simple_tag
def picture(picture, sizes, css_class, lazy=False):
    """An <img> for a `clinic.images.Picture`: every stored size in `srcset`, its size to reserve the space,
    its description as alt text. `lazy` for pictures below the first screen."""
    srcset = format_html(' srcset="{}" sizes="{}"', picture.srcset, sizes) if picture.widths else ""
    size = format_html(' width="{}" height="{}"', picture.width, picture.height) if picture.width else ""
    return format_html(
        '<img class="{}" src="{}"{}{} alt="{}"{} decoding="async">',
        css_class, picture.src, srcset, size, picture.alt, format_html(' loading="{}"', "lazy") if lazy else "",
    )


@register.simple_tag
def provider_face(provider, place, lazy=False):
    """The provider's photo, or their initials in the practice's colour where there is none (hidden from
    screen readers: the name is always beside it)."""
    css_class, sizes = FACE_PLACES[place]
    portrait = provider.portrait
    if portrait is None:
        return format_html('<span class="face-initials {}" aria-hidden="true">{}</span>', css_class, provider.initials)
    return picture(portrait, sizes, css_class, lazy=lazy)


@register.simple_tag
def logo_sizes(logo, height=48):
    """The `sizes` of the header's logo: shown `height` CSS pixels high (3rem), so as wide as its shape makes it."""
    return f"{round(height * logo.width / logo.height) if logo.height else height}px"


@register.inclusion_tag("clinic/includes/meet_the_team.html")
def meet_the_team():
    """The active providers' faces and names, for the home page."""
    return {"providers": Provider.objects.active()}
