"""The booking flow: visit and place → provider and time → details → confirmation.
Views are thin: forms check what the browser sent, `appointments.booking` makes every
change, and every step works as plain links and forms, without JavaScript."""

from datetime import date

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import antispam, booking
from appointments.availability import booking_window
from appointments.booking import AlreadyBooked, BookingRefused, SlotUnavailable
from appointments.forms.booking import PatientDetailsForm, TimeChoiceForm, WeekChoiceForm
from appointments.loader import load_slots, rules_for
from appointments.models import CONTACT_FIELDS, Appointment, BookingSettings, VisitType
from appointments.ratelimit import limit_posts
from appointments.views.flow import (
    DAYS_SHOWN,
    SoonNote,
    VisitSummary,
    choice_problem,
    first_day_of_week,
    flow_url,
    recall,
    remember_for_a_while,
    time_choices,
    week_of,
)
from clinic.models import Provider
from clinic.page_cache import cached_patient_page
from services.models import Service

BOOKED_SESSION_KEY = "appointments:booked-appointment-id"


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
    visit_types = list(visit_types.prefetch_related("providers"))
    if service:
        visit_types.sort(key=lambda visit_type: visit_type.service_id != service.pk)
    # From a provider's page ("Book with …"): only what they offer, and they are kept for the time page.
    provider = chosen_provider(request.GET.get("provider", ""))
    if provider:
        visit_types = [visit_type for visit_type in visit_types if provider in visit_type.providers.all()]
    chosen = request.GET.get("visit")
    if chosen not in {visit_type.slug for visit_type in visit_types}:
        first = visit_types[0] if visit_types else None
        chosen = first.slug if service and first and first.service_id == service.pk else None
    return render(
        request,
        "appointments/book.html",
        {"service": service, "visit_types": visit_types, "chosen_visit": chosen, "chosen_mode": mode, "modes": Appointment.Modality,
         "provider": provider},
    )


def chosen_provider(value: str) -> Provider | None:
    """The active provider a link names by slug or id, or None."""
    value = value.strip()
    if not value or len(value) > 100:
        return None
    providers = Provider.objects.active()
    return (providers.filter(pk=int(value)) if value.isdigit() and len(value) < 10 else providers.filter(slug=value)).first()


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
    week = week_of(first_day, today, last_day, slots, soon_before=now + settings.cancellation_cutoff)
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
            "week": week,
            "day": week.day_to_show(form.cleaned_data["day"]),
            "provider_changed": request.GET.get("provider_changed") == "1",
            "change_grace_minutes": settings.change_grace_minutes,
            "cutoff_hours": settings.cancellation_cutoff_hours,
            "requires_confirmation": settings.requires_confirmation,
            "change_url": flow_url("appointments:book", visit=visit_type.slug, mode=mode),
            "week_url": flow_url("appointments:book_time", **params) + "&week=",
            "day_url": flow_url("appointments:book_time", **params, week=first_day.isoformat()) + "&day=",
        },
    )


# --- Step 3: the patient's details ------------------------------------------

@never_cache
@sensitive_post_parameters(*CONTACT_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("booking", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def book_details(request):
    if request.method == "POST":
        return book_details_sent(request)
    choice = TimeChoiceForm(request.GET)
    if not choice.is_valid():
        return choice_problem(request, choice)
    if provider_changed(choice, request.GET):
        # The list said one provider, the times were another's: show the chosen provider's times.
        return redirect(time_page_url(choice, week=shown_week(request.GET)) + "&provider_changed=1")
    if not booking.is_offered(choice.cleaned_data["visit"], choice.providers, choice.cleaned_data["start"], timezone.now(),
                              any_provider=choice.cleaned_data["provider"] is None):
        choice.add_error("start", "That time is no longer free. Please choose another time.")
        return choice_problem(request, choice, back_url=time_page_url(choice))
    return details_page(request, choice, PatientDetailsForm(browser=antispam.browser_key(request)), request.GET)


def book_details_sent(request):
    """Book, or show the form again with what to fix (and, for a time just taken, the nearest free times)."""
    data = request.POST
    if data.get("new_start"):
        # One of the "nearest free times" buttons: the same details, a new time.
        data = data.copy()
        data["start"] = data["new_start"]
    choice, form, nearest = TimeChoiceForm(data), PatientDetailsForm(request.POST, browser=antispam.browser_key(request)), []
    if choice.is_valid() and form.is_valid():
        try:
            booked = booking.book(
                visit_type=choice.cleaned_data["visit"],
                modality=choice.cleaned_data["mode"],
                starts_at=choice.cleaned_data["start"],
                provider_id=choice.cleaned_data["provider"],
                patient=form.contact_details(),
                form_key=form.form_key,
            )
        except AlreadyBooked as already:
            # The same form again (a double click, a re-send): what it booked, once.
            remember_for_a_while(request, BOOKED_SESSION_KEY, already.appointment)
            return redirect("appointments:book_confirmed")
        except BookingRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        except SlotUnavailable as unavailable:
            form.add_error(None, unavailable.message)
            nearest = time_choices(unavailable.nearest)
        else:
            remember_for_a_while(request, BOOKED_SESSION_KEY, booked.appointment)
            return redirect("appointments:book_confirmed")
    return details_page(request, choice, form, data, nearest)


def details_page(request, choice, form, data, nearest=()):
    chosen = not choice.errors
    return render(
        request,
        "appointments/book_details.html",
        {
            "choice": choice if chosen else None,
            "summary": VisitSummary(
                choice.cleaned_data["visit"],
                choice.cleaned_data["start"],
                choice.providers[0] if choice.cleaned_data["provider"] else None,
                choice.cleaned_data["mode"] == Appointment.Modality.VIDEO,
            ) if chosen else None,
            "choice_problems": [error for errors in choice.errors.values() for error in errors],
            "form": form,
            "form_stamp": antispam.stamp_to_render(request, request.POST.get("form_stamp")) if form.is_bound else antispam.new_form_stamp(request),
            "nearest": nearest,
            "hidden": {name: data.get(name, "") for name in ("visit", "mode", "provider", "start")},
            "time_url": time_page_url(choice) if chosen else reverse("appointments:book"),
            "soon": soon_note_before_booking(choice.cleaned_data["start"]) if chosen else None,
        },
    )


def soon_note_before_booking(starts_at):
    settings = BookingSettings.load()
    return SoonNote.of(starts_at, timezone.now(), settings, needs_confirming=settings.requires_confirmation)


def provider_changed(choice, query) -> bool:
    """True when the provider chosen in the time page's list is not the one whose times it
    showed: the patient changed the list, then pressed a time instead of "Show times"."""
    shown = query.get("shown_provider")
    if shown is None:  # not sent from the time page (e.g. the details page's own links)
        return False
    return shown.strip() != str(choice.cleaned_data["provider"] or "any")


def shown_week(query) -> str | None:
    """The first day of the week the time page showed, when it can be read."""
    week = query.get("week", "")
    try:
        return date.fromisoformat(week).isoformat() if len(week) == 10 else None
    except ValueError:
        return None


def time_page_url(choice, week=None) -> str:
    data = choice.cleaned_data
    if week is None and data.get("start"):
        week = timezone.localtime(data["start"]).date().isoformat()
    return flow_url("appointments:book_time", visit=data["visit"].slug, mode=data["mode"], provider=data["provider"] or "any", week=week)


@never_cache
@require_safe
def book_confirmed(request):
    appointment = recall(request, BOOKED_SESSION_KEY, Appointment.objects.select_related("provider", "visit_type"))
    if appointment is None:
        return redirect("appointments:book")
    settings = BookingSettings.load()
    return render(request, "appointments/book_confirmed.html", {
        "appointment": appointment,
        "summary": VisitSummary.of(appointment),
        "cutoff_hours": settings.cancellation_cutoff_hours,
        "soon": SoonNote.of_appointment(appointment, settings),
    })
