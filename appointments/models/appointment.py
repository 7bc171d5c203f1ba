"""What patients book (visit types) and what they booked (appointments)."""

import base64
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings as django_settings
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from appointments.models.booking_settings import BookingSettings
from appointments.models.patient import PatientContact, form_key_field
from clinic.models import Provider
from clinic.us_states import US_STATES
from clinic.validators import validate_plausible_date
from services.models import Service

# Letters and digits that cannot be misread over the phone (no 0/O, 1/I/L, 5/S).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
REFERENCE_LENGTH = 8
AT_LEAST_5_MINUTES = "A visit takes at least 5 minutes."


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Manage links: the token is "<nonce>.<HMAC of the nonce>", the HMAC keyed from SECRET_KEY
# (django.core.signing, which also accepts SECRET_KEY_FALLBACKS). Only the nonce is stored:
# the database, and so any backup of it, holds no working link, while the link can be made
# again whenever an email needs it (a reminder, a retried email).
def manage_link_signer() -> signing.Signer:
    """Made on each use, so it always has the current SECRET_KEY and SECRET_KEY_FALLBACKS."""
    return signing.Signer(salt="appointments.manage-link", sep=".")


def new_manage_nonce() -> str:
    return secrets.token_urlsafe(16)  # 128 bits, to find the appointment; the HMAC is the secret


def new_video_room() -> str:
    """A visit's own video room name: 120 random bits, lower-case letters and digits (any video service takes them)."""
    return base64.b32encode(secrets.token_bytes(15)).decode().lower()


def dollars(price) -> str:
    """A price as patients read it: “$95” or “$95.50”; "" for no price."""
    if price is None:
        return ""
    return f"${price:,.0f}" if price == price.to_integral_value() else f"${price:,.2f}"


class VisitTypeQuerySet(models.QuerySet):
    def bookable(self):
        return self.filter(is_active=True)


class VisitType(models.Model):
    """What a patient books, e.g. “Dry needling session”, with its length and who offers it."""

    name = models.CharField(max_length=100, help_text="As patients see it, e.g. “New patient consultation”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in booking links. Filled in from the name.")
    description = models.CharField(max_length=300, blank=True, help_text="One plain sentence shown when patients choose.")
    duration_minutes = models.PositiveIntegerField(
        "length (minutes)", validators=[MinValueValidator(5, AT_LEAST_5_MINUTES), MaxValueValidator(8 * 60, "At most 480 (8 hours).")],
        help_text="How long the visit takes, e.g. 30: 5 to 480 minutes.",
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit_types",
        help_text="The treatment page this visit belongs to, so “Book this treatment” offers it first.",
    )
    providers = models.ManyToManyField(Provider, related_name="visit_types", help_text="Who offers this visit.")
    in_office = models.BooleanField("in the office", default=True, help_text="Tick if it can happen in the office.")
    by_video = models.BooleanField("by video", default=False, help_text="Tick if it can happen as a video visit.")
    new_patients_only = models.BooleanField(
        default=False, help_text="Tick if only patients who have not been seen here before may book it."
    )
    new_patients_may_book = models.BooleanField(
        "new patients may book it directly", default=True, db_default=True,
        help_text="Untick for a treatment that new patients start with a consultation for: online, a new patient "
        "choosing it is shown the way to book a new patient consultation instead. Staff may still book it for anyone.",
    )
    self_pay_price = models.DecimalField(
        "self-pay price ($)", max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0, "The price cannot be below zero.")],
        help_text="What a patient paying themselves is charged for this visit, in dollars, e.g. 95 or 95.50. "
        "Shown on the treatment page and in booking. Leave empty if there is no set price (patients are asked to call).",
    )
    series_allowed = models.BooleanField(
        "may be booked as a series", default=False, db_default=False,
        help_text="Tick for a treatment given as a course (e.g. dry needling): patients may book 2 to 8 visits at once, "
        "every week or every two weeks, on the same weekday and time with the same provider.",
    )
    is_active = models.BooleanField("bookable online", default=True, help_text="Untick to stop offering it online.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    objects = VisitTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5), name="visit_type_at_least_5_minutes",
                violation_error_message=AT_LEAST_5_MINUTES,
            ),
            models.CheckConstraint(
                condition=Q(in_office=True) | Q(by_video=True), name="visit_type_has_a_place",
                violation_error_message="A visit must be possible in the office, by video, or both.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def duration(self):
        return timedelta(minutes=self.duration_minutes)

    @property
    def self_pay_price_text(self) -> str:
        """The self-pay price as shown (“$95”), or "" when there is none."""
        return dollars(self.self_pay_price)

    def allows(self, modality):
        return self.in_office if modality == Appointment.Modality.IN_OFFICE else self.by_video


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def overlapping(self, provider_id, starts_at, ends_at):
        return self.active().filter(provider_id=provider_id, starts_at__lt=ends_at, ends_at__gt=starts_at)


class AppointmentSeries(models.Model):
    """Visits booked together as a course of treatment (appointments.series): the same visit type,
    provider and place, every week or every two weeks. Each visit is an Appointment of its own
    (its own reminder, move and cancellation; the no-overlap rule as any other); the series ties
    them together for one booking, one manage link and one calendar file."""

    class Cadence(models.IntegerChoices):
        WEEKLY = 1, "Every week"
        FORTNIGHTLY = 2, "Every two weeks"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    every_weeks = models.PositiveSmallIntegerField("how often", choices=Cadence.choices, default=Cadence.WEEKLY)
    source = models.CharField(max_length=8, choices=[("online", "Booked online"), ("staff", "Booked by staff")], editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "series of visits"
        verbose_name_plural = "series of visits"
        constraints = [
            models.CheckConstraint(condition=Q(every_weeks__in=(1, 2)), name="series_weekly_or_fortnightly"),
        ]

    def __str__(self):
        return f"Series {self.reference}"


class Appointment(PatientContact):
    """A booked visit. Two active appointments of one provider never overlap: the
    database refuses it (see migration 0002), whatever saves the row. Every change of
    one is made by a function of `appointments.booking`."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (to confirm)"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    class Modality(models.TextChoices):
        IN_OFFICE = "in_office", "In the office"
        VIDEO = "video", "Video visit"

    class Source(models.TextChoices):
        ONLINE = "online", "Booked online"
        STAFF = "staff", "Booked by staff"

    class Coverage(models.TextChoices):
        """How the visit is paid, as the patient said when booking (45 CFR 149.610 asks it at
        scheduling). The last two are the "uninsured or self-pay" patients owed a good faith estimate."""

        NOT_ASKED = "", "Not asked"
        INSURANCE = "insurance", "Insured: a claim will be filed with the plan"
        INSURED_PAYING_SELF = "insured_self_pay", "Insured, but paying themselves (no claim filed)"
        UNINSURED = "uninsured", "Not insured: paying themselves"

    ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED)
    SELF_PAY_COVERAGE = (Coverage.INSURED_PAYING_SELF, Coverage.UNINSURED)

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    # The person, across visits (issue 14); empty only while a booking is being saved.
    patient = models.ForeignKey(
        "appointments.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="appointments",
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="appointments")
    modality = models.CharField("where", max_length=12, choices=Modality.choices, default=Modality.IN_OFFICE)
    starts_at = models.DateTimeField(db_index=True, validators=[validate_plausible_date])
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ONLINE, editable=False)

    video_link = models.URLField(
        "video link for this visit",
        blank=True,
        help_text="Only for video visits, if this one should not use its own room at the practice's video service "
        "(see the booking settings). Changed after the visit is confirmed, the patient is emailed the new link.",
    )
    # The visit's own room at the practice's video service (BookingSettings.video_room_template).
    video_room = models.CharField(max_length=32, blank=True, default=new_video_room, editable=False)
    # Video visits: where the patient will be (the clinician must be licensed there), and their
    # consent to telehealth: when, and which wording (appointments.consent). Blank for office
    # visits and for video visits booked before these were asked.
    patient_state = models.CharField(
        "state during the visit", max_length=2, choices=US_STATES, blank=True, default="", db_default="",
        help_text="Video visits: the state the patient will be in. The clinician must be licensed there.",
    )
    telehealth_consent_at = models.DateTimeField("consent to telehealth given", null=True, blank=True, editable=False)
    telehealth_consent_version = models.CharField(
        "consent wording version", max_length=20, blank=True, default="", db_default="", editable=False,
    )

    coverage = models.CharField(
        "how the visit is paid", max_length=20, choices=Coverage.choices, blank=True, default="", db_default="",
        help_text="As the patient said when booking. Uninsured or self-pay patients are owed a good faith estimate.",
    )
    # The plan the patient chose (kept if the plan is later deleted from the list: its name stays below).
    insurance_plan = models.ForeignKey(
        "appointments.InsurancePlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments",
        help_text="The plan from our list the patient said the visit is billed to.",
    )
    insurance_plan_name = models.CharField(
        "insurance plan as given", max_length=200, blank=True, default="", db_default="",
        help_text="The plan's name when booked, or as the patient typed it when their plan was not on our list: check it before the visit.",
    )

    # The day's work of the front desk (appointments.booking.check_in, save_staff_notes).
    checked_in_at = models.DateTimeField("checked in", null=True, blank=True, editable=False)
    staff_notes = models.TextField(
        "notes for staff", blank=True, default="", db_default="", max_length=2000,
        help_text="Only staff see these notes (e.g. “prefers afternoon calls”, “bring the MRI disc”). They are never "
        "emailed to anyone, and the audit trail records only that they changed. At most 2000 characters.",
    )

    manage_nonce = models.CharField(max_length=32, unique=True, null=True, editable=False, default=new_manage_nonce)
    # Links issued before manage links were signed (release of issue 11): their SHA-256, so
    # they keep working until their visit is over or a new link is issued.
    manage_token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    form_key = form_key_field()
    # A visit booked as part of a course of treatment (appointments.series); empty for a single visit.
    series = models.ForeignKey(
        AppointmentSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="visits", editable=False,
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When it was cancelled: a cancellation inside the cut-off is a late one (the patient's history).
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=Q(telehealth_consent_at__isnull=True, telehealth_consent_version="")
                | Q(telehealth_consent_at__isnull=False) & ~Q(telehealth_consent_version=""),
                name="appointment_consent_has_time_and_version",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {timezone.localtime(self.starts_at):%a %b %d, %Y, %H:%M}"

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES

    def is_over(self, now) -> bool:
        return self.ends_at <= now

    def has_started(self, now) -> bool:
        return self.starts_at <= now

    @property
    def needs_good_faith_estimate(self) -> bool:
        """Uninsured, or insured and not filing a claim: owed a good faith estimate (45 CFR 149.610)."""
        return self.coverage in self.SELF_PAY_COVERAGE

    def join_link(self, settings=None) -> str:
        """How to join a video visit: only for confirmed video visits ("" otherwise)."""
        if self.modality != self.Modality.VIDEO or self.status != self.Status.CONFIRMED:
            return ""
        return self.room_link(settings)

    def room_link(self, settings=None) -> str:
        """Where the visit meets by video, whatever its status: its own link, else its room ("" for none)."""
        return self.video_link or (settings or BookingSettings.load()).room_link(self.video_room)

    def issue_manage_token(self) -> str:
        """A new manage link for this visit (unsaved: the caller saves `manage_nonce` and
        `manage_token_hash`); every link issued before stops working. Returns the token."""
        self.manage_nonce = new_manage_nonce()
        self.manage_token_hash = None
        return self.manage_token()

    def manage_token(self) -> str:
        """The token of the current manage link, made from the stored nonce and SECRET_KEY."""
        return manage_link_signer().sign(self.manage_nonce)

    def manage_url(self) -> str:
        return django_settings.SITE_URL + reverse("appointments:manage", kwargs={"token": self.manage_token()})

    @classmethod
    def from_manage_token(cls, token):
        """The appointment a manage link belongs to, or None if it is unknown, replaced by a
        newer link, or its visit is over (for a visit of a series: the series' next visit not
        over yet, or None when they all are)."""
        if not token or len(token) > 100:
            return None
        visits = cls.objects.select_related("provider", "visit_type")
        if "." in token:
            try:
                appointment = visits.filter(manage_nonce=manage_link_signer().unsign(token)).first()
            except signing.BadSignature:
                return None
        else:
            appointment = visits.filter(manage_token_hash=hash_token(token)).first()
        if appointment is None:
            return None
        now = timezone.now()
        if appointment.is_over(now) and appointment.series_id:
            # The series' email carries its first visit's link: it shows the next visit not over yet.
            appointment = visits.filter(series_id=appointment.series_id, ends_at__gt=now).order_by("starts_at").first()
        if appointment is None or appointment.is_over(now):
            return None
        return appointment

    def get_admin_url(self):
        return reverse("admin:appointments_appointment_change", args=[self.pk])
