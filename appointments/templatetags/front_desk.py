"""The front desk's start page on the admin index (templates/admin/index.html)."""

from django import template
from django.urls import reverse
from django.utils import timezone

from appointments.audit import record_list_view
from appointments.front_desk import runs_the_front_desk, start_page
from appointments.models import Appointment, TelehealthRequest

register = template.Library()


@register.inclusion_tag("admin/includes/front_desk_start.html", takes_context=True)
def front_desk_start(context):
    """Today's visits, bookings to confirm and telehealth requests to call, for the front desk
    and superusers only: everyone else's index shows no patient."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not runs_the_front_desk(user):
        return {"shown": False}
    page = start_page(timezone.now())
    # The page lists patients: the audit trail records who saw which (appointments.audit).
    record_list_view(
        request, "Front desk start page",
        appointments=[*(visit for _, visits in page.today for visit in visits), *page.to_confirm,
                      *(intake.appointment for intake in page.to_review)],
        telehealth_requests=page.to_call,
    )
    return {
        "shown": True,
        "request": request,
        "page": page,
        "calendar_url": reverse("admin:appointments_appointment_calendar"),
        "day_schedule_url": reverse("admin:appointments_appointment_day"),
        "to_confirm_url": reverse("admin:appointments_appointment_changelist") + f"?status__exact={Appointment.Status.REQUESTED}",
        "to_call_url": reverse("admin:appointments_telehealthrequest_changelist"),
        "may_see_requests": user.has_perm("appointments.view_telehealthrequest"),
        "may_see_intakes": user.has_perm("appointments.view_intake"),
        "intakes_to_review_url": reverse("admin:appointments_intake_changelist") + "?status=needs_review",
        "statuses": TelehealthRequest.Status,
    }
