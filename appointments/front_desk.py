"""The front desk's start page (the admin index for that role): what the day holds and what
waits for someone to act, read in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.utils import timezone

from appointments.models import Appointment, Intake, TelehealthRequest
from clinic.hours import day_window
from clinic.phone import display_phone
from clinic.roles import FRONT_DESK

# The start page lists the first few of each; its links lead to the whole list.
LISTED = 10
# Visits whose intake needs a clinician's review are listed this many days ahead.
REVIEW_DAYS_AHEAD = 7


@dataclass
class StartPage:
    today: list[tuple[object, list[Appointment]]]  # (provider, their visits today in time order)
    to_confirm: list[Appointment]
    to_confirm_count: int
    to_call: list[TelehealthRequest]
    to_call_count: int
    # Visits of the coming days whose forms need a clinician (their reference and time: never why).
    to_review: list[Intake]


def runs_the_front_desk(user) -> bool:
    """Front desk staff, and superusers; never content editors (the page shows patients)."""
    if not getattr(user, "is_active", False) or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    return user.has_perm("appointments.view_appointment") and user.groups.filter(name=FRONT_DESK).exists()


def start_page(now: datetime) -> StartPage:
    today_starts, today_ends = day_window(timezone.localdate(now))
    visits = (
        Appointment.objects.exclude(status=Appointment.Status.CANCELLED)
        .filter(starts_at__gte=today_starts, starts_at__lt=today_ends)
        .select_related("provider", "visit_type")
        .order_by("provider__order", "provider__name", "provider_id", "starts_at")
    )
    requested = Appointment.objects.filter(status=Appointment.Status.REQUESTED, starts_at__gte=today_starts)
    to_call = TelehealthRequest.objects.open().order_by("created_at")
    calls = list(to_call[:LISTED])
    for request in calls:
        request.phone_display = display_phone(request.phone)
    return StartPage(
        today=[(provider, list(rows)) for provider, rows in groupby(visits, key=lambda visit: visit.provider)],
        to_confirm=list(requested.select_related("provider", "visit_type").order_by("starts_at")[:LISTED]),
        to_confirm_count=requested.count(),
        to_call=calls,
        to_call_count=to_call.count(),
        to_review=list(
            Intake.objects.needing_review()
            .filter(appointment__starts_at__gte=now, appointment__starts_at__lt=today_ends + timedelta(days=REVIEW_DAYS_AHEAD))
            .exclude(appointment__status=Appointment.Status.CANCELLED)
            .select_related("appointment__provider")
            .order_by("appointment__starts_at")[:LISTED]
        ),
    )
