"""The front desk's notice of good faith estimates overdue or due today (admin index, appointment list)."""

from django import template
from django.urls import reverse
from django.utils import timezone

from appointments.models import GoodFaithEstimate
from clinic.hours import PRACTICE_TIME_ZONE, day_window

register = template.Library()


@register.inclusion_tag("admin/includes/estimates_due.html", takes_context=True)
def estimates_due(context, now=None):
    """How many estimates are overdue and how many more are due by the end of today, for staff who may see them."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.has_perm("appointments.view_goodfaithestimate"):
        return {"overdue": 0, "today": 0}
    now = now or timezone.now()
    end_of_today = day_window(timezone.localtime(now, PRACTICE_TIME_ZONE).date())[1]
    waiting = GoodFaithEstimate.objects.to_prepare()
    changelist = reverse("admin:appointments_goodfaithestimate_changelist")
    return {
        "overdue": waiting.overdue(now).count(),
        "today": waiting.coming_due(now, end_of_today).count(),
        "overdue_url": f"{changelist}?due=overdue",
        "today_url": f"{changelist}?due=today",
    }
