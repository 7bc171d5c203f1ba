"""Telehealth for patients: the page that explains video visits, and the request form for
a call back to arrange one. The form has the booking form's protections: honeypot,
time-trap, per-address limit, no patient fields in error reports, never stored by
browsers, and POST → redirect → GET with the request id kept in the session only."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import antispam
from appointments.forms.telehealth import TelehealthRequestForm
from appointments.loader import video_states
from appointments.models import CONTACT_FIELDS, TelehealthPage, TelehealthRequest
from appointments.ratelimit import limit_posts
from appointments.telehealth import request_call_back
from appointments.views.booking import same_person_typed
from appointments.views.flow import recall, request_form_page
from clinic.context_processors import page_context
from clinic.page_cache import cached_patient_page

SENT_SESSION_KEY = "appointments:telehealth-request-id"


@require_safe
@cached_patient_page
def telehealth(request):
    return render(request, "appointments/telehealth.html", {"page": TelehealthPage.load()})


@never_cache
@sensitive_post_parameters(*CONTACT_FIELDS, "state", "preferred_days", "preferred_times")
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("telehealth-request", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def telehealth_request(request):
    if request.method == "POST" and sent_here_already(request):
        # Back after sending, and the form sent again (a new form, so not caught by its key): this
        # browser sent this a moment ago. Its thank-you page, not a second request.
        return redirect("appointments:telehealth_request_sent")
    practice = page_context(request).practice
    form = TelehealthRequestForm(
        request.POST if request.method == "POST" else None,
        allowed_states=video_states(),
        phone_display=practice.phone_display if practice else "",
        browser=antispam.browser_key(request),
    )
    # Sent twice (a double click, a re-send), `request_call_back` returns the one request it saved.
    return request_form_page(
        request, form, "appointments/telehealth_request.html",
        lambda form: request_call_back(form.request_details(), form.form_key),
        session_key=SENT_SESSION_KEY, sent_url="appointments:telehealth_request_sent",
    )


def sent_here_already(request) -> bool:
    """Whether this browser's session sent a request for this person (name and email as typed) moments
    ago that nobody has acted on yet. Another person with the same email (a child) sends their own."""
    sent = recall(request, SENT_SESSION_KEY, TelehealthRequest.objects.filter(status=TelehealthRequest.Status.NEW))
    return sent is not None and same_person_typed(sent, request.POST)


@never_cache
@require_safe
def telehealth_request_sent(request):
    telehealth_request = recall(request, SENT_SESSION_KEY, TelehealthRequest.objects.all())
    if telehealth_request is None:
        return redirect("appointments:telehealth_request")
    return render(request, "appointments/telehealth_request_sent.html", {"telehealth_request": telehealth_request})
