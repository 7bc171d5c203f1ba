"""The front desk's daily notice of emails the outbox gave up on (admin index, appointment list)."""

from django import template
from django.urls import reverse

from appointments.models import OutboxMessage

register = template.Library()


@register.inclusion_tag("admin/includes/undelivered_emails.html", takes_context=True)
def undelivered_emails(context):
    """How many emails were abandoned, with a link to the list of them, for staff who may see the outbox."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.has_perm("appointments.view_outboxmessage"):
        return {"count": 0}
    return {
        "count": OutboxMessage.objects.abandoned().count(),
        "url": reverse("admin:appointments_outboxmessage_changelist") + f"?status__exact={OutboxMessage.Status.ABANDONED}",
    }
