"""Good faith estimates in the admin: the front desk sees which are coming due and
overdue, and sends them ("Send estimate now"). Sending goes through
`appointments.estimates.issue`; a sent estimate is a record and can no longer be edited."""

from datetime import time, timedelta

from auditlog.signals import accessed
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from appointments import estimates
from appointments.admin.list_audit import ListViewsAudited
from appointments.estimates import EstimateRefused
from appointments.models import EstimateItem, GoodFaithEstimate
from clinic.admin import DatesFromTheAddress
from clinic.hours import PRACTICE_TIME_ZONE, day_window

PATIENT_FIELDS = ["first_name", "last_name", "date_of_birth", "email", "phone"]


class EstimateItemInline(admin.TabularInline):
    """On the visit type: what its good faith estimates list."""

    model = EstimateItem
    extra = 0
    fields = ["code_type", "code", "description", "quantity", "charge", "order"]
    verbose_name = "expected item for good faith estimates"
    verbose_name_plural = (
        "Expected items for good faith estimates (patients paying themselves get these codes and charges; "
        "estimates already sent keep what they said)"
    )


def end_of_today(now):
    return day_window(timezone.localtime(now, PRACTICE_TIME_ZONE).date())[1]


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue (not sent)"),
            ("coming", "Coming due (to send, not overdue)"),
            ("today", "Due by the end of today"),
            ("sent", "Sent"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.overdue(now)
        if self.value() == "coming":
            return queryset.to_prepare().filter(due_at__gt=now)
        if self.value() == "today":
            return queryset.to_prepare().filter(due_at__lte=end_of_today(now))
        if self.value() == "sent":
            return queryset.filter(status=GoodFaithEstimate.Status.SENT)
        return queryset


@admin.register(GoodFaithEstimate)
class GoodFaithEstimateAdmin(ListViewsAudited, DatesFromTheAddress, admin.ModelAdmin):
    # "delivery" says when it was sent and delivered: no separate "issued" column, so the list fits at 1280 px.
    list_display = ["reference", "status", "due", "source", "visit_type", "service_date", "delivery"]
    list_filter = [DueFilter, "status", "source"]
    list_select_related = ["visit_type", "message", "appointment"]
    search_fields = ["reference", "appointment__reference"]
    search_help_text = "Search by estimate or appointment reference."
    actions = ["send_now"]
    audited_list_page, audited_list_rows = "Good faith estimates", "estimates"
    fieldsets = [
        (None, {
            "fields": ["reference", "status", "due", "source", "appointment_link"],
            "description": "A written estimate of charges for a patient who is uninsured or not using their insurance "
            "(federal rule 45 CFR 149.610). It must reach the patient by the due time. Estimates of visit types with "
            "expected items are sent automatically at booking; the others wait here: add the expected items to the "
            "visit type, then use “Send estimate now” in the list.",
        }),
        ("Patient", {"fields": PATIENT_FIELDS + ["coverage"]}),
        ("What it is for", {"fields": ["visit_type", "service_date", "expected_date"]}),
        ("As sent", {"fields": ["issued_at", "delivery", "practice_npi", "practice_tax_id", "provider_name", "provider_npi", "item_lines", "total"]}),
    ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The audit trail records every time staff open an estimate: it holds patient details (appointments/audit.py).
            accessed.send(type(obj), instance=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request):
        # Estimates come from self-pay bookings and from the request form (/estimates/ask/), which the
        # front desk also fills in for a patient who asks by phone.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        shown = ["reference", "status", "due", "source", "appointment_link", "service_date", "issued_at", "delivery",
                 "practice_npi", "practice_tax_id", "provider_name", "provider_npi", "item_lines", "total"]
        if obj is None or obj.status != GoodFaithEstimate.Status.TO_PREPARE:
            # Sent, withdrawn or replaced: a record of what the patient was given.
            return shown + PATIENT_FIELDS + ["coverage", "visit_type", "expected_date"]
        if obj.appointment_id is not None:
            # The visit's own details are corrected on the appointment.
            return shown + PATIENT_FIELDS + ["coverage", "visit_type", "expected_date"]
        return shown

    @admin.display(description="due by", ordering="due_at")
    def due(self, obj):
        due = timezone.localtime(obj.due_at, PRACTICE_TIME_ZONE)
        if due.time() == time(0):  # the end of the day before
            text = (due - timedelta(minutes=1)).strftime("%a %b %d, end of day")
        else:  # a visit sooner than the next business day: due before it starts
            text = due.strftime("%a %b %d, before %H:%M")
        if obj.status == GoodFaithEstimate.Status.TO_PREPARE and obj.due_at <= timezone.now():
            return format_html("<strong>{} — overdue</strong>", text)
        return text

    @admin.display(description="date of service")
    def service_date(self, obj):
        if obj.service_starts_at:
            return timezone.localtime(obj.service_starts_at, PRACTICE_TIME_ZONE).strftime("%a %b %d, %Y %H:%M")
        return obj.expected_date.strftime("%b %d, %Y (expected)") if obj.expected_date else "—"

    @admin.display(description="email to the patient")
    def delivery(self, obj):
        if obj.message is None:
            return "—"
        if obj.delivered_at:
            return f"Delivered {timezone.localtime(obj.delivered_at, PRACTICE_TIME_ZONE):%b %d, %H:%M}"
        return obj.message.get_status_display()

    @admin.display(description="appointment")
    def appointment_link(self, obj):
        if obj.appointment is None:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.appointment.get_admin_url(), obj.appointment.reference)

    @admin.display(description="items")
    def item_lines(self, obj):
        if not obj.items:
            return "— (filled in when sent)"
        return format_html(
            "<ul>{}</ul>",
            format_html("".join(["<li>{} {}: {} × ${}</li>"] * len(obj.items)),
                        *[value for item in obj.items for value in (item["code"], item["description"], item["quantity"], item["charge"])]),
        )

    @admin.action(description="Send estimate now (emails the patient a link to it)", permissions=["change"])
    def send_now(self, request, queryset):
        sent = 0
        for estimate in queryset:
            try:
                estimates.issue(estimate)
            except EstimateRefused as refusal:
                self.message_user(request, f"{estimate.reference}: {refusal.message}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} estimate{'s' if sent != 1 else ''} sent: the email{'s are' if sent != 1 else ' is'} "
                              "in the outbox, and its delivery shows here.", messages.SUCCESS)
