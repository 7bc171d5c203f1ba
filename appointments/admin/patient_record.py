from auditlog.signals import accessed
from django.contrib import admin
from django.core.exceptions import ValidationError

from appointments import search
from appointments.admin.list_audit import ListViewsAudited
from appointments.booking import BookingRefused, SlotUnavailable
from appointments.series import SeriesRefused
from clinic.admin import DatesFromTheAddress
from clinic.phone import display_phone, normalise_phone


class RefusedMeanwhile(Exception):
    """A booking or follow-up function refused a change the form let through, e.g. another
    desk took the time or scheduled the request in between. Everything was rolled back."""

    def __init__(self, refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


class PatientRecordAdmin(ListViewsAudited, DatesFromTheAddress, admin.ModelAdmin):
    """What the admins of appointments and telehealth requests share.

    - Saving goes through the functions of `appointments.booking` and `appointments.telehealth`:
      a subclass's `save_changes` calls them and returns the saved row. When one refuses, the
      form is shown again with its message next to the field, everything typed kept.
    - Every opening of a record is audited, and every showing of the list (`ListViewsAudited`).
    - Search finds what receptionists type (`appointments.search`).
    - Only superusers may delete (staff cancel or close instead, so the history stays).
    """

    def save_changes(self, request, obj, form, change):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_changes(request, obj, form, change)
        except (BookingRefused, SlotUnavailable, SeriesRefused) as refusal:
            raise RefusedMeanwhile(refusal) from None
        obj.pk = saved.pk  # the admin logs and redirects with `obj`
        obj.refresh_from_db()
        obj._state.adding = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedMeanwhile as meanwhile:
            # The admin's transaction was rolled back. Validating again usually finds the
            # problem by itself; if not, the form shows the refusal (see get_form).
            request.refused_meanwhile = meanwhile.refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "refused_meanwhile", None)
        if refusal is None:
            return form

        class ShowingTheRefusal(form):
            def clean(self):
                cleaned_data = super().clean()
                if not self.errors:
                    field = getattr(refusal, "field", None)
                    self.add_error(field if field in self.fields else None, refusal.message)
                return cleaned_data

        return ShowingTheRefusal

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        """Search as receptionists type (`appointments.search`): names without accents or case,
        any part of a phone number, a date of birth as typed, a reference or an email."""
        if not any(field.name == "patient" for field in self.model._meta.fields):
            # Records not linked to a patient record (requests for help): their own fields, and the phone.
            results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
            try:
                phone = normalise_phone(search_term)
            except ValidationError:
                return results, may_have_duplicates
            return results | queryset.filter(phone=phone), may_have_duplicates
        return search.search_records(queryset, search_term), False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The audit trail records every time staff open a patient's record (appointments/audit.py).
            accessed.send(type(obj), instance=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="mobile phone")
    def phone_number(self, obj):
        return display_phone(obj.phone)

    @admin.display(description="patient", ordering="last_name")
    def patient_name(self, obj):
        """Last name first, as the front desk files and scans them."""
        return f"{obj.last_name}, {obj.first_name}"
