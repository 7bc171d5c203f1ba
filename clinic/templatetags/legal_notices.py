"""The admin home's warning when a notice the law requires has no text in effect.

The footer of every page links all six notices; a notice with no version in effect answers
"not found" to patients. The demo (`make run`) writes sample texts; a practice set up without
it must add its own, and this says which are missing until they do.
"""

from django import template
from django.urls import reverse

from clinic.models import LegalNotice
from clinic.models.legal import practice_today

register = template.Library()


@register.inclusion_tag("admin/includes/missing_notices.html", takes_context=True)
def missing_legal_notices(context):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.has_perm("clinic.view_legalnotice"):
        return {"missing": []}
    in_effect = set(
        LegalNotice.objects.filter(versions__effective_date__lte=practice_today()).values_list("slug", flat=True)
    )
    missing = [label for slug, label in LegalNotice.Kind.choices if slug not in in_effect]
    return {"missing": missing, "url": reverse("admin:clinic_legalnotice_changelist")}
