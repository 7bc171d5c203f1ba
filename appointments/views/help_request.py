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
from appointments.views.flow import recall, remember_for_a_while

SENT_SESSION_KEY = "appointments:help-request-id"


@never_cache
@sensitive_post_parameters(*PRIVATE_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("help-request", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def ask_for_help_page(request):
    posted = request.method == "POST"
    form = HelpRequestForm(request.POST if posted else None, browser=antispam.browser_key(request))
    if posted and form.is_valid():
        try:
            help_request = ask_for_help(form.request_details(), form.form_key)
        except BookingRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            remember_for_a_while(request, SENT_SESSION_KEY, help_request)
            return redirect("appointments:ask_for_help_sent")
    return render(request, "appointments/ask_for_help.html", {
        "form": form,
        "form_stamp": antispam.stamp_to_render(request, request.POST.get("form_stamp")) if posted else antispam.new_form_stamp(request),
    })


@never_cache
@require_safe
def ask_for_help_sent(request):
    help_request = recall(request, SENT_SESSION_KEY, HelpRequest.objects.all())
    if help_request is None:
        return redirect("appointments:ask_for_help")
    return render(request, "appointments/ask_for_help_sent.html", {"help_request": help_request})
