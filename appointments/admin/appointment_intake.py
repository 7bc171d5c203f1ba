"""The intake on the appointment admin: where each visit's forms stand (a column of the list, a
panel on the visit's page with the link to its summary), and “Resend the intake link” (a button
and an action) calling `appointments.intake.send_intake_link`. Never an answer."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone

from appointments import intake as intakes
from appointments.intake import intake_of
from appointments.models import Appointment


class IntakeOnAppointmentAdmin:
    """Mixed into the appointment admin."""

    def get_urls(self):
        resend = self.admin_site.admin_view(self.resend_intake_link_view)
        return [path("<path:object_id>/intake-link/", resend, name="appointments_appointment_intake_link"), *super().get_urls()]

    @admin.display(description="intake forms")
    def intake_status(self, obj):
        return intakes.status_text(intake_of(obj))

    def resend_intake_link_view(self, request, object_id):
        appointment = self._appointment_to_change(request, object_id)
        if appointment is None:
            self.message_user(request, "That appointment does not exist (any more).", messages.WARNING)
            return redirect("admin:appointments_appointment_changelist")
        if request.method == "POST":
            self.send_intake_link(request, appointment)
        return redirect(reverse("admin:appointments_appointment_change", args=[appointment.pk]))

    def send_intake_link(self, request, appointment) -> bool:
        try:
            intakes.send_intake_link(appointment)
        except intakes.IntakeRefused as refusal:
            self.message_user(request, refusal.message, messages.WARNING)
            return False
        self.message_user(request, f"The patient of {appointment.reference} is emailed the link to their forms.", messages.SUCCESS)
        return True

    @admin.action(description="Email the patient the link to their intake forms again", permissions=["change"])
    def resend_intake_link(self, request, queryset):
        for appointment in queryset.order_by("starts_at"):
            self.send_intake_link(request, appointment)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["intake_panel"] = self.intake_panel(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def intake_panel(self, request, appointment: Appointment) -> dict:
        """Where the visit's forms stand, the link to the summary for those who may open it, and the resend button."""
        intake = intake_of(appointment)
        sections = len(intakes.sections_for(appointment, intake)) if intake is not None else None
        may_resend = (
            self.has_change_permission(request, appointment) and appointment.is_active
            and not appointment.is_over(timezone.now()) and not (intake is not None and intake.is_complete)
        )
        return {
            "status": intakes.status_text(intake, sections),
            "summary_url": intake.get_admin_url() if intake is not None and request.user.has_perm("appointments.view_intake") else "",
            "resend_url": reverse("admin:appointments_appointment_intake_link", args=[appointment.pk]) if may_resend else "",
        }
