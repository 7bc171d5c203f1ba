"""The patient's own appointment, from the link in their emails: see it, cancel it, move it.
An unknown or expired link is any other unknown address (404); cancelling is a POST from
this page's confirmation step (a GET asks, only its POST cancels), never a link a mail scanner
could follow."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from appointments import booking, estimates
from appointments import intake as intakes
from appointments.availability import booking_window
from appointments.booking import BookingRefused, SlotUnavailable
from appointments.forms.booking import NewTimeForm, WeekForm
from appointments.loader import rules_for
from appointments.models import Appointment, BookingSettings
from appointments.views.flow import DAYS_SHOWN, SoonNote, VisitSummary, Week, first_day_of_week, time_choices, week_of


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
        "can_change": booking.can_change_online(appointment, settings=settings),
        "cutoff_hours": settings.cancellation_cutoff_hours,
        "soon": SoonNote.of_appointment(appointment, settings),
        # "" unless the video visit is confirmed: a requested visit never shows the link.
        "join_link": appointment.join_link(settings),
        "estimate": estimates.current_for(appointment),
        # The forms before the visit ("" when there are none to fill in online).
        "intake_offer": intakes.offer_for(appointment),
        **series_context(appointment, settings),
    })


def series_context(appointment, settings) -> dict:
    """A visit of a series: every visit of it, each with its own page's address while it is not over
    (the series' one link shows them all), and whether the rest can be cancelled online."""
    if not appointment.series_id:
        return {}
    now = timezone.now()
    visits = list(appointment.series.visits.select_related("provider", "visit_type").order_by("starts_at"))
    rest = rest_to_cancel(appointment, visits, now, settings)
    return {
        "series_visits": [
            {"visit": visit, "is_this_one": visit.pk == appointment.pk,
             "url": "" if visit.is_over(now) or visit.pk == appointment.pk
             else reverse("appointments:manage", kwargs={"token": visit.manage_token()})}
            for visit in visits
        ],
        "rest_to_cancel": len(rest) if len(rest) > 1 else 0,
    }


def rest_to_cancel(appointment, visits, now, settings) -> list[Appointment]:
    """Of a series' `visits`, this one and the later ones the patient may still cancel online."""
    return [visit for visit in visits if visit.starts_at >= appointment.starts_at and visit.is_active
            and booking.can_change_online(visit, now, settings)]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_cancel_rest(request, token):
    """This visit and the later ones of its series, in one go (booking.cancel_rest_of_series): a GET
    lists them and asks, the POST cancels."""
    appointment = appointment_for(token)
    if request.method != "POST":
        visits = []
        if appointment.series_id:
            series = appointment.series.visits.select_related("provider").order_by("starts_at")
            visits = rest_to_cancel(appointment, series, timezone.now(), BookingSettings.load())
        if len(visits) < 2:  # nothing more than "Cancel this appointment" would do: the page offers no such button
            return redirect("appointments:manage", token=token)
        return render(request, "appointments/manage_cancel.html", {
            "appointment": appointment, "token": token, "visits": visits,
            "action": reverse("appointments:manage_cancel_rest", kwargs={"token": token}),
        })
    try:
        cancelled = booking.cancel_rest_of_series(appointment, by_patient=True)
    except BookingRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{len(cancelled)} visits are cancelled. The times are free for someone else; "
                                  "we have emailed you to confirm.")
    return redirect("appointments:manage", token=token)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_cancel(request, token):
    """A GET asks first (what is cancelled, "Yes, cancel" and "No, keep it"); the POST cancels."""
    appointment = appointment_for(token)
    if request.method != "POST":
        if not booking.can_change_online(appointment):
            return redirect("appointments:manage", token=token)
        return render(request, "appointments/manage_cancel.html", {
            "appointment": appointment, "token": token, "summary": VisitSummary.of(appointment),
            "action": reverse("appointments:manage_cancel", kwargs={"token": token}),
        })
    try:
        booking.cancel(appointment, by_patient=True)
    except BookingRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Your appointment is cancelled. The time is free for someone else; we have emailed you to confirm.")
    return redirect("appointments:manage", token=token)


def chosen_provider_id(data, appointment) -> int:
    """The provider whose times the patient asked to see (`provider` in the query or form):
    the visit's own unless another is chosen; anything unreadable counts as the visit's own."""
    value = data.get("provider", "")
    return int(value) if value.isdigit() and len(value) < 10 else appointment.provider_id


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_reschedule(request, token):
    """A new time, with the visit's own provider unless the patient explicitly chooses
    another in the provider list (the times shown are always the chosen provider's, and
    say so when that is not the patient's own provider)."""
    appointment = appointment_for(token)
    if not booking.can_change_online(appointment):
        return redirect("appointments:manage", token=token)
    try:
        providers = booking.providers_to_move_to(appointment)
    except BookingRefused:
        providers = []
    problem, nearest = "", []
    provider_id = chosen_provider_id(request.POST if request.method == "POST" else request.GET, appointment)
    provider = next((person for person in providers if person.pk == provider_id), None)
    if provider is None:
        provider_id = appointment.provider_id
        provider = next((person for person in providers if person.pk == provider_id), appointment.provider)
    shown = request.POST.get("shown", str(appointment.provider_id))
    if request.method == "POST" and ("show" in request.POST or shown != str(provider.pk)):
        # The patient chose another provider in the list (or pressed "Show times"): show that
        # provider's times, and move nothing: what is selected is what is booked.
        pass
    elif request.method == "POST":
        form = NewTimeForm(request.POST)
        if form.is_valid():
            try:
                booking.move(appointment, starts_at=form.cleaned_data["start"], by_patient=True, provider=provider)
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
        "providers": providers,
        "provider": provider,
        "other_provider": provider.pk != appointment.provider_id,
        "week": week_to_move_to(request, appointment, provider) if providers else None,
        "week_url": reverse("appointments:manage_reschedule", args=[token]) + f"?provider={provider.pk}&week=",
        "booking_settings": BookingSettings.load(),
    })


def week_to_move_to(request, appointment, provider) -> Week | None:
    """The week asked for, with `provider`'s free times `booking.move` would accept (None if the visit can no longer be booked)."""
    form = WeekForm(request.GET)
    asked = form.cleaned_data["week"] if form.is_valid() else None
    now = timezone.now()
    today = timezone.localdate(now)
    settings = BookingSettings.load()
    last_day = booking_window(now, rules_for(appointment.visit_type, settings))[1]
    first_day = first_day_of_week(asked, today, last_day) or today
    try:
        slots = booking.times_to_move_to(appointment, first_day, DAYS_SHOWN, now, settings, provider)
    except BookingRefused:
        return None
    return week_of(first_day, today, last_day, slots, soon_before=now + settings.cancellation_cutoff)
