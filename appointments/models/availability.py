from django.db import models


class AvailabilityVersion(models.Model):
    """One row (id 1) whose number the database raises, by triggers in the same transaction, on
    every change of what the time and details pages show: a booking, move or cancellation,
    working hours, time off, office hours, holiday hours (closures), visit types, providers,
    licences and the booking settings. See appointments.availability_version."""

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "availability version"

    def __str__(self):
        return f"Availability version {self.number}"
