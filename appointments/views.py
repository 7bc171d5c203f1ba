"""The booking flow (visit and place → provider and time → details → confirmation) and
the patient's own page for an appointment. Views are thin: forms check what the
browser sent, `appointments.booking` makes every change, and every step works as
plain links and forms, without JavaScript."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from appointments import antispam, booking
from appointments.availability import Slot, booking_window
from appointments.booking import BookingRefused, SlotUnavailable
from appointments.forms import NewTimeForm, PatientDetailsForm, TimeChoiceForm, WeekChoiceForm, WeekForm, start_value
from appointments.loader import load_slots, practice_hours, rules_for
from appointments.models import Appointment, BookingSettings, VisitType
from appointments.ratelimit import limit_posts
from clinic.page_cache import cached_patient_page
from services.models import Service

BOOKED_SESSION_KEY = "appointments:booked-appointment-id"
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email", "reason")
DAYS_SHOWN = 7
CONFIRMATION_SHOWN_FOR = timedelta(hours=2)


@dataclass(frozen=True)
class VisitSummary:
    """What the summary box shows: never the patient's own details."""

    visit_type: VisitType
    starts_at: datetime
    provider: object  # a Provider, or None for "first available"
    video: bool

    @classmethod
    def of(cls, appointment):
        return cls(appointment.visit_type, appointment.starts_at, appointment.provider, appointment.modality == Appointment.Modality.VIDEO)


@dataclass(frozen=True)
class TimeChoice:
    starts_at: datetime
    value: str  # what the button sends


@dataclass(frozen=True)
class DayOfTimes:
    day: date
    times: list[TimeChoice]
    closed_for: str  # a holiday's label when the practice is closed that day


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


def time_choices(slots) -> list[TimeChoice]:
    return [TimeChoice(slot.starts_at, start_value(slot.starts_at)) for slot in slots]


def week_of(first_day: date, today: date, last_day: date, slots: list[Slot]) -> Week:
    """The week from `first_day` with each day's times, and where the previous/next links go."""
    hours = practice_hours()
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    days = []
    for offset in range(DAYS_SHOWN):
        day = first_day + timedelta(days=offset)
        day_hours = hours.hours_on(day)
        closed_for = day_hours.holiday.label if day_hours.is_closed and day_hours.holiday else ""
        days.append(DayOfTimes(day, time_choices(by_day.get(day, [])), closed_for))
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


# --- Step 1: what and where -------------------------------------------------

@require_safe
@cached_patient_page
def book(request, service_slug=None):
    # No form token or session data on this page (the form is sent with GET), so it can be cached.
    service = get_object_or_404(Service.objects.published(), slug=service_slug) if service_slug else None
    mode = Appointment.Modality.VIDEO if request.GET.get("mode") == "video" else Appointment.Modality.IN_OFFICE
    visit_types = VisitType.objects.bookable()
    if mode == Appointment.Modality.VIDEO:
        # From "Book a video visit": only what can happen by video.
        visit_types = visit_types.filter(by_video=True)
    visit_types = list(visit_types)
    if service:
        visit_types.sort(key=lambda visit_type: visit_type.service_id != service.pk)
    chosen = request.GET.get("visit")
    if chosen not in {visit_type.slug for visit_type in visit_types}:
        first = visit_types[0] if visit_types else None
        chosen = first.slug if service and first and first.service_id == service.pk else None
    return render(
        request,
        "appointments/book.html",
        {"service": service, "visit_types": visit_types, "chosen_visit": chosen, "chosen_mode": mode, "modes": Appointment.Modality},
    )


# --- Step 2: provider and time ----------------------------------------------

@never_cache
@require_safe
def book_time(request):
    form = WeekChoiceForm(request.GET)
    if not form.is_valid():
        return choice_problem(request, form)
    visit_type, mode, provider_id = (form.cleaned_data[name] for name in ("visit", "mode", "provider"))
    now = timezone.now()
    today = timezone.localdate(now)
    settings = BookingSettings.load()
    last_day = booking_window(now, rules_for(visit_type, settings))[1]
    first_day = first_day_of_week(form.cleaned_data["week"], today, last_day)
    params = {"visit": visit_type.slug, "mode": mode, "provider": provider_id or "any"}
    if first_day is None:
        form.add_error("week", f"You can book online up to {settings.horizon_days} days ahead. Please choose an earlier week, or call us.")
        return choice_problem(request, form, back_url=flow_url("appointments:book_time", **params))
    slots = load_slots(visit_type, form.providers, first_day, DAYS_SHOWN, now, settings, merge=provider_id is None)
    return render(
        request,
        "appointments/book_time.html",
        {
            "visit_type": visit_type,
            "mode": mode,
            "mode_label": Appointment.Modality(mode).label,
            "providers": form.all_providers,
            "provider": form.providers[0] if provider_id else None,
            "provider_value": provider_id or "any",
            "week": week_of(first_day, today, last_day, slots),
            "change_url": flow_url("appointments:book", visit=visit_type.slug, mode=mode),
            "week_url": flow_url("appointments:book_time", **params) + "&week=",
        },
    )


# --- Step 3: the patient's details ------------------------------------------

def is_offered(choice, now) -> bool:
    """Whether the chosen time is among the free times shown on the time page right now."""
    visit_type, provider_id, starts_at = (choice.cleaned_data[name] for name in ("visit", "provider", "start"))
    day = timezone.localtime(starts_at).date()
    slots = load_slots(visit_type, choice.providers, day, 1, now, merge=provider_id is None)
    return any(slot.starts_at == starts_at for slot in slots)


@never_cache
@sensitive_post_parameters(*PATIENT_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("booking", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def book_details(request):
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    if posted and data.get("new_start"):
        # One of the "nearest free times" buttons: the same details, a new time.
        data = data.copy()
        data["start"] = data["new_start"]
    choice = TimeChoiceForm(data)
    form = PatientDetailsForm(request.POST if posted else None)
    nearest = []
    if not choice.is_valid():
        if not posted:
            return choice_problem(request, choice)
    elif not posted and not is_offered(choice, timezone.now()):
        choice.add_error("start", "That time is no longer free. Please choose another time.")
        return choice_problem(request, choice, back_url=time_page_url(choice))
    elif posted and form.is_valid():
        try:
            booked = booking.book(
                visit_type=choice.cleaned_data["visit"],
                modality=choice.cleaned_data["mode"],
                starts_at=choice.cleaned_data["start"],
                provider_id=choice.cleaned_data["provider"],
                patient=form.patient(),
            )
        except BookingRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        except SlotUnavailable as unavailable:
            form.add_error(None, unavailable.message)
            nearest = time_choices(unavailable.nearest)
        else:
            request.session[BOOKED_SESSION_KEY] = {"id": booked.appointment.pk, "at": timezone.now().timestamp()}
            return redirect("appointments:book_confirmed")
    return render(
        request,
        "appointments/book_details.html",
        {
            "choice": choice if not choice.errors else None,
            "summary": None if choice.errors else VisitSummary(
                choice.cleaned_data["visit"],
                choice.cleaned_data["start"],
                choice.providers[0] if choice.cleaned_data["provider"] else None,
                choice.cleaned_data["mode"] == Appointment.Modality.VIDEO,
            ),
            "choice_problems": [error for errors in choice.errors.values() for error in errors],
            "form": form,
            "form_stamp": antispam.stamp_to_render(request.POST.get("form_stamp")) if posted else antispam.new_form_stamp(),
            "nearest": nearest,
            "hidden": {name: data.get(name, "") for name in ("visit", "mode", "provider", "start")},
            "time_url": time_page_url(choice) if not choice.errors else reverse("appointments:book"),
        },
    )


def time_page_url(choice) -> str:
    data = choice.cleaned_data
    week = timezone.localtime(data["start"]).date().isoformat() if data.get("start") else None
    return flow_url("appointments:book_time", visit=data["visit"].slug, mode=data["mode"], provider=data["provider"] or "any", week=week)


@never_cache
@require_safe
def book_confirmed(request):
    booked = request.session.get(BOOKED_SESSION_KEY)
    booked = booked if isinstance(booked, dict) else {}
    appointment = None
    # Only for a while: on a shared computer the next person must not find it.
    if timezone.now().timestamp() - booked.get("at", 0) < CONFIRMATION_SHOWN_FOR.total_seconds():
        appointment = Appointment.objects.select_related("provider", "visit_type").filter(pk=booked.get("id")).first()
    if appointment is None:
        return redirect("appointments:book")
    return render(request, "appointments/book_confirmed.html", {
        "appointment": appointment,
        "summary": VisitSummary.of(appointment),
        "cutoff_hours": BookingSettings.load().cancellation_cutoff_hours,
    })


# --- The patient's own appointment ------------------------------------------

def appointment_for(token) -> Appointment:
    """The appointment of a manage link; an unknown or expired token is any other unknown address."""
    appointment = Appointment.from_manage_token(token)
    if appointment is None:
        raise Http404
    return appointment


@never_cache
@require_safe
def manage(request, token):
    appointment = appointment_for(token)
    settings = BookingSettings.load()
    return render(request, "appointments/manage.html", {
        "appointment": appointment,
        "summary": VisitSummary.of(appointment),
        "token": token,
        "can_change": booking.can_change_online(appointment),
        "cutoff_hours": settings.cancellation_cutoff_hours,
        # "" unless the video visit is confirmed: a requested visit never shows the link.
        "join_link": appointment.join_link(settings),
    })


@never_cache
@require_POST
def manage_cancel(request, token):
    appointment = appointment_for(token)
    try:
        booking.cancel(appointment, by_patient=True)
    except BookingRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Your appointment is cancelled. The time is free for someone else; we have emailed you to confirm.")
    return redirect("appointments:manage", token=token)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_reschedule(request, token):
    appointment = appointment_for(token)
    if not booking.can_change_online(appointment):
        return redirect("appointments:manage", token=token)
    problem, nearest = "", []
    if request.method == "POST":
        form = NewTimeForm(request.POST)
        if form.is_valid():
            try:
                booking.reschedule(appointment, starts_at=form.cleaned_data["start"])
            except BookingRefused as refusal:
                messages.error(request, refusal.message)
                return redirect("appointments:manage", token=token)
            except SlotUnavailable as unavailable:
                problem, nearest = unavailable.message, time_choices(unavailable.nearest)
            else:
                messages.success(request, "Your appointment has been moved to the new time. We have emailed you the details.")
                return redirect("appointments:manage", token=token)
        else:
            problem = form.errors["start"][0]
    return render(request, "appointments/manage_reschedule.html", {
        "appointment": appointment,
        "summary": VisitSummary.of(appointment),
        "token": token,
        "problem": problem,
        "nearest": nearest,
        "week": reschedule_week(request, appointment),
        "week_url": reverse("appointments:manage_reschedule", args=[token]) + "?week=",
    })


def reschedule_week(request, appointment) -> Week | None:
    """Free times for the same visit and place, the appointment's own time counted as free."""
    form = WeekForm(request.GET)
    asked = form.cleaned_data["week"] if form.is_valid() else None
    now = timezone.now()
    today = timezone.localdate(now)
    settings = BookingSettings.load()
    last_day = booking_window(now, rules_for(appointment.visit_type, settings))[1]
    first_day = first_day_of_week(asked, today, last_day) or today
    try:
        providers = booking.check_request(appointment.visit_type, appointment.modality, None)
    except BookingRefused:
        return None
    # booking.reschedule keeps the same provider when they are free; list times the same way.
    providers.sort(key=lambda provider: provider.pk != appointment.provider_id)
    slots = load_slots(
        appointment.visit_type, providers, first_day, DAYS_SHOWN, now, settings, merge=True, exclude_appointment_id=appointment.pk
    )
    slots = [slot for slot in slots if slot.starts_at != appointment.starts_at]
    return week_of(first_day, today, last_day, slots)
