"""When each provider can be booked: weekly working hours and time off."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic.hours import WEEKDAY_NAMES, TimeBlock
from clinic.models import Provider
from clinic.validators import validate_plausible_date


class WorkingHours(models.Model):
    """One block of a provider's weekly working hours. Several blocks a day are allowed; they may not overlap."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAY_NAMES)), help_text="Day of the week.")
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
        clash = self.overlapping_block()
        if clash is not None:
            raise ValidationError(
                f"{self.provider} already works {clash.starts:%H:%M}–{clash.ends:%H:%M} on {clash.get_weekday_display()}s. "
                "Make the blocks separate, e.g. 8:30–12:30 and 13:30–17:00, or change the existing block."
            )

    def overlapping_block(self):
        """Another block of the same provider on the same weekday that overlaps this one, or None.
        Overlapping blocks would offer the same time twice."""
        if self.provider_id is None or self.weekday is None or not self.starts or not self.ends or self.ends <= self.starts:
            return None
        others = WorkingHours.objects.filter(provider_id=self.provider_id, weekday=self.weekday).exclude(pk=self.pk)
        return next((other for other in others if other.as_block().overlaps(self.as_block())), None)

    def as_block(self):
        return TimeBlock(self.starts, self.ends)


class TimeOff(models.Model):
    """A stretch when a provider is away: no online bookings for them then."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField("from", help_text="When the time off starts (Eastern time).", validators=[validate_plausible_date])
    ends_at = models.DateTimeField("until", help_text="When the provider is back (Eastern time).", validators=[validate_plausible_date])
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
