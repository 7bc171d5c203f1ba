"""The front desk's daily actions on an appointment's own page: confirm, check in, completed,
no-show and cancel as buttons, and moving the visit by picking one of the provider's free times.

Each button is a small form of its own (POST, with the CSRF token) above the appointment's
form, so that pressing Enter in the appointment's form can never run one of them. Each action
is one function of `appointments.booking`, which sends the email of that change; this module
only turns its refusals into messages.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from appointments import booking
from appointments.booking import BookingRefused, SlotUnavailable
from appointments.models import Appointment, BookingSettings, Intake
from clinic.hours import PRACTICE_TIME_ZONE

# How many days of free times the page shows at once ("Later times" shows the next ones).
FREE_TIME_DAYS = 7
# Free times further ahead than this are not looked for (online booking's horizon is shorter anyway).
MAX_DAYS_AHEAD = 730


def warn_if_no_way_to_join(model_admin, request, appointment: Appointment):
    """A confirmed video visit with no link to join (no video room address in the booking settings
    and no link of its own): the patient was told the link will follow, so staff must give one."""
    if appointment.modality == Appointment.Modality.VIDEO and appointment.status == Appointment.Status.CONFIRMED \
            and not appointment.join_link():
        model_admin.message_user(
            request,
            f"Video visit {appointment.reference} has no link to join: there is no video room address in the booking "
            "settings and the visit has no link of its own. The patient was told the link will follow: give the visit "
            "its own link on its page (the patient is emailed it), or set the video room address.",
            messages.WARNING,
        )


@dataclass(frozen=True)
class DailyAction:
    name: str
    label: str
    what_happens: str  # said next to the button: who is told
    done: str  # for the message: "Appointment ABC123 {done}."

    def run(self, appointment: Appointment, now: datetime):
        if self.name == "confirm":
            return booking.confirm(appointment, now=now)
        if self.name == "check_in":
            return booking.check_in(appointment, now=now)
        if self.name == "completed":
            return booking.record_outcome(appointment, Appointment.Status.COMPLETED, now=now)
        if self.name == "no_show":
            return booking.record_outcome(appointment, Appointment.Status.NO_SHOW, now=now)
        if self.name == "cancel":
            return booking.cancel(appointment, by_patient=False, now=now)
        if self.name == "cancel_rest":
            return booking.cancel_rest_of_series(appointment, by_patient=False, now=now)
        raise ValueError(self.name)

    def is_offered(self, appointment: Appointment, now: datetime) -> bool:
        """Whether the button is shown: the booking function still has the last word."""
        active_not_over = appointment.is_active and not appointment.is_over(now)
        if self.name == "confirm":
            return appointment.status == Appointment.Status.REQUESTED and active_not_over
        if self.name == "check_in":
            on_its_day = (timezone.localtime(appointment.starts_at, PRACTICE_TIME_ZONE).date()
                          == timezone.localtime(now, PRACTICE_TIME_ZONE).date())
            return appointment.status == Appointment.Status.CONFIRMED and appointment.checked_in_at is None and on_its_day
        if self.name in ("completed", "no_show"):
            return appointment.is_active and appointment.has_started(now)
        if self.name == "cancel":
            return active_not_over
        if self.name == "cancel_rest":  # only where it does more than "Cancel the visit"
            return active_not_over and appointment.series_id is not None and Appointment.objects.active().filter(
                series_id=appointment.series_id, starts_at__gt=appointment.starts_at).exists()
        return False


DAILY_ACTIONS = [
    DailyAction("confirm", "Confirm", "emails the patient the confirmation", "is confirmed: the patient is emailed"),
    DailyAction("check_in", "Check in", "the patient has arrived; no email", "is checked in"),
    DailyAction("completed", "Completed", "the patient came; no email", "is marked completed"),
    DailyAction("no_show", "No-show", "the patient did not come; no email", "is marked no-show"),
    DailyAction("cancel", "Cancel the visit", "emails the patient that it is cancelled", "is cancelled: the patient is emailed"),
    DailyAction("cancel_rest", "Cancel this visit and the rest of the series",
                "cancels every later visit of the series too; one email to the patient lists them",
                "and the later visits of its series are cancelled: the patient is emailed one list"),
]
ACTIONS_BY_NAME = {action.name: action for action in DAILY_ACTIONS}


def day_from_the_address(value: str, today: date) -> date:
    """The first day of free times asked for (?times_from=YYYY-MM-DD); today for anything else."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return today
    return day if today <= day <= today + timedelta(days=MAX_DAYS_AHEAD) else today


def warn_if_waiting_for_a_clinician(model_admin, request, appointment):
    """At check-in: a safety answer in the forms that no clinician has reviewed yet, or a review that
    asked for a call, must reach the clinician before the treatment (never what the answer was)."""
    review = Intake.objects.filter(appointment=appointment).values_list("review", flat=True).first()
    if review in (Intake.Review.NEEDS_REVIEW, Intake.Review.CALL):
        model_admin.message_user(
            request,
            f"Before the treatment: the forms of {appointment.reference} say “{Intake.Review(review).label}”. "
            "Tell the clinician now.",
            messages.WARNING,
        )


class DailyActionsAdmin:
    """Mixed into the appointment admin: the buttons and free times on the change page, and the two addresses they post to."""

    def get_urls(self):
        action_view = self.admin_site.admin_view(self.daily_action_view)
        move_view = self.admin_site.admin_view(self.move_to_free_time_view)
        return [
            path("<path:object_id>/do/<str:action>/", action_view, name="appointments_appointment_daily_action"),
            path("<path:object_id>/move-to/", move_view, name="appointments_appointment_move_to"),
            *super().get_urls(),
        ]

    def _appointment_to_change(self, request, object_id) -> Appointment | None:
        appointment = self.get_object(request, object_id) if str(object_id).isascii() and str(object_id).isdigit() else None
        if appointment is None:
            if not self.has_view_or_change_permission(request):
                raise PermissionDenied
            return None
        if not self.has_change_permission(request, appointment):
            raise PermissionDenied
        return appointment

    def _back_to(self, appointment):
        return redirect(reverse("admin:appointments_appointment_change", args=[appointment.pk]))

    def daily_action_view(self, request, object_id, action):
        appointment = self._appointment_to_change(request, object_id)
        if appointment is None:
            self.message_user(request, "That appointment does not exist (any more).", messages.WARNING)
            return redirect("admin:appointments_appointment_changelist")
        chosen = ACTIONS_BY_NAME.get(action)
        if request.method != "POST" or chosen is None:
            return self._back_to(appointment)
        try:
            chosen.run(appointment, timezone.now())
        except BookingRefused as refusal:
            self.message_user(request, refusal.message, messages.WARNING)
        else:
            self.message_user(request, f"Appointment {appointment.reference} {chosen.done}.", messages.SUCCESS)
            appointment.refresh_from_db()
            warn_if_no_way_to_join(self, request, appointment)
            if chosen.name == "check_in":
                warn_if_waiting_for_a_clinician(self, request, appointment)
        return self._back_to(appointment)

    def move_to_free_time_view(self, request, object_id):
        appointment = self._appointment_to_change(request, object_id)
        if appointment is None:
            self.message_user(request, "That appointment does not exist (any more).", messages.WARNING)
            return redirect("admin:appointments_appointment_changelist")
        if request.method != "POST":
            return self._back_to(appointment)
        try:
            starts_at = datetime.fromisoformat(request.POST.get("starts_at", ""))
        except ValueError:
            starts_at = None
        if starts_at is None or starts_at.tzinfo is None:
            self.message_user(request, "Please pick one of the free times shown.", messages.WARNING)
            return self._back_to(appointment)
        try:
            moved = booking.move(appointment, starts_at=starts_at, by_patient=False)
        except (BookingRefused, SlotUnavailable) as refusal:
            self.message_user(request, f"{refusal.message} Please pick another time.", messages.WARNING)
        else:
            when = date_format(timezone.localtime(moved.starts_at, PRACTICE_TIME_ZONE), "l, F j \\a\\t g:i A")
            self.message_user(
                request, f"Appointment {moved.reference} moved to {when}, with {moved.provider}: the patient is emailed the new time.",
                messages.SUCCESS,
            )
        return self._back_to(appointment)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(self.daily_actions_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def daily_actions_context(self, request, appointment: Appointment) -> dict:
        """What the change page shows above the form: the buttons that apply now, and the free times."""
        if appointment is None or not self.has_change_permission(request, appointment):
            return {}
        now = timezone.now()
        context = {"daily_actions": [
            (action, reverse("admin:appointments_appointment_daily_action", args=[appointment.pk, action.name]))
            for action in DAILY_ACTIONS if action.is_offered(appointment, now)
        ]}
        if appointment.is_active and not appointment.is_over(now):
            context.update(self.free_times_context(request, appointment, now))
        return context

    def free_times_context(self, request, appointment, now) -> dict:
        today = timezone.localtime(now, PRACTICE_TIME_ZONE).date()
        first_day = day_from_the_address(request.GET.get("times_from", ""), today)
        slots = booking.times_to_move_to(appointment, first_day, FREE_TIME_DAYS, now, BookingSettings.load())
        by_day = [
            (date_format(day, "l, F j"), [
                (slot.starts_at.isoformat(), f"{timezone.localtime(slot.starts_at, PRACTICE_TIME_ZONE):%-I:%M %p}")
                for slot in day_slots
            ])
            for day, day_slots in groupby(slots, key=lambda slot: timezone.localtime(slot.starts_at, PRACTICE_TIME_ZONE).date())
        ]
        last_day = first_day + timedelta(days=FREE_TIME_DAYS - 1)
        return {
            "free_times": by_day,
            "free_times_span": f"{date_format(first_day, 'l, F j')} to {date_format(last_day, 'l, F j')}",
            "move_url": reverse("admin:appointments_appointment_move_to", args=[appointment.pk]),
            "later_times_query": f"?times_from={last_day + timedelta(days=1):%Y-%m-%d}",
            "earlier_times_query": f"?times_from={max(today, first_day - timedelta(days=FREE_TIME_DAYS)):%Y-%m-%d}"
            if first_day > today else "",
        }
