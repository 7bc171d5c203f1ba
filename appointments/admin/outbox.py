"""The outbox in the admin: what each email is waiting for."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from appointments.models import OutboxMessage
from clinic.admin import DatesFromTheAddress


@admin.register(OutboxMessage)
class OutboxMessageAdmin(DatesFromTheAddress, admin.ModelAdmin):
    """Read-only for everyone. Only superusers see who a message went to and what it said."""

    list_display = ["created_at", "kind", "reference", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["appointment"]
    search_fields = ["appointment__reference"]
    search_help_text = "Search by appointment reference."
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [
        "kind", "reference", "status", "attempts", "last_error", "next_attempt_at", "created_at", "sent_at",
        "to", "subject", "parts", "body", "attachment_name",
    ]

    def get_list_display(self, request):
        return [*self.list_display, "to"] if request.user.is_superuser else self.list_display

    def get_search_fields(self, request):
        return [*self.search_fields, "to"] if request.user.is_superuser else self.search_fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {
                "fields": ["kind", "reference", "status", "attempts", "last_error", "next_attempt_at", "created_at", "sent_at"],
                "description": "Emails wait here until the mail server takes them; failed ones are tried again "
                "by themselves. “Not delivered (gave up)” means the mail server refused the email for good, or kept "
                "failing for days: call the patient, and check the email address with them. “Not sent (no longer "
                "needed)” is a waitlist offer that ended (claimed, withdrawn or too late) before its email could go out.",
            }),
        ]
        if request.user.is_superuser:
            fieldsets.append(("Message", {"fields": ["to", "subject", "parts", "body", "attachment_name"]}))
        return fieldsets

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="sent as")
    def parts(self, obj):
        """The HTML part says what the plain text says (shown here), in the practice's colours."""
        return "Plain text and HTML in the practice's colours" if obj.html_body else "Plain text only"

    @admin.display(description="appointment", ordering="appointment__reference")
    def reference(self, obj):
        if obj.appointment is None:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.appointment.get_admin_url(), obj.appointment.reference)

    @admin.action(description="Send selected again now", permissions=["view"])
    def retry_now(self, request, queryset):
        """Waiting and failed messages are sent at once; abandoned ones get a fresh round of tries."""
        selected = OutboxMessage.objects.filter(pk__in=queryset.values("pk"))
        now = timezone.now()
        count = selected.filter(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED]).update(next_attempt_at=now)
        count += selected.filter(status=OutboxMessage.Status.ABANDONED).update(
            status=OutboxMessage.Status.FAILED, next_attempt_at=now, scheduled_tries=0,
        )
        self.message_user(request, f"{count} message{'' if count == 1 else 's'} will be sent within a few seconds.")
