"""Admin for telehealth: the front desk's list of call-back requests, with “Schedule”
to book the video visit, and the text of /telehealth/ for content editors.
Imported by appointments/admin.py, whose booking form does the scheduling."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from auditlog.signals import accessed
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from appointments.admin import OPEN_TELEHEALTH_STATUSES, SCHEDULE_PARAMETER
from appointments.models import US_STATES, TelehealthPage, TelehealthRequest
from clinic.phone import display_phone, normalise_phone

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


def is_open(telehealth_request) -> bool:
    return telehealth_request.status in OPEN_TELEHEALTH_STATUSES


class StatusFilter(admin.SimpleListFilter):
    """Open requests (new or contacted) unless asked otherwise; a search looks at all of them."""

    title = "status"
    parameter_name = "status"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.searching = bool(request.GET.get(SEARCH_VAR))

    def lookups(self, request, model_admin):
        return [("open", "Open (new or contacted)"), *TelehealthRequest.Status.choices, ("all", "All")]

    def value(self):
        return super().value() or ("all" if self.searching else "open")

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_TELEHEALTH_STATUSES)
        if self.value() in TelehealthRequest.Status.values:
            return queryset.filter(status=self.value())
        return queryset

    def choices(self, changelist):
        # No "All" entry of Django's: "All" is a choice of its own, since no choice means "Open".
        for choice in super().choices(changelist):
            if choice["query_string"] != changelist.get_query_string(remove=[self.parameter_name]):
                yield choice


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


class TelehealthRequestForm(forms.ModelForm):
    class Meta:
        model = TelehealthRequest
        fields = ["status", "close_reason", "notes"]
        help_texts = {
            "status": "New → Contacted (you called or left a message) → Scheduled or Closed. “Scheduled” is set by "
            "itself when you book the visit with “Schedule a video visit” at the top of this page.",
            "close_reason": "Needed when you close the request without a visit.",
        }

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == TelehealthRequest.Status.SCHEDULED and self.instance.appointment_id is None:
            raise ValidationError(
                "Book the visit with “Schedule a video visit” at the top of this page: "
                "the request is marked scheduled when the visit is saved."
            )
        return status


@admin.register(TelehealthRequest)
class TelehealthRequestAdmin(admin.ModelAdmin):
    form = TelehealthRequestForm
    list_display = ["reference", "status_display", "waiting", "preferences", "state"]
    list_filter = [StatusFilter, StateFilter, NewOrReturningFilter]
    search_fields = ["=reference", "last_name", "phone"]
    search_help_text = "Search by reference, last name or phone number."
    actions = ["schedule"]
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

    def has_delete_permission(self, request, obj=None):
        # Close with a reason instead: the history stays.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_ordering(self, request):
        # Open requests: the one waiting longest first. Finished ones: the latest first.
        return ["created_at"] if request.GET.get("status", "open") in ("open", "new", "contacted") else ["-created_at"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalise_phone(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(phone=phone), may_have_duplicates

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The audit trail records every time staff open a patient's record (appointments/audit.py).
            accessed.send(type(obj), instance=obj)
            if is_open(obj) and request.user.has_perm("appointments.add_appointment"):
                context["schedule_url"] = schedule_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        if obj.status == TelehealthRequest.Status.NEW:
            return format_html("<strong>{}</strong>", obj.get_status_display())
        return obj.get_status_display()

    @admin.display(description="waiting", ordering="created_at")
    def waiting(self, obj):
        if not is_open(obj):
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

    @admin.display(description="mobile phone")
    def phone_number(self, obj):
        return display_phone(obj.phone)

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
        if not is_open(chosen[0]):
            self.message_user(request, f"Request {chosen[0].reference} is {chosen[0].get_status_display().lower()}: "
                              "only new or contacted requests can be scheduled.", messages.WARNING)
            return None
        return redirect(schedule_url(chosen[0]))


@admin.register(TelehealthPage)
class TelehealthPageAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {
            "fields": ["intro", "who_it_suits", "what_you_need", "how_to_join"],
            "description": "The text of the Telehealth page. Saved changes show on the site at once; "
            "use “View on site” to check them.",
        }),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not TelehealthPage.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # There is only one page text: go straight to it (or to "add" on a new site).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        page = TelehealthPage.load()
        if page is not None:
            return redirect(reverse("admin:appointments_telehealthpage_change", args=[page.pk]))
        return super().changelist_view(request, extra_context)
