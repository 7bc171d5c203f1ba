"""Good faith estimates (45 CFR 149.610): what a visit type is expected to be billed as
(`EstimateItem`, staff-edited), and the estimate a patient paying themselves receives
(`GoodFaithEstimate`, a snapshot fixed when it is issued). Every change of an estimate is
made by a function of `appointments.estimates`."""

import re
import secrets
from decimal import Decimal

from django.conf import settings as django_settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from appointments.models.appointment import Appointment, VisitType, new_reference
from appointments.models.outbox import OutboxMessage
from appointments.models.patient import clean_phone, form_key_field, validate_date_of_birth
from clinic.validators import validate_plausible_date, validate_single_line

CPT_CODE = re.compile(r"^[0-9]{4}[0-9FTU]$")
HCPCS_CODE = re.compile(r"^[A-V][0-9]{4}$")


class EstimateItem(models.Model):
    """One item or service a visit type is expected to include, with its code and expected
    charge: the lines of the good faith estimates issued for it."""

    class CodeType(models.TextChoices):
        CPT = "CPT", "CPT (procedure code)"
        HCPCS = "HCPCS", "HCPCS Level II (supplies, drugs: a letter and 4 digits)"

    visit_type = models.ForeignKey(VisitType, on_delete=models.CASCADE, related_name="estimate_items")
    code_type = models.CharField("code type", max_length=5, choices=CodeType.choices, default=CodeType.CPT)
    code = models.CharField(
        "service code", max_length=5,
        help_text="As on the bill: CPT is 5 digits (e.g. 20560), HCPCS a capital letter and 4 digits (e.g. J3301).",
    )
    description = models.CharField(
        max_length=200, validators=[validate_single_line],
        help_text="In plain words, as the patient should read it, e.g. “Dry needling, 1 or 2 muscles”.",
    )
    quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1, "At least 1."), MaxValueValidator(99, "At most 99.")],
        help_text="How many are expected in one visit, usually 1.",
    )
    charge = models.DecimalField(
        "expected charge each ($)", max_digits=8, decimal_places=2,
        validators=[MinValueValidator(0, "The charge cannot be below zero.")],
        help_text="What a patient paying themselves is charged for one, in dollars, e.g. 95 or 95.50.",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    class Meta:
        verbose_name = "expected item for estimates"
        verbose_name_plural = "expected items for good faith estimates"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(charge__gte=0), name="estimate_item_charge_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="estimate_item_quantity_at_least_1"),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"

    def clean(self):
        if self.code:
            self.code = self.code.strip().upper()
            pattern = HCPCS_CODE if self.code_type == self.CodeType.HCPCS else CPT_CODE
            if not pattern.match(self.code):
                example = "a capital letter and 4 digits, e.g. J3301" if self.code_type == self.CodeType.HCPCS else "5 digits, e.g. 20560"
                raise ValidationError({"code": f"A {self.code_type} code is {example}."})

    @property
    def line_total(self) -> Decimal:
        return self.charge * self.quantity


def estimate_link_signer() -> signing.Signer:
    """Links to an estimate asked for without a booking: "<nonce>.<HMAC>", made like manage links."""
    return signing.Signer(salt="appointments.estimate-link", sep=".")


class GoodFaithEstimateQuerySet(models.QuerySet):
    def to_prepare(self):
        return self.filter(status=GoodFaithEstimate.Status.TO_PREPARE)

    def overdue(self, now):
        return self.to_prepare().filter(due_at__lte=now)

    def coming_due(self, now, until):
        return self.to_prepare().filter(due_at__gt=now, due_at__lte=until)

    def current(self):
        """Neither withdrawn nor replaced by a revised estimate."""
        return self.filter(status__in=[GoodFaithEstimate.Status.TO_PREPARE, GoodFaithEstimate.Status.SENT])


class GoodFaithEstimate(models.Model):
    """A good faith estimate of expected charges for a patient who is uninsured or not using
    their insurance (45 CFR 149.610). Created from a self-pay booking or from a patient's
    request; once issued, it is a snapshot: later price changes never alter it, and a moved
    visit gets a revised estimate that supersedes it."""

    class Status(models.TextChoices):
        TO_PREPARE = "to_prepare", "To prepare and send"
        SENT = "sent", "Sent"
        WITHDRAWN = "withdrawn", "Withdrawn (visit cancelled or no longer self-pay)"
        SUPERSEDED = "superseded", "Replaced by a revised estimate"

    class Source(models.TextChoices):
        BOOKING = "booking", "A self-pay booking"
        REQUEST = "request", "Asked for without booking"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    source = models.CharField(max_length=8, choices=Source.choices, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_PREPARE, db_index=True, editable=False)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="estimates", editable=False,
    )
    visit_type = models.ForeignKey(
        VisitType, null=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The visit the estimate is for: its expected items are copied into the estimate when it is sent.",
    )
    coverage = models.CharField(
        "how the patient pays", max_length=20,
        choices=[choice for choice in Appointment.Coverage.choices if choice[0] in Appointment.SELF_PAY_COVERAGE],
    )
    # The patient, as they gave their details.
    first_name = models.CharField(max_length=60, validators=[validate_single_line])
    last_name = models.CharField(max_length=60, validators=[validate_single_line])
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    email = models.EmailField(max_length=254)
    phone = models.CharField("phone", max_length=20, blank=True)
    # When: the booked visit's start, or (asked for without booking) the day the patient expects.
    service_starts_at = models.DateTimeField("date of service", null=True, blank=True, editable=False)
    expected_date = models.DateField(
        "expected date", null=True, blank=True, validators=[validate_plausible_date], help_text="Asked for without booking: the day the patient expects the visit, if they said.",
    )
    due_at = models.DateTimeField("due by", db_index=True, editable=False, help_text="The latest the patient may receive it.")

    # The snapshot, filled in when the estimate is issued (`estimates.issue`).
    service_name = models.CharField("service", max_length=100, blank=True, editable=False)
    practice_name = models.CharField(max_length=120, blank=True, editable=False)
    practice_address = models.CharField(max_length=300, blank=True, editable=False)
    practice_phone = models.CharField(max_length=30, blank=True, editable=False)
    practice_npi = models.CharField("practice NPI", max_length=10, blank=True, editable=False)
    practice_tax_id = models.CharField("practice tax ID", max_length=10, blank=True, editable=False)
    provider_name = models.CharField("clinician", max_length=200, blank=True, editable=False)
    provider_npi = models.CharField("clinician NPI", max_length=10, blank=True, editable=False)
    items = models.JSONField(default=list, blank=True, editable=False)
    total = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True, editable=False)
    notice_version = models.CharField(max_length=20, blank=True, editable=False)
    issued_at = models.DateTimeField("sent", null=True, blank=True, editable=False)
    message = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="estimates", editable=False,
        help_text="The email that carries it: whether it has gone out is recorded there.",
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by", editable=False,
    )
    link_nonce = models.CharField(max_length=32, unique=True, null=True, editable=False)
    form_key = form_key_field()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GoodFaithEstimateQuerySet.as_manager()

    class Meta:
        verbose_name = "good faith estimate"
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(issued_at__isnull=False), name="good_faith_estimate_sent_has_issue_time",
            ),
        ]

    def __str__(self):
        return f"Estimate {self.reference}"

    def get_admin_url(self):
        return reverse("admin:appointments_goodfaithestimate_change", args=[self.pk])

    def clean(self):
        super().clean()
        clean_phone(self)

    @property
    def patient_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT

    @property
    def delivered_at(self):
        """When the outbox handed the email to the mail server (None while waiting or failing)."""
        if self.message is not None and self.message.status == OutboxMessage.Status.SENT:
            return self.message.sent_at
        return None

    def link_token(self) -> str:
        return estimate_link_signer().sign(self.link_nonce)

    def patient_url(self) -> str:
        """Where the patient reads it: behind their manage link, or (asked for without booking)
        behind a link of its own. Made when an email is sent; never stored."""
        if self.appointment_id is not None:
            token = self.appointment.manage_token()
            return django_settings.SITE_URL + reverse("appointments:manage_estimate", kwargs={"token": token})
        return django_settings.SITE_URL + reverse("appointments:estimate", kwargs={"token": self.link_token()})

    @classmethod
    def from_link_token(cls, token):
        """The estimate (asked for without booking) a link belongs to, or None."""
        if not token or len(token) > 100 or "." not in token:
            return None
        try:
            nonce = estimate_link_signer().unsign(token)
        except signing.BadSignature:
            return None
        return cls.objects.filter(link_nonce=nonce, appointment__isnull=True).exclude(status=cls.Status.WITHDRAWN).first()


def new_link_nonce() -> str:
    return secrets.token_urlsafe(16)
