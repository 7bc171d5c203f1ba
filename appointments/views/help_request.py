"""Asking for help or an accommodation (an interpreter, sign language, large print...), from the
accessibility statement: the form and its thank-you page. The telehealth request form's
protections: honeypot, time-trap, per-address limit, no patient fields in error reports,
never stored by browsers, and POST → redirect → GET with the request id in the session only."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import antispam
from appointments.booking import BookingRefused
from appointments.forms.help_request import HelpRequestForm
from appointments.help_requests import PRIVATE_FIELDS, ask_for_help
from appointments.models import HelpRequest
from appointments.ratelimit import limit_posts
from appointments.views.flow import recall, request_form_page

SENT_SESSION_KEY = "appointments:help-request-id"


@never_cache
@sensitive_post_parameters(*PRIVATE_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("help-request", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def ask_for_help_page(request):
    form = HelpRequestForm(request.POST if request.method == "POST" else None, browser=antispam.browser_key(request))
    return request_form_page(
        request, form, "appointments/ask_for_help.html", lambda form: ask_for_help(form.request_details(), form.form_key),
        refusal=BookingRefused, session_key=SENT_SESSION_KEY, sent_url="appointments:ask_for_help_sent",
    )


@never_cache
@require_safe
def ask_for_help_sent(request):
    help_request = recall(request, SENT_SESSION_KEY, HelpRequest.objects.all())
    if help_request is None:
        return redirect("appointments:ask_for_help")
    return render(request, "appointments/ask_for_help_sent.html", {"help_request": help_request})
