"""What the steps of the booking flow (and the manage and telehealth pages) share: the
week of free times, the summary box, links between steps, the page for a bad address,
and remembering for a while what this browser has just booked or sent."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from appointments import antispam
from appointments.availability import Slot
from appointments.forms.booking import start_value
from appointments.loader import practice_hours
from appointments.models import Appointment, VisitType
from clinic.hours import PRACTICE_TIME_ZONE
from clinic.us_states import STATE_NAMES

DAYS_SHOWN = 7
NOON = 12  # times from this hour on are "afternoon"
# The confirmation pages show what was booked or sent only this long after (a shared computer).
CONFIRMATION_SHOWN_FOR = timedelta(hours=2)


@dataclass(frozen=True)
class VisitSummary:
    """What the summary box shows: never the patient's own details."""

    visit_type: VisitType
    starts_at: datetime
    provider: object  # a Provider, or None for "first available"
    video: bool
    state: str = ""  # a video visit: where the patient will be (a two-letter code), if known

    @classmethod
    def of(cls, appointment):
        video = appointment.modality == Appointment.Modality.VIDEO
        return cls(appointment.visit_type, appointment.starts_at, appointment.provider, video, appointment.patient_state if video else "")

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, "")


def clock_label(moment: datetime) -> str:
    """9:00 AM, 1:30 PM on the practice's clock: what `|time:"g:i A"` shows, formatted once per time
    in plain Python (the template filter, once per button, was most of the time page's cost)."""
    local = moment.astimezone(PRACTICE_TIME_ZONE)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < NOON else 'PM'}"


@dataclass(frozen=True)
class TimeChoice:
    starts_at: datetime
    value: str  # what the button sends
    soon: bool = False  # inside the cancellation cut-off: changeable online only briefly (`booking.is_soon`)

    @cached_property
    def label(self) -> str:
        return clock_label(self.starts_at)

    @cached_property
    def is_afternoon(self) -> bool:
        return self.starts_at.astimezone(PRACTICE_TIME_ZONE).hour >= NOON


@dataclass(frozen=True)
class DayOfTimes:
    day: date
    times: list[TimeChoice]
    closed_for: str  # a holiday's label when the practice is closed that day

    @property
    def morning(self):
        return [choice for choice in self.times if not choice.is_afternoon]

    @property
    def afternoon(self):
        return [choice for choice in self.times if choice.is_afternoon]

    @cached_property
    def parts(self):
        return [("Morning", self.morning), ("Afternoon", self.afternoon)]

    @cached_property
    def label(self) -> str:
        """Monday, December 7: formatted once for the day, not once per time button."""
        return format_date(self.day, "l, F j")

    @cached_property
    def iso(self) -> str:
        return self.day.isoformat()


@dataclass(frozen=True)
class Week:
    first_day: date
    previous_day: date | None
    next_day: date | None
    days: list[DayOfTimes]

    @property
    def last_day(self):
        return self.first_day + timedelta(days=DAYS_SHOWN - 1)

    @property
    def has_times(self):
        return any(day.times for day in self.days)

    @property
    def has_soon_times(self):
        return any(choice.soon for day in self.days for choice in day.times)

    def day_to_show(self, asked: date | None) -> DayOfTimes:
        """The day whose times the page shows in full: the one asked for when it has free
        times, else the first day that has some (else the first day)."""
        with_times = [day for day in self.days if day.times]
        asked_day = next((day for day in with_times if day.day == asked), None)
        return asked_day or (with_times or self.days)[0]


@dataclass(frozen=True)
class SoonNote:
    """What a patient is told about a visit inside the cancellation cut-off (templates/appointments/includes/soon_note.html)."""

    changes_close_at: datetime
    cutoff_hours: int
    needs_confirming: bool  # the front desk confirms it, and may not manage before the visit

    @classmethod
    def of(cls, starts_at, booked_at, settings, needs_confirming):
        """The note for a visit at `starts_at` booked (or about to be) at `booked_at`; None when it is not soon."""
        if not settings.is_soon(starts_at, booked_at):
            return None
        return cls(settings.online_changes_close_at(starts_at, booked_at), settings.cancellation_cutoff_hours, needs_confirming)

    @classmethod
    def of_appointment(cls, appointment, settings):
        return cls.of(
            appointment.starts_at, appointment.created_at, settings, appointment.status == Appointment.Status.REQUESTED
        )


def time_choices(slots, soon_before: datetime | None = None) -> list[TimeChoice]:
    """Buttons for `slots`; those starting before `soon_before` (now + the cancellation cut-off) are marked soon."""
    return [
        TimeChoice(slot.starts_at, start_value(slot.starts_at), soon=soon_before is not None and slot.starts_at < soon_before)
        for slot in slots
    ]


def week_of(first_day: date, today: date, last_day: date, slots: list[Slot], soon_before: datetime | None = None, hours=None) -> Week:
    """The week from `first_day` with each day's times (marked soon before `soon_before`), and where the previous/next links go.
    `hours`: the practice's hours when the caller has them."""
    hours = hours or practice_hours()
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    days = []
    for offset in range(DAYS_SHOWN):
        day = first_day + timedelta(days=offset)
        day_hours = hours.hours_on(day)
        closed_for = day_hours.holiday.label if day_hours.is_closed and day_hours.holiday else ""
        days.append(DayOfTimes(day, time_choices(by_day.get(day, []), soon_before), closed_for))
    previous_day = max(first_day - timedelta(days=DAYS_SHOWN), today) if first_day > today else None
    next_day = first_day + timedelta(days=DAYS_SHOWN)
    return Week(first_day, previous_day, next_day if next_day <= last_day else None, days)


def first_day_of_week(asked: date | None, today: date, last_day: date) -> date | None:
    """The week asked for, from today at the earliest; None when it is beyond the horizon."""
    first_day = max(asked or today, today)
    return first_day if first_day <= last_day else None


def flow_url(name: str, **params) -> str:
    """A URL of the booking flow with its query string (visit, mode, provider, week...)."""
    return f"{reverse(name)}?{urlencode({key: value for key, value in params.items() if value is not None})}"


def choice_problem(request, form, back_url=None):
    """A friendly page for values in the address that are missing, out of date or tampered with."""
    problems = [error for errors in form.errors.values() for error in errors]
    return render(
        request,
        "appointments/booking_problem.html",
        {"problems": problems, "back_url": back_url or reverse("appointments:book")},
        status=400,
    )


def remember_for_a_while(request, key: str, record):
    """Keep the id of what this browser just booked or sent, for its confirmation page.
    Only the id, in the session: nothing about the patient travels in an address."""
    request.session[key] = {"id": record.pk, "at": timezone.now().timestamp()}


def recall(request, key: str, queryset):
    """What `remember_for_a_while` kept, or None once it is older than CONFIRMATION_SHOWN_FOR:
    on a shared computer the next person must not find it."""
    remembered = request.session.get(key)
    remembered = remembered if isinstance(remembered, dict) else {}
    if timezone.now().timestamp() - remembered.get("at", 0) >= CONFIRMATION_SHOWN_FOR.total_seconds():
        return None
    return queryset.filter(pk=remembered.get("id")).first()


def request_form_page(request, form, template: str, save, *, refusal=(), session_key: str, sent_url: str):
    """A patient's request form (a call back, an estimate, help): sent valid, `save(form)` saves it
    once (sent twice, it returns what it saved) and the browser goes to the thank-you page, which
    finds it through the session; `refusal` (an exception with `message` and `field`) becomes a
    message on the form. Otherwise the form again, everything typed kept, with its form stamp."""
    posted = request.method == "POST"
    if posted and form.is_valid():
        try:
            saved = save(form)
        except refusal as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            remember_for_a_while(request, session_key, saved)
            return redirect(sent_url)
    stamp = antispam.stamp_to_render(request, request.POST.get("form_stamp")) if posted else antispam.new_form_stamp(request)
    return render(request, template, {"form": form, "form_stamp": stamp})
