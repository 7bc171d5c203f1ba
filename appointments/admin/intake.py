"""Intake forms in the admin (placeholder registration; the clinician's summary and review come next)."""

from django.contrib import admin

from appointments.models import Intake


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "review", "completed_at"]
    exclude = ["sealed_answers"]

    def has_add_permission(self, request):
        return False
