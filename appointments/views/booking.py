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

from appointments import antispam, booking, booking_pages, consent, series
from appointments import intake as intakes
from appointments.availability import booking_window
from appointments.coverage import PLAN_NOT_TAKEN, price_text
from appointments.booking import NEEDS_CONSULTATION, OUT_OF_STATE, AlreadyBooked, BookingRefused, SlotUnavailable
from appointments.forms.booking import (
    BookingDetailsForm, SeriesForm, TimeChoiceForm, VideoVisitDetailsForm, WeekChoiceForm, chosen_series_times, start_value,
)
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
    if booked_here_already(request, choice):
        # Back after booking, and the form sent again (a new form, so not caught by its key): this
        # browser booked exactly this a moment ago. Its confirmation, not "nothing is booked yet".
        return redirect("appointments:book_confirmed")
    form = details_form_for(choice, request.POST, browser=antispam.browser_key(request))
    series_form = SeriesForm(request.POST) if series_offered(choice) else None
    if "series_back" in request.POST:
        # From the series' dates back to the details, everything kept.
        return details_page(request, choice, form, data, series_form=series_form)
    if series_form is not None and not series_form.is_valid():
        return details_page(request, choice, form, data, series_form=series_form)
    if choice.is_valid() and form.is_valid() and series_form is not None and series_form.is_series:
        return series_step(request, choice, form, series_form)
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
    return details_page(request, choice, form, data, nearest, consultation, series_form=series_form)


def booked_here_already(request, choice) -> bool:
    """Whether this browser's session booked this visit at this time for this person (name and
    email as typed) moments ago. Another person (a parent booking two children at one time) is not."""
    if not choice.is_valid():
        return False
    booked = recall(request, BOOKED_SESSION_KEY, Appointment.objects.active())
    return (
        booked is not None
        and booked.visit_type_id == choice.cleaned_data["visit"].pk
        and booked.starts_at == choice.cleaned_data["start"]
        and same_person_typed(booked, request.POST)
    )


def same_person_typed(record, data) -> bool:
    """Whether the form's email, first and last name are the record's, whatever their case and spaces."""
    return all(
        " ".join(str(getattr(record, name)).split()).casefold() == " ".join(data.get(name, "").split()).casefold()
        for name in ("email", "first_name", "last_name")
    )


# --- A series of visits (appointments.series) ----------------------------------

def series_offered(choice) -> bool:
    return choice.is_valid() and choice.cleaned_data["visit"].series_allowed


def series_step(request, choice, form, series_form):
    """The details are fine and the patient asked for several visits: show the dates (before anything
    is saved), or, once they pressed "Book these visits", book them all or none."""
    visit_type, start = choice.cleaned_data["visit"], choice.cleaned_data["start"]
    now = timezone.now()
    if choice.cleaned_data["provider"]:
        provider = choice.providers[0]
    else:  # "first available": the series is with whoever is free at the first time
        provider = booking.offered_provider(visit_type, choice.providers, start, now, any_provider=True)
        if provider is None:
            form.add_error(None, "That time is no longer free. Please choose another time.")
            return details_page(request, choice, form, request.POST, series_form=series_form)
    count, every_weeks = series_form.cleaned_data["visits"], series_form.cleaned_data["every_weeks"]
    try:
        proposal = series.propose(visit_type=visit_type, provider=provider, first=start, count=count, every_weeks=every_weeks, now=now)
    except series.SeriesRefused as refusal:
        series_form.add_error(refusal.field if refusal.field in series_form.fields else None, refusal.message)
        return details_page(request, choice, form, request.POST, series_form=series_form)
    if "series_confirmed" not in request.POST:
        return series_page(request, choice, provider, series_form, proposal)
    chosen = chosen_series_times(request.POST, len(proposal))
    sent = [request.POST.get(f"series_time_{number}", "") for number in range(len(proposal))]
    if any(value and time is None for value, time in zip(sent, chosen, strict=True)) or any(
        time is not None and time not in visit.choices for time, visit in zip(chosen, proposal, strict=True)
    ):
        # Only the times the page offers, each near its own week's date: never a time made up.
        return series_page(request, choice, provider, series_form, proposal, chosen,
                           "Please choose one of the times shown for each visit, or “No visit this week”.")
    try:
        booked = booking.book_series(
            visit_type=visit_type, modality=choice.cleaned_data["mode"], provider=provider,
            times=[time for time in chosen if time is not None], every_weeks=every_weeks,
            patient=form.contact_details(), patient_state=choice.cleaned_data["state"] or None,
            telehealth_consent=form.consent_given(), coverage=form.coverage_answer(), form_key=form.form_key,
        )
    except AlreadyBooked as already:
        remember_for_a_while(request, BOOKED_SESSION_KEY, already.appointment)
        return redirect("appointments:book_confirmed")
    except (BookingRefused, series.SeriesRefused) as refusal:
        return series_page(request, choice, provider, series_form, proposal, chosen, refusal.message,
                           getattr(refusal, "starts_at", None))
    remember_for_a_while(request, BOOKED_SESSION_KEY, booked.visits[0])
    return redirect("appointments:book_confirmed")


def series_rows(proposal, chosen=None, refused_at=None) -> list[dict]:
    """Each proposed visit as the page shows it: the wanted time, the one chosen (as sent, while
    it is still free; else the proposal's), why the wanted time was replaced, every free time
    near it by day, and a problem next to it when it is the one the booking refused."""
    rows = []
    for number, visit in enumerate(proposal):
        sent = chosen[number] if chosen is not None and number < len(chosen) else visit.starts_at
        problem = ""
        if sent is not None and sent not in visit.choices:
            # Taken since the page was shown (or never free): the nearest free time is chosen instead.
            problem, sent = "That time is no longer free. Please choose another.", visit.starts_at
        elif sent is not None and sent == refused_at:
            problem = "This time cannot be booked. Please choose another."
        days: dict = {}
        for option in visit.choices:
            days.setdefault(option.date(), []).append({"value": start_value(option), "time": option, "selected": option == sent})
        rows.append({
            "number": number, "wanted": visit.wanted, "selected": sent, "reason": visit.reason,
            "is_replaced": visit.is_replaced, "days": sorted(days.items()), "problem": problem,
        })
    return rows


def series_page(request, choice, provider, series_form, proposal, chosen=None, problem="", refused_at=None):
    rows = series_rows(proposal, chosen, refused_at)
    skip = {"csrfmiddlewaretoken", "series_confirmed", "series_back"}
    hidden = [(name, value) for name, values in request.POST.lists() if name not in skip and not name.startswith("series_time_")
              for value in values]
    video = is_video(choice)
    return render(request, "appointments/book_series.html", {
        "summary": VisitSummary(choice.cleaned_data["visit"], choice.cleaned_data["start"], provider, video,
                                choice.cleaned_data["state"] if video else ""),
        "provider": provider,
        "how_often": dict(series_form.fields["every_weeks"].choices)[series_form.cleaned_data["every_weeks"]].lower(),
        "rows": rows,
        "count": sum(1 for row in rows if row["selected"] is not None),
        "hidden": hidden,
        "problem": problem,
        "time_url": time_page_url(choice),
    })


def details_page(request, choice, form, data, nearest=(), consultation=None, placeholders=False, settings=None,
                 series_form=None):
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
            # A course of treatment: how many visits and how often (only for visit types booked as a series).
            "series_form": series_form if series_form is not None else SeriesForm() if chosen and series_offered(choice) else None,
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
        # Booked as a series: every visit of it, soonest first.
        "series_visits": list(appointment.series.visits.active().order_by("starts_at")) if appointment.series_id else [],
    })
