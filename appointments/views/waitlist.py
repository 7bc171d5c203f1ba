"""The waitlist for patients (appointments.waitlist): joining it, their entry's own page (see it,
leave it), asking for an earlier time from a booked visit's page, and claiming a time offered by
email. Claiming is a POST from the offer's page, never the link itself (mail scanners follow links)."""

import re
from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from appointments import antispam, waitlist
from appointments.forms.waitlist import WaitlistJoinForm, WishForm
from appointments.models import CONTACT_FIELDS, VisitType, WaitlistEntry, WaitlistOffer
from appointments.ratelimit import limit_posts
from appointments.views.booking import BOOKED_SESSION_KEY
from appointments.views.flow import recall, remember_for_a_while, request_form_page
from appointments.views.manage import appointment_for

JOINED_SESSION_KEY = "appointments:waitlist-entry-id"


def visit_type_asked(request) -> VisitType | None:
    """The visit a link or the form names, if it is a bookable in-office visit (anything else: none)."""
    slug = request.POST.get("visit") or request.GET.get("visit") or ""
    if not re.fullmatch(r"[-\w]{1,100}", slug, flags=re.ASCII):
        return None  # nothing the database would choke on (a NUL byte) reaches it
    return VisitType.objects.bookable().filter(slug=slug, in_office=True).first()


@never_cache
@sensitive_post_parameters(*CONTACT_FIELDS, "coverage", "insurance_plan", "plan_name")
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("waitlist", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def join(request):
    visit_type = visit_type_asked(request)
    initial = {"visit": visit_type.slug} if visit_type else {}
    provider = request.GET.get("provider", "")
    if provider.isdigit():
        initial["provider"] = provider
    form = WaitlistJoinForm(request.POST if request.method == "POST" else None, initial=initial, visit_type=visit_type,
                            browser=antispam.browser_key(request))

    def save(form):
        try:
            return waitlist.join(wish=form.wish(form.cleaned_data["visit"], form.chosen_provider()), patient=form.contact_details(),
                                 coverage=form.coverage_answer(), form_key=form.form_key)
        except waitlist.AlreadyJoined as already:
            return already.entry

    return request_form_page(request, form, "appointments/waitlist_join.html", save, refusal=waitlist.WaitlistRefused,
                             session_key=JOINED_SESSION_KEY, sent_url="appointments:waitlist_joined")


@never_cache
@require_http_methods(["GET", "HEAD"])
def joined(request):
    entry = recall(request, JOINED_SESSION_KEY, WaitlistEntry.objects.select_related("visit_type", "provider"))
    if entry is None:
        return redirect("appointments:waitlist_join")
    return render(request, "appointments/waitlist_joined.html", {"entry": entry})


def entry_for(token) -> WaitlistEntry:
    entry = WaitlistEntry.from_token(token)
    if entry is None:
        raise Http404
    return entry


def place_on_the_list(entry: WaitlistEntry) -> int:
    """How many still waiting for the same visit joined before this patient."""
    return WaitlistEntry.objects.filter(
        visit_type=entry.visit_type, status=WaitlistEntry.Status.WAITING, created_at__lt=entry.created_at,
    ).count() + 1


@never_cache
@require_http_methods(["GET", "HEAD"])
def entry_page(request, token):
    entry = entry_for(token)
    now = timezone.now()
    # Once emailed: its time to claim runs from the email.
    open_offer = entry.offers.filter(status=WaitlistOffer.Status.OPEN, emailed_at__isnull=False, expires_at__gt=now).select_related("provider").first()
    return render(request, "appointments/waitlist_entry.html", {
        "entry": entry,
        "token": token,
        "place": place_on_the_list(entry) if entry.status == WaitlistEntry.Status.WAITING else None,
        "open_offer": open_offer,
    })


@never_cache
@require_POST
def leave(request, token):
    entry = entry_for(token)
    waitlist.leave(entry)  # the entry's page says so
    return redirect("appointments:waitlist_entry", token=token)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("waitlist", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def earlier(request, token):
    """From a booked visit's own page: join the waitlist for an earlier time; claiming moves the visit."""
    appointment = appointment_for(token)
    if not appointment.is_active:
        return redirect("appointments:manage", token=token)
    form = WishForm(request.POST if request.method == "POST" else None)
    # Only days before the visit can move it earlier.
    form.fields["last_day"].initial = min(form.fields["last_day"].initial, timezone.localtime(appointment.starts_at).date() - timedelta(days=1))
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.join(wish=form.wish(appointment.visit_type, appointment.provider), patient=appointment.contact_details(),
                          appointment=appointment)
        except waitlist.AlreadyJoined:
            messages.info(request, "You are already on the waitlist for an earlier time for this visit: the email we "
                                   "sent you has its link, to see or leave it.")
            return redirect("appointments:manage", token=token)
        except waitlist.WaitlistRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(request, "You are on the waitlist for an earlier time. We have emailed you the details; "
                                      "if a time frees up, claiming it moves this visit.")
            return redirect("appointments:manage", token=token)
    return render(request, "appointments/waitlist_earlier.html", {"appointment": appointment, "form": form, "token": token})


def offer_for(token) -> WaitlistOffer:
    offer = WaitlistOffer.from_token(token)
    if offer is None:
        raise Http404
    return offer


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request, token):
    offer = offer_for(token)
    problem = ""
    if request.method == "POST":
        try:
            appointment = waitlist.claim(offer)
        except waitlist.AlreadyClaimed as already:
            appointment = already.appointment
        except waitlist.OfferGone as gone:
            problem = gone.message
            offer.entry.refresh_from_db()
            if offer.entry.status == WaitlistEntry.Status.LEFT:
                problem = waitlist.LEFT
        if not problem:
            remember_for_a_while(request, BOOKED_SESSION_KEY, appointment)
            return redirect("appointments:book_confirmed")
        offer.refresh_from_db()
    now = timezone.now()
    booked = ""
    if not problem and offer.status == WaitlistOffer.Status.CLAIMED:
        booked = "This time is booked for you: the email we sent you has the details."
    elif not problem and offer.entry.status == WaitlistEntry.Status.LEFT:
        problem = waitlist.LEFT
    elif not problem:
        problem = waitlist.unclaimable_because(offer, now)
    return render(request, "appointments/waitlist_claim.html", {
        "offer": offer, "entry": offer.entry, "token": token, "problem": problem, "booked": booked,
        "moves": offer.entry.appointment_id is not None and offer.entry.appointment.is_active,
    })
