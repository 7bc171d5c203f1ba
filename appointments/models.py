import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clinic.hours import TimeBlock
from clinic.models import Provider
from services.models import Service, rich_text_field, sanitize_rich_text

# Letters and digits that cannot be misread over the phone (no 0/O, 1/I/L, 5/S).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BookingSettings(models.Model):
    """Practice-wide booking rules. There is exactly one row (pk=1); see `BookingSettings.load`."""

    minimum_notice_minutes = models.PositiveIntegerField(
        "minimum notice (minutes)", default=120, help_text="Online bookings must start at least this long from now."
    )
    horizon_days = models.PositiveIntegerField(
        "how far ahead (days)", default=60, help_text="Patients can book online up to this many days ahead."
    )
    slot_step_minutes = models.PositiveIntegerField(
        "time step (minutes)", default=15, help_text="Times offered start every this many minutes (e.g. 9:00, 9:15, 9:30)."
    )
    cancellation_cutoff_hours = models.PositiveIntegerField(
        "cancellation cut-off (hours)",
        default=24,
        help_text="Patients can cancel or change online until this many hours before the visit; after that they must call.",
    )
    video_room_url = models.URLField(
        "video room link",
        blank=True,
        help_text="The practice's video room that patients join for video visits. Each appointment can have its own "
        "link instead. Patients only see it once their appointment is confirmed.",
    )
    telehealth_states = models.CharField(
        "states for video visits",
        max_length=200,
        default="MD,VA,DC",
        help_text="Two-letter codes of the states where our providers are licensed, separated by commas, e.g. MD,VA,DC. "
        "Patients must be in one of them during a video visit.",
    )
    requires_confirmation = models.BooleanField(
        "front desk confirms bookings",
        default=True,
        help_text="Ticked: online bookings are “requested” until the front desk confirms them. Unticked: confirmed at once.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "booking settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="booking_settings_single_row"),
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="booking_settings_step_at_least_5"),
        ]

    def __str__(self):
        return "Booking settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings

    @property
    def telehealth_state_codes(self):
        return [code.strip().upper() for code in self.telehealth_states.split(",") if code.strip()]

    @property
    def minimum_notice(self):
        return timedelta(minutes=self.minimum_notice_minutes)

    @property
    def slot_step(self):
        return timedelta(minutes=self.slot_step_minutes)

    @property
    def cancellation_cutoff(self):
        return timedelta(hours=self.cancellation_cutoff_hours)


class WorkingHours(models.Model):
    """One block of a provider's weekly working hours. Several blocks a day are allowed."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(
        choices=[(number, name) for number, name in enumerate(
            ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])],
        help_text="Day of the week.",
    )
    starts = models.TimeField(help_text="Start of the block, e.g. 9:00.")
    ends = models.TimeField(help_text="End of the block, e.g. 12:30. Must be after the start.")

    class Meta:
        verbose_name = verbose_name_plural = "working hours"
        ordering = ["provider", "weekday", "starts"]
        constraints = [models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="working_hours_end_after_start")]

    def __str__(self):
        return f"{self.provider}: {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self):
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": "The end must be after the start."})

    def as_block(self):
        return TimeBlock(self.starts, self.ends)


class TimeOff(models.Model):
    """A stretch when a provider is away: no online bookings for them then."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField("from", help_text="When the time off starts (Eastern time).")
    ends_at = models.DateTimeField("until", help_text="When the provider is back (Eastern time).")
    note = models.CharField(max_length=200, blank=True, help_text="Optional note for staff, e.g. “Conference”. Patients never see it.")

    class Meta:
        verbose_name = verbose_name_plural = "time off"
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="time_off_end_after_start")]

    def __str__(self):
        return f"{self.provider}: {timezone.localtime(self.starts_at):%b %d %H:%M} – {timezone.localtime(self.ends_at):%b %d %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "“Until” must be after “from”."})


class VisitTypeQuerySet(models.QuerySet):
    def bookable(self):
        return self.filter(is_active=True)


class VisitType(models.Model):
    """What a patient books, e.g. “Dry needling session”, with its length and who offers it."""

    name = models.CharField(max_length=100, help_text="As patients see it, e.g. “New patient consultation”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in booking links. Filled in from the name.")
    description = models.CharField(max_length=300, blank=True, help_text="One plain sentence shown when patients choose.")
    duration_minutes = models.PositiveIntegerField("length (minutes)", help_text="How long the visit takes, e.g. 30.")
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
    is_active = models.BooleanField("bookable online", default=True, help_text="Untick to stop offering it online.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    objects = VisitTypeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=5), name="visit_type_at_least_5_minutes"),
            models.CheckConstraint(condition=Q(in_office=True) | Q(by_video=True), name="visit_type_has_a_place"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.in_office and not self.by_video:
            raise ValidationError("A visit must be possible in the office, by video, or both.")

    @property
    def duration(self):
        return timedelta(minutes=self.duration_minutes)

    def allows(self, modality):
        return self.in_office if modality == Appointment.Modality.IN_OFFICE else self.by_video


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def overlapping(self, provider_id, starts_at, ends_at):
        return self.active().filter(provider_id=provider_id, starts_at__lt=ends_at, ends_at__gt=starts_at)


class Appointment(models.Model):
    """A booked visit. Two active appointments of one provider never overlap: the
    database refuses it (see migration 0002), whatever saves the row."""

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

    ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="appointments")
    modality = models.CharField("where", max_length=12, choices=Modality.choices, default=Modality.IN_OFFICE)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ONLINE, editable=False)

    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    phone = models.CharField("mobile phone", max_length=20)
    email = models.EmailField(max_length=254)
    is_new_patient = models.BooleanField("new patient")
    reason = models.CharField(max_length=500, blank=True)
    consent_to_contact = models.BooleanField(default=False)

    video_link = models.URLField(
        "video link for this visit",
        blank=True,
        help_text="Only for video visits, if this one should not use the practice's video room link.",
    )

    manage_token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.reference} — {timezone.localtime(self.starts_at):%a %b %d, %H:%M}"

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES

    def join_link(self, settings=None) -> str:
        """How to join a video visit: only for confirmed video visits ("" otherwise)."""
        if self.modality != self.Modality.VIDEO or self.status != self.Status.CONFIRMED:
            return ""
        return self.video_link or (settings or BookingSettings.load()).video_room_url

    def issue_manage_token(self) -> str:
        """A new secret for the patient's manage link; only its hash is stored."""
        token = secrets.token_urlsafe(32)  # 256 bits
        self.manage_token_hash = hash_token(token)
        return token

    @classmethod
    def from_manage_token(cls, token):
        """The appointment a manage link belongs to, or None if it is unknown or expired."""
        if not token or len(token) > 100:
            return None
        appointment = cls.objects.select_related("provider", "visit_type").filter(manage_token_hash=hash_token(token)).first()
        if appointment is None or appointment.ends_at <= timezone.now():
            return None
        return appointment

    def get_admin_url(self):
        return reverse("admin:appointments_appointment_change", args=[self.pk])


US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
]


class TelehealthRequest(models.Model):
    """A patient asking to be called back to arrange a video visit."""

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

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    phone = models.CharField("mobile phone", max_length=20)
    email = models.EmailField(max_length=254)
    is_new_patient = models.BooleanField("new patient")
    state = models.CharField("state during the visit", max_length=2, choices=US_STATES)
    preferred_days = models.CharField(max_length=60, blank=True, help_text="Weekdays the patient prefers.")
    preferred_times = models.CharField(max_length=60, blank=True, help_text="Times of day the patient prefers.")
    reason = models.CharField(max_length=500, blank=True)
    consent_to_contact = models.BooleanField(default=False)

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
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="telehealth_request",
        help_text="The video visit booked for this request.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""), name="telehealth_request_closed_has_reason"
            ),
        ]

    def __str__(self):
        return f"Telehealth request {self.reference}"

    def clean(self):
        if self.status == self.Status.CLOSED and not self.close_reason:
            raise ValidationError({"close_reason": "Choose why the request is closed."})

    def get_admin_url(self):
        return reverse("admin:appointments_telehealthrequest_change", args=[self.pk])


class TelehealthPage(models.Model):
    """The staff-editable text of /telehealth/. There is exactly one row (pk=1)."""

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
        self.pk = 1
        sanitize_rich_text(self)
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        return cls.objects.filter(pk=1).first()

    def get_absolute_url(self):
        return reverse("appointments:telehealth")


class OutboxMessage(models.Model):
    """An email waiting to be sent. Written in the same transaction as the change it is
    about, so a mail server that is down never loses a message: `send_outbox` retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"

    kind = models.CharField(max_length=40, help_text="What the message is, e.g. patient confirmation.")
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_content = models.TextField(blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox message"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"
