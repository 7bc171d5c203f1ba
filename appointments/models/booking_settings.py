from datetime import time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q

from clinic.models import SingleRowModel


def at_most(limit: int, meaning: str) -> MaxValueValidator:
    return MaxValueValidator(limit, f"At most {limit} ({meaning}).")


ROOM = "{room}"


def validate_room_template(value: str):
    """A web address with {room} in it, once, where the visit's room name goes."""
    if not value:
        return
    if value.count(ROOM) != 1:
        raise ValidationError("Put {room} once in the address, where each visit's room name goes, e.g. https://meet.example.org/psra-{room}.")
    try:
        URLValidator(schemes=["https"])(value.replace(ROOM, "room"))
    except ValidationError:
        raise ValidationError("Enter a web address starting with https://, e.g. https://meet.example.org/psra-{room}.") from None


class BookingSettings(SingleRowModel):
    """Practice-wide booking rules: one row (see `SingleRowModel`); the defaults apply until staff save it."""

    minimum_notice_minutes = models.PositiveIntegerField(
        "minimum notice (minutes)", default=120, validators=[at_most(30 * 24 * 60, "30 days")],
        help_text="Online bookings must start at least this long from now. At most 43200 (30 days).",
    )
    horizon_days = models.PositiveIntegerField(
        "how far ahead (days)", default=60, validators=[MinValueValidator(1), at_most(730, "two years")],
        help_text="Patients can book online up to this many days ahead: 1 to 730.",
    )
    slot_step_minutes = models.PositiveIntegerField(
        "time step (minutes)", default=15,
        validators=[MinValueValidator(5, "The time step must be at least 5 minutes."), at_most(240, "4 hours")],
        help_text="Times offered start every this many minutes (e.g. 9:00, 9:15, 9:30): 5 to 240.",
    )
    cancellation_cutoff_hours = models.PositiveIntegerField(
        "cancellation cut-off (hours)",
        default=24,
        validators=[at_most(30 * 24, "30 days")],
        help_text="Patients can cancel or change online until this many hours before the visit; after that they must call. "
        "At most 720 (30 days).",
    )
    change_grace_minutes = models.PositiveIntegerField(
        "change of mind after booking (minutes)",
        default=30,
        validators=[at_most(24 * 60, "24 hours")],
        help_text="For this many minutes after booking, patients can still cancel or change a visit online even when it is "
        "inside the cancellation cut-off (until it starts). Visits that close are marked “soon” when patients book them. "
        "0 to 1440 (24 hours).",
    )
    reminder_time = models.TimeField(
        "reminder time (practice time)",
        default=time(10),
        help_text="Reminders go out at this time the day before a confirmed visit (Eastern time), e.g. 10:00. A visit "
        "booked or confirmed later than that for the next day gets its reminder at once during the day (8:00 to 20:00), "
        "otherwise at this time or 8:00 on the day of the visit if that is still before it, never at night.",
    )
    video_room_template = models.CharField(
        "video room address", max_length=200, blank=True, default="", db_default="",
        validators=[validate_room_template],
        help_text="The address of a video room at your video service, with {room} where each visit's own room name goes, "
        "e.g. https://meet.example.org/psra-{room}. Every video visit gets its own random, unguessable room name when it "
        "is booked, so no two visits share a room. A visit can have its own link instead (on the appointment). Patients "
        "only see the link once their appointment is confirmed.",
    )
    intake_answers_kept_days = models.PositiveIntegerField(
        "keep intake answers (days after the visit)", default=30, db_default=30,
        validators=[MinValueValidator(1, "At least 1 day: the clinician needs the answers at the visit."), at_most(3650, "ten years")],
        help_text="The patient's online intake answers are deleted this many days after the visit (the chart is the record "
        "of truth: copy what the clinician needs into it). The record that intake was completed and reviewed, and any signed "
        "consent, stay. 1 to 3650.",
    )
    requires_confirmation = models.BooleanField(
        "front desk confirms bookings",
        default=True,
        help_text="Ticked: online bookings are “requested” until the front desk confirms them. Unticked: confirmed at once.",
    )
    no_show_limit = models.PositiveIntegerField(
        "no-shows before online bookings need confirming", default=0, validators=[at_most(50, "fifty")],
        help_text="0 (the default) turns this rule off. Otherwise: online bookings by a patient with this many no-shows "
        "or more in the months below are “requested” until the front desk confirms them, even when bookings are "
        "otherwise confirmed at once. At most 50.",
    )
    no_show_months = models.PositiveIntegerField(
        "counting no-shows of the last (months)", default=12, validators=[MinValueValidator(1), at_most(60, "five years")],
        help_text="How far back no-shows count for the rule above: 1 to 60 months.",
    )

    waitlist_claim_minutes = models.PositiveIntegerField(
        "waitlist offers can be claimed for (minutes)", default=120, db_default=120,
        validators=[MinValueValidator(10, "At least 10 minutes: patients need time to read the email."), at_most(48 * 60, "48 hours")],
        help_text="A freed time offered to a patient on the waitlist is theirs to claim for this long; then it is offered to "
        "the next patient. 10 to 2880 (48 hours). Offers are only emailed from 8:00 to 20:00.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "booking settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="booking_settings_single_row"),
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gte=5), name="booking_settings_step_at_least_5",
                violation_error_message="The time step must be at least 5 minutes.",
            ),
        ]

    def __str__(self):
        return "Booking settings"

    @classmethod
    def missing_row(cls):
        return cls()

    def room_link(self, room: str) -> str:
        """The address of the video room named `room`, or "" (no template, or a visit without a room name)."""
        return self.video_room_template.replace(ROOM, room) if self.video_room_template and room else ""

    @property
    def minimum_notice(self):
        return timedelta(minutes=self.minimum_notice_minutes)

    @property
    def slot_step(self):
        return timedelta(minutes=self.slot_step_minutes)

    @property
    def cancellation_cutoff(self):
        return timedelta(hours=self.cancellation_cutoff_hours)

    @property
    def waitlist_claim_window(self):
        return timedelta(minutes=self.waitlist_claim_minutes)

    def waitlist_claim_until(self, starts_at, emailed_at):
        """When an offer of a time starting at `starts_at`, emailed at `emailed_at`, stops: the claim
        window from the email, never past the minimum notice before the visit."""
        return min(emailed_at + self.waitlist_claim_window, starts_at - self.minimum_notice)

    @property
    def change_grace(self):
        return timedelta(minutes=self.change_grace_minutes)

    def online_changes_close_at(self, starts_at, booked_at):
        """When the patient can no longer cancel or move a visit online: the cancellation
        cut-off before it, or, when later, the end of the change-of-mind grace after booking
        (never after the visit starts). So a visit booked inside the cut-off can still be
        changed for a while, and the patient is told until when."""
        return max(starts_at - self.cancellation_cutoff, min(booked_at + self.change_grace, starts_at))

    def is_soon(self, starts_at, now):
        """A time inside the cancellation cut-off: booked now, it can be changed online only during
        the grace after booking, and the front desk may not confirm it before it starts."""
        return starts_at - now < self.cancellation_cutoff
