"""The front desk's daily notice of emails the outbox gave up on (admin index, appointment list)."""

from django import template
from django.urls import reverse

from appointments.front_desk import runs_the_front_desk
from appointments.models import OutboxMessage

register = template.Library()


@register.inclusion_tag("admin/includes/undelivered_emails.html", takes_context=True)
def undelivered_emails(context, as_panel=False, unless_start_page=False):
    """How many emails were abandoned, with a link to the list of them, for staff who may see the outbox.

    `as_panel`: in the start page's own section (which says so when there are none);
    `unless_start_page`: nothing for users who get the start page, where the panel says it."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.has_perm("appointments.view_outboxmessage"):
        return {"count": 0}
    if unless_start_page and runs_the_front_desk(user):
        return {"count": 0}
    return {
        "as_panel": as_panel,
        "count": OutboxMessage.objects.abandoned().count(),
        "url": reverse("admin:appointments_outboxmessage_changelist") + f"?status__exact={OutboxMessage.Status.ABANDONED}",
    }
