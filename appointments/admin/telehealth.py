"""Admin for telehealth: the front desk's list of call-back requests and their follow-up,
with “Schedule” to book the visit (on the appointment booking form, see
`appointments.admin.appointment`), and the text of /telehealth/ for content editors.
Every change goes through `appointments.telehealth`."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from appointments import telehealth
from appointments.admin.appointment import SCHEDULE_PARAMETER
from appointments.admin.patient_record import PatientRecordAdmin
from appointments.models import US_STATES, TelehealthPage, TelehealthRequest
from clinic.admin import FilterWithDefault, SingleRowAdmin

# What the patient sent: staff read it, never change it.
SUBMITTED_FIELDS = [
    "first_name", "last_name", "date_of_birth", "phone_number", "email", "is_new_patient",
    "state", "preferences", "reason", "consent_to_contact",
]
# Waiting longer than this is shown in bold in the list.
LONG_WAIT = timedelta(days=1)


def waiting_time(since: datetime, now: datetime) -> str:
    """How long a request has waited, as the list shows it: “waiting 2 days”, “waiting 3 hours”."""
    waited = max(now - since, timedelta(0))
    if waited >= timedelta(days=1):
        count, unit = waited.days, "day"
    elif waited >= timedelta(hours=1):
        count, unit = waited.seconds // 3600, "hour"
    else:
        count, unit = waited.seconds // 60, "minute"
    return f"waiting {count} {unit}{'' if count == 1 else 's'}"


def schedule_url(telehealth_request) -> str:
    """The staff booking form, filled in from the request (only its id travels in the address)."""
    return f"{reverse('admin:appointments_appointment_add')}?{urlencode({SCHEDULE_PARAMETER: telehealth_request.pk})}"


class StatusFilter(FilterWithDefault):
    """Open requests (new or contacted) unless asked otherwise; a search looks at all of them."""

    title = "status"
    parameter_name = "status"
    default = "open"

    def lookups(self, request, model_admin):
        return [("open", "Open (new or contacted)"), *TelehealthRequest.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() in TelehealthRequest.Status.values:
            return queryset.filter(status=self.value())
        return queryset


class StateFilter(admin.SimpleListFilter):
    """Only the states requests came from, not all fifty."""

    title = "state during the visit"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        names = dict(US_STATES)
        codes = TelehealthRequest.objects.order_by("state").values_list("state", flat=True).distinct()
        return [(code, names.get(code, code)) for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


class NewOrReturningFilter(admin.SimpleListFilter):
    title = "new or returning"
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        return [("new", "New patient"), ("returning", "Returning patient")]

    def queryset(self, request, queryset):
        if self.value() in ("new", "returning"):
            return queryset.filter(is_new_patient=self.value() == "new")
        return queryset


class FollowUpForm(forms.ModelForm):
    """The front desk's follow-up of a request. The rules (a reason to close; a request whose
    visit is booked keeps its status) are the model's and `appointments.telehealth`'s."""

    class Meta:
        model = TelehealthRequest
        fields = ["status", "close_reason", "notes"]
        help_texts = {
            "status": "New → Contacted (you called or left a message) → Scheduled or Closed. “Scheduled” is set by "
            "itself when you book the visit with “Schedule a video visit” at the top of this page.",
            "close_reason": "Needed when you close the request without a visit.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields and self.instance.status != TelehealthRequest.Status.SCHEDULED:
            # Only booking the visit schedules a request.
            status = self.fields["status"]
            status.choices = [choice for choice in status.choices if choice[0] != TelehealthRequest.Status.SCHEDULED]
            status.error_messages["invalid_choice"] = (
                "Book the visit with “Schedule a video visit” at the top of this page: "
                "the request is marked scheduled when the visit is saved."
            )


@admin.register(TelehealthRequest)
class TelehealthRequestAdmin(PatientRecordAdmin):
    form = FollowUpForm
    # Whom to call, how, where they are and how long they have waited: without opening the request.
    list_display = ["patient_name", "phone_number", "state", "waiting", "status_display", "preferences", "reference"]
    list_display_links = ["patient_name", "reference"]
    list_filter = [StatusFilter, StateFilter, NewOrReturningFilter]
    search_fields = ["=reference", "last_name", "first_name", "phone"]
    search_help_text = ("Search by first or last name (accents optional), any part of the phone number, date of birth "
                        "(e.g. 03/27/1958 or 1958-03-27), reference or email.")
    actions = ["schedule"]
    audited_list_page, audited_list_rows = "Telehealth request list", "telehealth_requests"
    readonly_fields = ["reference", "received", "waiting", "visit", *SUBMITTED_FIELDS]
    fieldsets = [
        (None, {"fields": ["reference", "received", "waiting", "visit"]}),
        ("What the patient sent", {
            "fields": SUBMITTED_FIELDS,
            "description": "As the patient gave it. Staff cannot change it here; if something is wrong, "
            "correct it when you book the visit.",
        }),
        ("Follow-up", {
            "fields": ["status", "close_reason", "notes"],
            "description": "Call the patient, then record what happened. Only staff see the notes.",
        }),
    ]

    def has_add_permission(self, request):
        return False  # requests come from patients, through the form on /telehealth/

    def get_ordering(self, request):
        # Open requests: the one waiting longest first. Finished ones: the latest first.
        return ["created_at"] if request.GET.get("status", "open") in ("open", "new", "contacted") else ["-created_at"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.is_open and request.user.has_perm("appointments.add_appointment"):
            context["schedule_url"] = schedule_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_changes(self, request, obj, form, change):
        """The follow-up, through `appointments.telehealth`."""
        data, changed = form.cleaned_data, set(form.changed_data)
        if data["status"] == TelehealthRequest.Status.CLOSED and changed & {"status", "close_reason"}:
            return telehealth.close(obj, reason=data["close_reason"], notes=data["notes"])
        if "status" not in changed:
            return telehealth.save_notes(obj, notes=data["notes"])
        if data["status"] == TelehealthRequest.Status.CONTACTED:
            return telehealth.mark_contacted(obj, notes=data["notes"])
        return telehealth.reopen(obj, notes=data["notes"])  # new: the only other choice the form offers

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        if obj.status == TelehealthRequest.Status.NEW:
            return format_html("<strong>{}</strong>", obj.get_status_display())
        return obj.get_status_display()

    @admin.display(description="waiting", ordering="created_at")
    def waiting(self, obj):
        if not obj.is_open:
            return "—"
        now = timezone.now()
        text = waiting_time(obj.created_at, now)
        return format_html("<strong>{}</strong>", text) if now - obj.created_at >= LONG_WAIT else text

    @admin.display(description="prefers")
    def preferences(self, obj):
        days = obj.preferred_days.replace(",", ", ") or "any weekday"
        times = obj.preferred_times.replace(",", ", ").lower() or "any time"
        return f"{days}; {times}"

    @admin.display(description="received")
    def received(self, obj):
        return date_format(timezone.localtime(obj.created_at), "D M j, Y, H:i")

    @admin.display(description="video visit")
    def visit(self, obj):
        if obj.appointment is None:
            return "None booked yet."
        return format_html('<a href="{}">{}</a>', obj.appointment.get_admin_url(), obj.appointment)

    @admin.action(description="Schedule a video visit for the selected request", permissions=["change"])
    def schedule(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, "Choose one request to schedule.", messages.WARNING)
            return None
        if not chosen[0].is_open:
            self.message_user(request, f"Request {chosen[0].reference} is {chosen[0].get_status_display().lower()}: "
                              "only new or contacted requests can be scheduled.", messages.WARNING)
            return None
        return redirect(schedule_url(chosen[0]))


@admin.register(TelehealthPage)
class TelehealthPageAdmin(SingleRowAdmin):
    fieldsets = [
        (None, {
            "fields": ["intro", "who_it_suits", "what_you_need", "how_to_join"],
            "description": "The text of the Telehealth page. Saved changes show on the site at once; "
            "use “View on site” to check them.",
        }),
    ]
