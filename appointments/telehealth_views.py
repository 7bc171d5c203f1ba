"""Telehealth for patients: the page that explains video visits, and the request form for
a call back to arrange one. The form has the booking form's protections: honeypot,
time-trap, per-address limit, no patient fields in error reports, never stored by
browsers, and POST → redirect → GET with the request id kept in the session only."""

from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import antispam, notifications
from appointments.models import BookingSettings, TelehealthPage, TelehealthRequest
from appointments.ratelimit import limit_posts
from appointments.telehealth_forms import TelehealthRequestForm
from appointments.views import CONFIRMATION_SHOWN_FOR, PATIENT_FIELDS
from clinic.context_processors import page_context
from clinic.page_cache import cached_patient_page

SENT_SESSION_KEY = "appointments:telehealth-request-id"


@require_safe
@cached_patient_page
def telehealth(request):
    return render(request, "appointments/telehealth.html", {"page": TelehealthPage.load()})


@never_cache
@sensitive_post_parameters(*PATIENT_FIELDS, "state")
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("telehealth-request", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def telehealth_request(request):
    posted = request.method == "POST"
    practice = page_context(request).practice
    form = TelehealthRequestForm(
        request.POST if posted else None,
        allowed_states=BookingSettings.load().telehealth_state_codes,
        phone_display=practice.phone_display if practice else "",
    )
    if posted and form.is_valid():
        # The request and its emails are saved together or not at all.
        with transaction.atomic():
            telehealth_request = form.new_request()
            telehealth_request.save()
            notifications.queue_telehealth_request_received(telehealth_request)
        request.session[SENT_SESSION_KEY] = {"id": telehealth_request.pk, "at": timezone.now().timestamp()}
        return redirect("appointments:telehealth_request_sent")
    return render(request, "appointments/telehealth_request.html", {
        "form": form,
        "form_stamp": antispam.stamp_to_render(request.POST.get("form_stamp")) if posted else antispam.new_form_stamp(),
    })


@never_cache
@require_safe
def telehealth_request_sent(request):
    sent = request.session.get(SENT_SESSION_KEY)
    sent = sent if isinstance(sent, dict) else {}
    telehealth_request = None
    # Only for a while: on a shared computer the next person must not find it.
    if timezone.now().timestamp() - sent.get("at", 0) < CONFIRMATION_SHOWN_FOR.total_seconds():
        telehealth_request = TelehealthRequest.objects.filter(pk=sent.get("id")).first()
    if telehealth_request is None:
        return redirect("appointments:telehealth_request")
    return render(request, "appointments/telehealth_request_sent.html", {"telehealth_request": telehealth_request})
