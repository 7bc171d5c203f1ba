from auditlog.signals import accessed
from django.contrib import admin
from django.core.exceptions import ValidationError

from clinic.phone import display_phone, normalise_phone


class PatientRecordAdmin(admin.ModelAdmin):
    """What the admins of appointments and telehealth requests share: every opening of a
    record is audited, a search also finds a phone number however it is typed, and only
    superusers may delete (staff cancel or close instead, so the history stays)."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

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
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="mobile phone")
    def phone_number(self, obj):
        return display_phone(obj.phone)
