"""The audit trail of list pages: which staff member saw which patients listed, when (issue 14).

Opening one record is in django-auditlog's trail (appointments/audit.py); a list shows many
patients at once (the appointment list, search results, the day schedule, the calendar), so
each showing of one is a `PatientListView` with a `PatientListViewRow` per row on the page.
Written by `appointments.audit.record_list_view`, read by superusers only."""

from django.conf import settings
from django.db import models


def kept_id(model, related_name="+"):
    """The id of a row shown, kept even if that row is deleted or merged away later: the trail
    outlives the records (no database constraint, nothing cascades). Indexed for the filter
    by patient."""
    return models.ForeignKey(
        model, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name=related_name,
    )


class PatientListView(models.Model):
    """One showing of a page that lists patients: who, when, which page.

    `path` is the address without its query string: a search term is a patient value (a name,
    a phone number) and is never stored; `page` names the page in the practice's words."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The staff member's user name as it was, should the account be deleted later.
    username = models.CharField("staff member", max_length=150)
    viewed_at = models.DateTimeField("viewed", auto_now_add=True, db_index=True)
    page = models.CharField(max_length=200)
    path = models.CharField("address", max_length=300, help_text="Without the query string (a search is never kept).")
    remote_addr = models.GenericIPAddressField("from address", null=True, blank=True)

    class Meta:
        verbose_name = "list page viewed"
        verbose_name_plural = "list pages viewed"
        ordering = ["-viewed_at", "-id"]

    def __str__(self):
        return f"{self.page}, by {self.username}"


class PatientListViewRow(models.Model):
    """One row of a list page: the patient record it showed and the appointment or request it
    was. Rows with no patient record linked keep their appointment or request id, so the filter
    by patient still finds them once the record is linked."""

    view = models.ForeignKey(PatientListView, on_delete=models.CASCADE, related_name="rows")
    patient = kept_id("appointments.Patient")
    appointment = kept_id("appointments.Appointment")
    telehealth_request = kept_id("appointments.TelehealthRequest")
    estimate = kept_id("appointments.GoodFaithEstimate")
    help_request = kept_id("appointments.HelpRequest")

    class Meta:
        verbose_name = "row shown"
        verbose_name_plural = "rows shown"
