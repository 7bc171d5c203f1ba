"""The booking flow: visit and place → provider and time → details → confirmation.
Views are thin: forms check what the browser sent, `appointments.booking` makes every
change, and every step works as plain links and forms, without JavaScript."""

from datetime import date, timedelta

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import antispam, booking, booking_pages, consent
from appointments import intake as intakes
from appointments.availability import booking_window
from appointments.coverage import PLAN_NOT_TAKEN, price_text
from appointments.booking import NEEDS_CONSULTATION, OUT_OF_STATE, AlreadyBooked, BookingRefused, SlotUnavailable
from appointments.forms.booking import BookingDetailsForm, TimeChoiceForm, VideoVisitDetailsForm, WeekChoiceForm
from appointments.loader import load_slots, practice_hours, rules_for
from appointments.models import CONTACT_FIELDS, US_STATES, Appointment, BookingSettings, VisitType
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
from clinic.us_states import state_name, state_names
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
    lookup = booking_pages.look_up(request, booking_pages.TIME_PAGE)
    if lookup.found:
        return booking_pages.response_of(request, lookup.found)
    form = WeekChoiceForm(request.GET)
    if not form.is_valid():
        if form.asks_where:
            return where_page(request, form)
        return choice_problem(request, form)
    visit_type, mode, provider_id, state = (form.cleaned_data[name] for name in ("visit", "mode", "provider", "state"))
    now = timezone.now()
    today = timezone.localdate(now)
    # Read from the database, not the cache: what goes with the version read first (booking_pages).
    settings = BookingSettings.load(fresh=True)
    hours = practice_hours(version=lookup.version)
    rules = rules_for(visit_type, settings)
    last_day = booking_window(now, rules)[1]
    first_day = first_day_of_week(form.cleaned_data["week"], today, last_day)
    params = {"visit": visit_type.slug, "mode": mode, "provider": provider_id or "any", "state": state or None}
    if first_day is None:
        form.add_error("week", f"You can book online up to {settings.horizon_days} days ahead. Please choose an earlier week, or call us.")
        return choice_problem(request, form, back_url=flow_url("appointments:book_time", **params))
    slots = load_slots(visit_type, form.providers, first_day, DAYS_SHOWN, now, settings, merge=provider_id is None, hours=hours)
    week = week_of(first_day, today, last_day, slots, soon_before=now + settings.cancellation_cutoff, hours=hours)
    response = render(
        request,
        "appointments/book_time.html",
        {
            "visit_type": visit_type,
            "mode": mode,
            "mode_label": Appointment.Modality(mode).label,
            "state": state,
            "state_name": state_name(state) if state else "",
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
            "where_url": flow_url("appointments:book_time", visit=visit_type.slug, mode=mode, provider="any") if state else "",
            "week_url": flow_url("appointments:book_time", **params) + "&week=",
            "day_url": flow_url("appointments:book_time", **params, week=first_day.isoformat()) + "&day=",
            "consultation": consultation_link(visit_type, mode, state) if not visit_type.new_patients_may_book else None,
        },
    )
    booking_pages.store(request, lookup, response, booking_pages.offer_changes_at(now, rules, settings.cancellation_cutoff),
                        compress_once=True)
    return response


def where_page(request, form):
    """Before the times of a video visit: where the patient will be. Asked again, kindly, with the
    phone number and the call-back form, when no clinician is licensed in the state chosen."""
    data = form.cleaned_data
    refusal = form.refusal
    out_of_state = refusal is not None and refusal.code == OUT_OF_STATE
    asked = "state" in request.GET
    return render(request, "appointments/book_where.html", {
        "visit_type": data["visit"],
        "mode": data["mode"],
        "provider_value": data.get("provider") or "any",
        "week": request.GET.get("week", "")[:10],
        "states": US_STATES,
        "chosen": request.GET.get("state", "") if asked else "",
        "problem": form.errors["state"][0] if asked and not out_of_state else "",
        "out_of_state": out_of_state,
        "chosen_name": state_name(data.get("state") or request.GET.get("state", "")) if out_of_state else "",
        "licensed_in": state_names(refusal.details.get("states", ())) if out_of_state else "",
        "change_url": flow_url("appointments:book", visit=data["visit"].slug, mode=data["mode"]),
    })


def consultation_link(visit_type: VisitType, mode: str, state: str | None) -> dict | None:
    """Where a new patient books instead of `visit_type` (a visit new patients do not book directly)."""
    consultation = booking.consultation_for(visit_type)
    if consultation is None:
        return None
    mode = mode if consultation.allows(mode) else Appointment.Modality.IN_OFFICE
    state = state if mode == Appointment.Modality.VIDEO else None
    return {
        "visit_type": consultation,
        "url": flow_url("appointments:book_time", visit=consultation.slug, mode=mode, provider="any", state=state),
    }


# --- Step 3: the patient's details ------------------------------------------

@never_cache
@sensitive_post_parameters(*CONTACT_FIELDS, "state", "coverage", "insurance_plan", "plan_name")
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("booking", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def book_details(request):
    if request.method == "POST":
        return book_details_sent(request)
    lookup = booking_pages.look_up(request, booking_pages.DETAILS_PAGE)
    if lookup.found:
        return booking_pages.filled_response_of(request, lookup.found)
    choice = TimeChoiceForm(request.GET)
    if not choice.is_valid():
        return choice_problem(request, choice)
    if provider_changed(choice, request.GET):
        # The list said one provider, the times were another's: show the chosen provider's times.
        return redirect(time_page_url(choice, week=shown_week(request.GET)) + "&provider_changed=1")
    now = timezone.now()
    settings = BookingSettings.load(fresh=True)  # as on the time page: what goes with the version read first
    offered = booking.offered_provider(choice.cleaned_data["visit"], choice.providers, choice.cleaned_data["start"], now,
                                       any_provider=choice.cleaned_data["provider"] is None,
                                       settings=settings, hours=practice_hours(version=lookup.version))
    if offered is None:
        choice.add_error("start", "That time is no longer free. Please choose another time.")
        return choice_problem(request, choice, back_url=time_page_url(choice))
    data = request.GET
    if is_video(choice):
        # Before a video visit the patient is told who their clinician is: "first available" becomes that clinician.
        data = data.copy()
        data["provider"] = str(offered.pk)
        choice.cleaned_data["provider"], choice.providers = offered.pk, [offered]
    response = details_page(request, choice, details_form_for(choice), data, placeholders=True, settings=settings)
    booking_pages.store(request, lookup, response, details_page_changes_at(choice, now, settings),
                        slots=(booking_pages.FORM_TOKEN_PLACEHOLDER, booking_pages.FORM_STAMP_PLACEHOLDER))
    return booking_pages.fill(request, response)


def details_page_changes_at(choice, now, settings):
    """When the clock alone changes the details page: the time stops being offered or becomes
    soon; inside the cut-off, the soon note's "online until" (min(now + grace, start)) every minute."""
    changes_at = booking_pages.offer_changes_at(now, rules_for(choice.cleaned_data["visit"], settings), settings.cancellation_cutoff)
    if settings.is_soon(choice.cleaned_data["start"], now):
        changes_at = min(changes_at, now.replace(second=0, microsecond=0) + timedelta(minutes=1))
    return changes_at


def is_video(choice) -> bool:
    return choice.cleaned_data.get("mode") == Appointment.Modality.VIDEO


def details_form_for(choice, *args, **kwargs) -> BookingDetailsForm:
    """The details form, with the consent to telehealth for a video visit, and the plans for the visit chosen."""
    kwargs["visit_type"] = choice.cleaned_data.get("visit") if choice.is_valid() else None
    if choice.data.get("mode") == Appointment.Modality.VIDEO:
        return VideoVisitDetailsForm(*args, **kwargs)
    return BookingDetailsForm(*args, **kwargs)


def book_details_sent(request):
    """Book, or show the form again with what to fix (and, for a time just taken, the nearest free times)."""
    data = request.POST
    if data.get("new_start"):
        # One of the "nearest free times" buttons: the same details, a new time.
        data = data.copy()
        data["start"] = data["new_start"]
    choice, nearest, consultation = TimeChoiceForm(data), [], None
    form = details_form_for(choice, request.POST, browser=antispam.browser_key(request))
    if choice.is_valid() and form.is_valid():
        try:
            booked = booking.book(
                visit_type=choice.cleaned_data["visit"],
                modality=choice.cleaned_data["mode"],
                starts_at=choice.cleaned_data["start"],
                provider_id=choice.cleaned_data["provider"],
                patient=form.contact_details(),
                patient_state=choice.cleaned_data["state"] or None,
                telehealth_consent=form.consent_given(),
                coverage=form.coverage_answer(),
                form_key=form.form_key,
            )
        except AlreadyBooked as already:
            # The same form again (a double click, a re-send): what it booked, once.
            remember_for_a_while(request, BOOKED_SESSION_KEY, already.appointment)
            return redirect("appointments:book_confirmed")
        except BookingRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
            form.plan_not_taken = refusal.code == PLAN_NOT_TAKEN
            if refusal.code == NEEDS_CONSULTATION:
                consultation = consultation_link(choice.cleaned_data["visit"], choice.cleaned_data["mode"], choice.cleaned_data["state"])
        except SlotUnavailable as unavailable:
            form.add_error(None, unavailable.message)
            nearest = time_choices(unavailable.nearest)
        else:
            remember_for_a_while(request, BOOKED_SESSION_KEY, booked.appointment)
            return redirect("appointments:book_confirmed")
    return details_page(request, choice, form, data, nearest, consultation)


def details_page(request, choice, form, data, nearest=(), consultation=None, placeholders=False, settings=None):
    """`placeholders`: the unbound form of a GET, rendered for every browser (booking_pages.fill)."""
    chosen = not choice.errors
    video = chosen and is_video(choice)
    provider = choice.providers[0] if chosen and choice.cleaned_data["provider"] else None
    return render(
        request,
        "appointments/book_details.html",
        {
            "choice": choice if chosen else None,
            "summary": VisitSummary(
                choice.cleaned_data["visit"],
                choice.cleaned_data["start"],
                provider,
                video,
                choice.cleaned_data["state"] if video else "",
            ) if chosen else None,
            # A video visit: who the clinician is and as what they are licensed where the patient will be, then the consent.
            "licence": provider.licence_in(choice.cleaned_data["state"]) if video and provider else None,
            "consent_wording": consent.TELEHEALTH_CONSENT_TEXT,
            "consent_version": consent.TELEHEALTH_CONSENT_VERSION,
            "consultation": consultation,
            "choice_problems": [error for errors in choice.errors.values() for error in errors],
            "form": form,
            "form_stamp": antispam.stamp_to_render(request, request.POST.get("form_stamp")) if form.is_bound else antispam.new_form_stamp(request),
            **(booking_pages.placeholders() if placeholders else {}),
            "nearest": nearest,
            "hidden": {name: data.get(name, "") for name in ("visit", "mode", "provider", "start", "state")},
            "time_url": time_page_url(choice) if chosen else reverse("appointments:book"),
            "soon": soon_note_before_booking(choice.cleaned_data["start"], settings) if chosen else None,
            "self_pay_price": price_text(choice.cleaned_data["visit"].self_pay_price) if chosen else "",
        },
    )


def soon_note_before_booking(starts_at, settings=None):
    settings = settings or BookingSettings.load()
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
    return flow_url(
        "appointments:book_time", visit=data["visit"].slug, mode=data["mode"], provider=data["provider"] or "any",
        state=data.get("state") or None, week=week,
    )


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
        # The forms before the visit, behind the visit's manage link (this page is the booker's own, never cached).
        "intake_offer": intakes.offer_for(appointment),
        "intake_url": reverse("appointments:intake", kwargs={"token": appointment.manage_token()}),
    })
