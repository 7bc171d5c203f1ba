"""Telehealth: patients' requests for a call back, and the text of /telehealth/."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from appointments.models.appointment import Appointment, new_reference
from appointments.models.patient import PatientContact, form_key_field
from clinic.models import SingleRowModel
from clinic.us_states import US_STATES
from clinic.rich_text import rich_text_field, sanitize_rich_text


class TelehealthRequestQuerySet(models.QuerySet):
    def open(self):
        """Still waiting for a visit to be booked: new or contacted."""
        return self.filter(status__in=TelehealthRequest.OPEN_STATUSES)


class TelehealthRequest(PatientContact):
    """A patient asking to be called back to arrange a video visit. Every change of one is
    made by a function of `appointments.telehealth`."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        SCHEDULED = "scheduled", "Scheduled"
        CLOSED = "closed", "Closed"

    class CloseReason(models.TextChoices):
        NOT_REACHED = "not_reached", "Could not reach the patient"
        NOT_SUITABLE = "not_suitable", "Needs an office visit instead"
        NO_LONGER_NEEDED = "no_longer_needed", "Patient no longer needs it"
        DUPLICATE = "duplicate", "Duplicate request"
        OTHER = "other", "Other (see notes)"

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED)

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    patient = models.ForeignKey(
        "appointments.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="telehealth_requests",
    )
    state = models.CharField("state during the visit", max_length=2, choices=US_STATES)
    preferred_days = models.CharField(max_length=60, blank=True, help_text="Weekdays the patient prefers.")
    preferred_times = models.CharField(max_length=60, blank=True, help_text="Times of day the patient prefers.")
    form_key = form_key_field()

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, db_index=True,
        help_text="New → Contacted (you called) → Scheduled (a visit is booked) or Closed (with a reason).",
    )
    close_reason = models.CharField(
        max_length=20, choices=CloseReason.choices, blank=True, help_text="Why the request was closed without a visit."
    )
    notes = models.TextField(
        "internal notes", blank=True, help_text="For staff only, never shown to the patient: calls made, messages left."
    )
    appointment = models.OneToOneField(
        # PROTECT: a scheduled request always keeps its visit (cancel the visit instead of deleting it).
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="telehealth_request",
        help_text="The video visit booked for this request.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TelehealthRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""), name="telehealth_request_closed_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(appointment__isnull=False), name="telehealth_request_scheduled_has_visit"
            ),
        ]

    def __str__(self):
        return f"Telehealth request {self.reference}"

    def clean(self):
        super().clean()
        if self.status == self.Status.CLOSED and not self.close_reason:
            raise ValidationError({"close_reason": "Choose why the request is closed."})
        if self.status == self.Status.SCHEDULED and self.appointment_id is None:
            raise ValidationError({
                "status": "A request is scheduled once its video visit is booked: use “Schedule a video visit” "
                "at the top of this page, and the request is marked scheduled when the visit is saved."
            })

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def get_admin_url(self):
        return reverse("admin:appointments_telehealthrequest_change", args=[self.pk])


class TelehealthPage(SingleRowModel):
    """The staff-editable text of /telehealth/: one row (see `SingleRowModel`), None until staff write it."""

    intro = rich_text_field("introduction", "The opening text: what a video visit is.")
    who_it_suits = rich_text_field("who it suits", "Which visits work by video, and which need the office.")
    what_you_need = rich_text_field("what you need", "Phone or computer with a camera, a quiet private place, ...")
    how_to_join = rich_text_field("how to join", "What happens before and at the start of a video visit.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "telehealth page text"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="telehealth_page_single_row")]

    def __str__(self):
        return "Telehealth page text"

    def save(self, *args, **kwargs):
        sanitize_rich_text(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("appointments:telehealth")
