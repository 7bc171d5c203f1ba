"""Booking rules for staff, who book by phone: the office must be open and the
provider working and free, but the online rules (notice, horizon, time step) do not
apply. Also the status changes the front desk makes. Used by the admin."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join

from appointments import booking, notifications
from appointments.loader import load_schedules, practice_hours
from appointments.models import Appointment
from clinic.hours import PRACTICE_TIME_ZONE


def local_day_window(day: date) -> tuple[datetime, datetime]:
    """From midnight to midnight of `day` in the practice's time zone (23 or 25 hours on DST days)."""
    return (
        datetime.combine(day, time.min, tzinfo=PRACTICE_TIME_ZONE),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=PRACTICE_TIME_ZONE),
    )


def hours_text(blocks) -> str:
    return " and ".join(f"{block.opens:%H:%M}–{block.closes:%H:%M}" for block in blocks)


def why_staff_cannot_book(provider, visit_type, starts_at, exclude_appointment_id=None, now=None) -> str:
    """Why staff cannot book this visit ("" if they can).

    Staff may book however soon or far ahead, on any minute: notice, horizon and time
    step are online rules. The office must be open (holiday hours applied), the provider
    working, not on time off and free for the whole visit; the database has the last word.
    """
    now = now or timezone.now()
    ends_at = starts_at + visit_type.duration
    local = timezone.localtime(starts_at, PRACTICE_TIME_ZONE)
    day = local.date()
    when = date_format(local, "l, F j")
    length = f"a {visit_type.duration_minutes}-minute visit at {local:%H:%M}"

    def fits(intervals):
        return any(start <= starts_at and ends_at <= end for start, end in intervals)

    if starts_at < now:
        return "That time has passed. Choose a time from now on."
    practice = practice_hours(fresh=True)
    day_hours = practice.hours_on(day)
    if day_hours.is_closed:
        holiday = f" ({day_hours.holiday.label})" if day_hours.holiday else ""
        return f"The office is closed on {when}{holiday}."
    if not fits(day_hours.intervals(PRACTICE_TIME_ZONE)):
        return f"The office is open {hours_text(day_hours.blocks)} on {when}: {length} does not fit."
    schedule = load_schedules([provider.pk], day, day, exclude_appointment_id)[0]
    blocks = sorted(schedule.weekly.get(day.weekday(), ()))
    working = [
        (datetime.combine(day, block.opens, tzinfo=PRACTICE_TIME_ZONE), datetime.combine(day, block.closes, tzinfo=PRACTICE_TIME_ZONE))
        for block in blocks
    ]
    if not blocks:
        return f"{provider} does not work on {local:%A}s."
    if not fits(working):
        return f"{provider} works {hours_text(blocks)} on {local:%A}s: {length} does not fit."
    if any(start < ends_at and starts_at < end for start, end in schedule.time_off):
        return f"{provider} has time off then."
    clash = Appointment.objects.overlapping(provider.pk, starts_at, ends_at).exclude(pk=exclude_appointment_id).first()
    if clash is not None:
        clash_start, clash_end = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
        return f"{provider} already has appointment {clash.reference} from {clash_start:%H:%M} to {clash_end:%H:%M}."
    return ""


def confirm_appointment(appointment):
    appointment.status = Appointment.Status.CONFIRMED
    appointment.save(update_fields=["status", "updated_at"])
    notifications.queue_confirmed(appointment)


def cancel_by_staff(appointment):
    booking.cancel(appointment, by_patient=False)


def status_setter(status):
    """Completed and no-show record what happened; no email goes out."""

    def set_status(appointment):
        appointment.status = status
        appointment.save(update_fields=["status", "updated_at"])

    return set_status


def linked_appointments(appointments):
    return format_html_join(
        ", ",
        '<a href="{}">{}</a> ({}, {})',
        (
            (a.get_admin_url(), a.reference, date_format(timezone.localtime(a.starts_at), "D M j, H:i"), a.provider)
            for a in appointments
        ),
    )
