"""Good faith estimates for patients: the estimate page (behind the patient's manage link,
or, for one asked for without booking, behind a link of its own: no patient value in
either address), and the form to ask for an estimate without booking."""

from datetime import timedelta

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import antispam, estimates
from appointments.estimates import EstimateRefused
from appointments.forms.estimates import EstimateRequestForm
from appointments.models import GoodFaithEstimate
from appointments.ratelimit import limit_posts
from appointments.views.flow import recall, request_form_page
from appointments.views.manage import appointment_for
from clinic.hours import PRACTICE_TIME_ZONE

SENT_SESSION_KEY = "appointments:estimate-request-id"
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone", "expected_date")


def last_moment(due_at):
    """The day an estimate is due by, as patients read it (it is due by midnight after that day)."""
    return timezone.localtime(due_at, PRACTICE_TIME_ZONE) - timedelta(minutes=1)


def _render_estimate(request, estimate, manage_token=None):
    service_day = timezone.localtime(estimate.service_starts_at, PRACTICE_TIME_ZONE) if estimate.service_starts_at else None
    return render(request, "appointments/estimate.html", {
        "estimate": estimate,
        "manage_token": manage_token,
        "service_day": service_day,
        "issued": timezone.localtime(estimate.issued_at, PRACTICE_TIME_ZONE) if estimate.issued_at else None,
        "due": last_moment(estimate.due_at),
        "notices": estimates.notices_for(estimate.notice_version),
    })


@never_cache
@require_safe
def manage_estimate(request, token):
    """The estimate of the patient's visit: only with the visit's current manage link."""
    appointment = appointment_for(token)
    estimate = estimates.current_for(appointment)
    if estimate is None:
        # The patient's own link, from an estimate email: say why there is none now (insured after
        # all, or cancelled) rather than "not found". Still a 404: there is no estimate here.
        return render(request, "appointments/estimate_none.html", {"appointment": appointment, "manage_token": token},
                      status=404)
    return _render_estimate(request, estimate, manage_token=token)


@never_cache
@require_safe
def estimate(request, token):
    """An estimate asked for without booking, from the link in its email."""
    found = GoodFaithEstimate.from_link_token(token)
    if found is None:
        raise Http404
    return _render_estimate(request, found)


@never_cache
@sensitive_post_parameters(*PATIENT_FIELDS)
@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("estimate-request", "BOOKING_RATE_LIMIT", "BOOKING_RATE_WINDOW_SECONDS")
def ask_for_estimate(request):
    form = EstimateRequestForm(request.POST if request.method == "POST" else None, browser=antispam.browser_key(request))
    return request_form_page(
        request, form, "appointments/estimate_request.html",
        lambda form: estimates.create_for_request(form.request_details(), form_key=form.form_key),
        refusal=EstimateRefused, session_key=SENT_SESSION_KEY, sent_url="appointments:estimate_request_sent",
    )


@never_cache
@require_safe
def estimate_request_sent(request):
    saved = recall(request, SENT_SESSION_KEY, GoodFaithEstimate.objects.all())
    if saved is None:
        return redirect("appointments:ask_for_estimate")
    return render(request, "appointments/estimate_request_sent.html", {"estimate": saved, "due": last_moment(saved.due_at)})
