"""Requests for help or an accommodation (/accessibility/ask/): the front desk's to-do list.
Every change goes through `appointments.help_requests`."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from appointments import help_requests
from appointments.admin.patient_record import PatientRecordAdmin
from appointments.models import HelpRequest
from clinic.admin import FilterWithDefault
from clinic.phone import display_phone

SUBMITTED_FIELDS = ["reference", "received", "name", "phone_number", "email", "help_asked_for", "language", "visit_reference", "message"]


class StatusFilter(FilterWithDefault):
    """New requests unless asked otherwise; a search looks at all of them."""

    title = "status"
    parameter_name = "status"
    default = HelpRequest.Status.NEW

    def lookups(self, request, model_admin):
        return [*HelpRequest.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() in HelpRequest.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(HelpRequest)
class HelpRequestAdmin(PatientRecordAdmin):
    list_display = ["reference", "received", "help_asked_for", "status_display"]
    list_filter = [StatusFilter]
    search_fields = ["=reference", "=visit_reference", "name", "email"]
    search_help_text = "Search by reference, visit reference, name, email or phone number."
    audited_list_page, audited_list_rows = "Requests for help", "help_requests"
    fieldsets = [
        ("What they asked for", {
            "fields": SUBMITTED_FIELDS,
            "description": "As sent from the website's “Ask for help” form. Arrange the help (book an interpreter, print "
            "large-print forms...), tell the person what is arranged, then mark the request handled.",
        }),
        ("Follow-up", {"fields": ["status", "notes"]}),
    ]
    readonly_fields = SUBMITTED_FIELDS

    def has_add_permission(self, request):
        return False  # requests come from the website; staff note a phone request in the patient's chart

    def save_changes(self, request, obj, form, change):
        data, changed = form.cleaned_data, set(form.changed_data)
        if "status" in changed and data["status"] == HelpRequest.Status.HANDLED:
            return help_requests.mark_handled(obj, notes=data["notes"])
        if "status" in changed:
            return help_requests.reopen(obj, notes=data["notes"])
        return help_requests.save_notes(obj, notes=data["notes"])

    @admin.display(description="received", ordering="created_at")
    def received(self, obj):
        return date_format(timezone.localtime(obj.created_at), "D M j, Y, H:i")

    @admin.display(description="help asked for")
    def help_asked_for(self, obj):
        labels = obj.kind_labels
        if obj.language:
            labels = [f"{label} ({obj.language})" if label.startswith("An interpreter") else label for label in labels]
        return "; ".join(labels) or "—"

    @admin.display(description="phone")
    def phone_number(self, obj):
        return display_phone(obj.phone) if obj.phone else "—"

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        if obj.status == HelpRequest.Status.NEW:
            return format_html("<strong>{}</strong>", obj.get_status_display())
        return obj.get_status_display()
