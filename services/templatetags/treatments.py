from django import template

from services.models import Service

register = template.Library()


@register.inclusion_tag("services/includes/treatment_cards.html")
def treatment_cards(heading_level=3):
    """The published treatments as cards, for pages of other apps (the home page)."""
    return {"services": Service.objects.published(), "heading_level": heading_level}
