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
        "to", "subject", "body", "attachment_name",
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
                "by themselves. If one keeps failing, check the email address with the patient.",
            }),
        ]
        if request.user.is_superuser:
            fieldsets.append(("Message", {"fields": ["to", "subject", "body", "attachment_name"]}))
        return fieldsets

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="appointment", ordering="appointment__reference")
    def reference(self, obj):
        if obj.appointment is None:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.appointment.get_admin_url(), obj.appointment.reference)

    @admin.action(description="Send selected again on the next run", permissions=["view"])
    def retry_now(self, request, queryset):
        waiting = [OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED]
        count = OutboxMessage.objects.filter(pk__in=queryset.values("pk"), status__in=waiting).update(next_attempt_at=timezone.now())
        self.message_user(request, f"{count} message{'' if count == 1 else 's'} will be sent on the next run of the outbox, within a few minutes.")
