"""Emails about appointments, through an outbox.

Each `queue_*` function writes `OutboxMessage` rows and must run inside the transaction
that makes the change (see `appointments.booking`), so the change and its emails are
saved together or not at all. Delivery is tried once the transaction commits; a mail
server that is down only leaves the message failed, and `manage.py send_outbox`
retries it later. Nothing here raises into the request that booked.

Privacy: subjects name the practice, never the visit; staff alerts carry a reference
and an admin link only; logs carry message ids and kinds only.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from appointments.models import Appointment, BookingSettings, OutboxMessage
from clinic.hours import PRACTICE_TIME_ZONE
from clinic.models import Practice

logger = logging.getLogger(__name__)

# What a message is (OutboxMessage.kind).
PATIENT_RECEIVED = "patient_received"
PATIENT_CONFIRMED = "patient_confirmed"
PATIENT_CANCELLED = "patient_cancelled"
PATIENT_RESCHEDULED = "patient_rescheduled"
PATIENT_REMINDER = "patient_reminder"
STAFF_NEW_BOOKING = "staff_new_booking"
STAFF_CANCELLED = "staff_cancelled"
STAFF_RESCHEDULED = "staff_rescheduled"

CALENDAR_FILE_NAME = "appointment.ics"
CALENDAR_MIMETYPE = "text/calendar"

# A claimed message is left alone by other senders for this long. One message is claimed
# right before it is sent, so this only has to outlast a single SMTP conversation.
CLAIM_DURATION = timedelta(minutes=5)
# Wait before attempt 2, 3, 4, …; the last step repeats.
RETRY_DELAYS = [timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 240, 720, 1440)]


@dataclass(frozen=True)
class PracticeDetails:
    """What emails say about the practice; works before anyone has entered the practice."""

    name: str
    phone: str
    address: str

    @classmethod
    def load(cls):
        practice = Practice.load()
        if practice is None:
            return cls(name="our practice", phone="", address="")
        return cls(name=practice.name, phone=practice.phone_display, address=", ".join(practice.address_lines))


# --- Queueing ---------------------------------------------------------------


def queue_booking_received(appointment, manage_token):
    """The patient's “request received” (or “confirmed”) email with a calendar file, and the front desk's alert."""
    practice = PracticeDetails.load()
    if appointment.status == Appointment.Status.CONFIRMED:
        kind, template, subject = PATIENT_CONFIRMED, "confirmed", f"Appointment confirmed — {practice.name}"
    else:
        kind, template, subject = PATIENT_RECEIVED, "received", f"Your appointment request at {practice.name}"
    manage_url = settings.SITE_URL + reverse("appointments:manage", kwargs={"token": manage_token})
    messages = [_patient_message(appointment, practice, kind, template, subject, manage_url=manage_url, calendar="REQUEST")]
    # Bookings the front desk made itself need no alert to the front desk.
    if appointment.source != Appointment.Source.STAFF:
        if appointment.status == Appointment.Status.REQUESTED:
            subject = f"New online booking {appointment.reference} — please confirm"
            change = "A patient booked online. The booking waits for you to confirm it."
        else:
            subject = f"New online booking {appointment.reference}"
            change = "A patient booked online. The booking was confirmed automatically."
        messages.append(_staff_message(appointment, STAFF_NEW_BOOKING, subject, change))
    _queue(messages)


def queue_confirmed(appointment):
    """The front desk confirmed a requested booking: tell the patient, with an updated calendar file."""
    practice = PracticeDetails.load()
    _queue([
        _patient_message(
            appointment, practice, PATIENT_CONFIRMED, "confirmed", f"Appointment confirmed — {practice.name}", calendar="REQUEST"
        )
    ])


def queue_cancelled(appointment, by_patient):
    """Tell the patient (with a calendar file that removes the event); alert the front desk if the patient cancelled."""
    practice = PracticeDetails.load()
    messages = [
        _patient_message(
            appointment, practice, PATIENT_CANCELLED, "cancelled", f"Appointment cancelled — {practice.name}",
            calendar="CANCEL", by_patient=by_patient, book_url=settings.SITE_URL + reverse("appointments:book"),
        )
    ]
    if by_patient:
        messages.append(_staff_message(
            appointment, STAFF_CANCELLED, f"Cancelled online: {appointment.reference}",
            "The patient cancelled this appointment online. The time is free again.",
        ))
    _queue(messages)


def queue_rescheduled(appointment, by_patient=True):
    """The visit moved: the patient gets the new time and a calendar file that updates the same event;
    the front desk gets an alert unless it moved the visit itself (`by_patient=False`)."""
    practice = PracticeDetails.load()
    messages = [
        _patient_message(
            appointment, practice, PATIENT_RESCHEDULED, "rescheduled", f"Appointment changed — {practice.name}",
            calendar="REQUEST",
        )
    ]
    if by_patient:
        messages.append(_staff_message(
            appointment, STAFF_RESCHEDULED, f"Moved online: {appointment.reference}",
            "The patient moved this appointment to a new time online.",
        ))
    _queue(messages)


def queue_reminder(appointment):
    """The day-before reminder. The caller marks `reminder_sent_at` in the same transaction
    (see `queue_due_reminders`). No manage link: only the token's hash is stored."""
    practice = PracticeDetails.load()
    _queue([
        _patient_message(
            appointment, practice, PATIENT_REMINDER, "reminder", f"Reminder: your appointment tomorrow — {practice.name}"
        )
    ])


def queue_due_reminders(now=None) -> int:
    """Queue one reminder for every active appointment on tomorrow's date (practice time);
    returns how many were queued. Safe to run twice at once: each appointment is marked
    with a conditional update, in the same transaction as its reminder, and only the
    run whose update changed the row queues the reminder."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now, PRACTICE_TIME_ZONE).date() + timedelta(days=1)
    day_starts = datetime.combine(tomorrow, time.min, tzinfo=PRACTICE_TIME_ZONE)
    day_ends = datetime.combine(tomorrow + timedelta(days=1), time.min, tzinfo=PRACTICE_TIME_ZONE)
    due = Appointment.objects.active().filter(starts_at__gte=day_starts, starts_at__lt=day_ends, reminder_sent_at__isnull=True)
    queued = 0
    for appointment_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            if not due.filter(pk=appointment_id).update(reminder_sent_at=now):
                continue  # Another run got there first, or the visit was cancelled meanwhile.
            queue_reminder(Appointment.objects.select_related("provider", "visit_type").get(pk=appointment_id))
            queued += 1
    return queued


def _queue(messages):
    messages = [message for message in messages if message is not None]
    for message in messages:
        message.save()
        logger.info("Queued outbox message %s (%s)", message.pk, message.kind)
    message_ids = [message.pk for message in messages]
    transaction.on_commit(lambda: _send_after_commit(message_ids))


def _send_after_commit(message_ids):
    """Try the new messages at once. Whatever goes wrong stays here: the change is already
    saved and `send_outbox` will retry, so the patient must not see an error page."""
    try:
        # A patient is waiting for the page: if the mail server fails once, leave the rest to send_outbox.
        send_pending(message_ids=message_ids, stop_after_failure=True)
    except Exception as error:
        logger.warning(
            "Could not send outbox messages %s after commit (%s); send_outbox will retry", message_ids, type(error).__name__
        )


# --- Composing --------------------------------------------------------------


def _patient_message(appointment, practice, kind, template, subject, calendar=None, **extra):
    local_start = timezone.localtime(appointment.starts_at, PRACTICE_TIME_ZONE)
    booking_settings = BookingSettings.load()
    # Only confirmed video visits have one: a requested (or cancelled) visit never shows the link.
    join_link = appointment.join_link(booking_settings)
    context = {
        "appointment": appointment,
        "practice": practice,
        "day": dateformat.format(local_start, "l, F j, Y"),
        "time": dateformat.format(local_start, "g:i A"),
        "duration_minutes": appointment.visit_type.duration_minutes,
        "provider": appointment.provider.display_name,
        "visit_type": appointment.visit_type.name,
        "is_video": appointment.modality == Appointment.Modality.VIDEO,
        "join_link": join_link,
        "cutoff_hours": booking_settings.cancellation_cutoff_hours,
        **extra,
    }
    message = OutboxMessage(
        kind=kind,
        appointment=appointment,
        to=appointment.email,
        subject=subject,
        body=_render(f"appointments/email/patient_{template}.txt", context),
    )
    if calendar:
        message.attachment_name = CALENDAR_FILE_NAME
        message.attachment_content = calendar_file(
            appointment, practice, method=calendar, sequence=_next_sequence(appointment), join_link=join_link
        )
        message.attachment_mimetype = CALENDAR_MIMETYPE
    return message


def _staff_message(appointment, kind, subject, change):
    """Only the reference, the change and an admin link: patient details stay behind the admin's sign-in.
    None when no FRONT_DESK_EMAIL is set."""
    if not settings.FRONT_DESK_EMAIL:
        return None
    context = {"reference": appointment.reference, "change": change, "admin_url": settings.SITE_URL + appointment.get_admin_url()}
    return OutboxMessage(
        kind=kind,
        appointment=appointment,
        to=settings.FRONT_DESK_EMAIL,
        subject=subject,
        body=_render("appointments/email/staff_alert.txt", context),
    )


def _render(template_name, context) -> str:
    return render_to_string(template_name, context).strip() + "\n"


def _next_sequence(appointment) -> int:
    """iCalendar SEQUENCE: calendars apply a file with the same UID only if its number is higher.
    Every calendar file already queued for this appointment counts as one revision."""
    return OutboxMessage.objects.filter(appointment=appointment, attachment_name=CALENDAR_FILE_NAME).count()


def calendar_file(appointment, practice, *, method="REQUEST", sequence=0, join_link=None) -> str:
    """An .ics file for the visit. Its UID stays the same for the life of the appointment, so
    a later file (higher SEQUENCE) moves or, with method CANCEL, removes the same event.
    A confirmed video visit carries its join link (`Appointment.join_link`, looked up when
    not given) as LOCATION, URL and in DESCRIPTION; any other visit never does."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    cancelled = method == "CANCEL"
    is_video = appointment.modality == Appointment.Modality.VIDEO
    if cancelled:
        join_link = ""
    elif join_link is None:
        join_link = appointment.join_link()
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{host}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"{appointment.reference}@{host}")
    event.add("dtstamp", timezone.now().astimezone(dt_timezone.utc))
    # UTC times need no VTIMEZONE block; calendars show them in the patient's own zone.
    event.add("dtstart", appointment.starts_at.astimezone(dt_timezone.utc))
    event.add("dtend", appointment.ends_at.astimezone(dt_timezone.utc))
    event.add("sequence", sequence)
    event.add("summary", f"Appointment at {practice.name}")
    if join_link:
        # Calendars show LOCATION as a link to click at the time of the visit.
        event.add("location", join_link)
        event.add("url", join_link)
    elif is_video:
        event.add("location", "Video visit")
    elif practice.address:
        event.add("location", practice.address)
    if cancelled:
        event.add("status", "CANCELLED")
    elif appointment.status == Appointment.Status.CONFIRMED:
        event.add("status", "CONFIRMED")
    else:
        event.add("status", "TENTATIVE")
    description = f"Reference {appointment.reference}."
    if join_link:
        description += (
            f" How to join your video visit: a few minutes before the start, open {join_link} on a phone, tablet"
            " or computer with a camera and microphone, in a quiet, private place."
        )
    elif is_video and appointment.status == Appointment.Status.REQUESTED and not cancelled:
        description += " We will send the link to join once your visit is confirmed."
    event.add("description", f"{description} To cancel or change, call {practice.phone or 'us'}.")
    # iTIP (RFC 5546) asks REQUEST and CANCEL to name an organizer and the attendee.
    organizer = icalendar.vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = icalendar.vText(practice.name)
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{appointment.email}")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()


# --- Sending ----------------------------------------------------------------


def _due(now, retry_now=False):
    """Messages to try now. A message stuck in “sending” after its claim ran out belongs to
    a sender that died mid-way: it is tried again, since a duplicate beats a lost email.
    `retry_now` also takes failed messages whose next try is still to come (after a mail
    outage is over, there is no need to wait out the back-off)."""
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    waiting = Q(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED])
    if not retry_now:
        waiting &= Q(next_attempt_at__lte=now)
    stuck = Q(status=OutboxMessage.Status.SENDING)
    return OutboxMessage.objects.filter(unclaimed & (waiting | stuck))


def _claim(message_id, now, retry_now=False) -> bool:
    """Claim one message with a conditional UPDATE. Two senders (two cron runs, or cron and
    a request's after-commit send) may pick the same row; the database applies one UPDATE
    after the other, the second no longer matches, and only one of them sends."""
    return bool(
        _due(now, retry_now).filter(pk=message_id).update(status=OutboxMessage.Status.SENDING, claimed_until=now + CLAIM_DURATION)
    )


def count_due(now=None, retry_now=False) -> int:
    return _due(now or timezone.now(), retry_now).count()


def send_pending(now=None, limit=100, message_ids=None, stop_after_failure=False, retry_now=False) -> int:
    """Send up to `limit` due messages (only `message_ids`, if given); returns how many were sent.
    Each message is claimed right before it is sent, so a slow mail server cannot make a
    claim run out while the message still waits in this batch."""
    clock = (lambda: now) if now else timezone.now
    candidates = _due(clock(), retry_now)
    if message_ids is not None:
        candidates = candidates.filter(pk__in=message_ids)
    candidate_ids = list(candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    connection = get_connection()
    sent = 0
    for message_id in candidate_ids:
        if not _claim(message_id, clock(), retry_now):
            continue
        if _deliver(OutboxMessage.objects.get(pk=message_id), connection, clock()):
            sent += 1
        elif stop_after_failure:
            break
    return sent


def message_id_header(message) -> str:
    """The same Message-ID on every attempt at one outbox message, so a mail server or
    mail program that sees a message twice (a sender that died after the server
    accepted it) can tell it is the same one."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox.{message.pk}.{int(message.created_at.timestamp())}@{host}>"


def _deliver(message, connection, now) -> bool:
    email = EmailMultiAlternatives(
        message.subject, message.body, to=[message.to], connection=connection,
        headers={"Message-ID": message_id_header(message)},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    if message.attachment_name:
        email.attach(message.attachment_name, message.attachment_content, message.attachment_mimetype or None)
    claimed = OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING)
    try:
        email.send()
    except Exception as error:
        attempts = message.attempts + 1
        delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
        claimed.update(
            status=OutboxMessage.Status.FAILED,
            attempts=F("attempts") + 1,
            # The class and the server's words, never the message itself.
            last_error=" ".join(f"{type(error).__name__}: {error}".split())[:500],
            next_attempt_at=now + delay,
            claimed_until=None,
        )
        logger.warning(
            "Outbox message %s (%s) failed on attempt %s (%s); next try in %s",
            message.pk, message.kind, attempts, type(error).__name__, delay,
        )
        return False
    claimed.update(status=OutboxMessage.Status.SENT, sent_at=now, claimed_until=None)
    logger.info("Sent outbox message %s (%s)", message.pk, message.kind)
    return True


def queue_telehealth_request_received(telehealth_request):
    """The patient's acknowledgement of a telehealth request (when we will call, the reference) and the
    front desk's alert (the reference and an admin link only). Run it in the transaction that saves the request."""
    practice = PracticeDetails.load()
    context = {
        "telehealth_request": telehealth_request,
        "practice": practice,
        "phone_ending": telehealth_request.phone[-4:],
        "preferred_days": ", ".join(filter(None, telehealth_request.preferred_days.split(","))),
        "preferred_times": ", ".join(filter(None, telehealth_request.preferred_times.split(","))).lower(),
    }
    messages = [
        OutboxMessage(
            kind="patient_telehealth_request",
            to=telehealth_request.email,
            subject=f"We have your request — {practice.name}",
            body=_render("appointments/email/telehealth_request_received.txt", context),
        )
    ]
    if settings.FRONT_DESK_EMAIL:
        staff_context = {
            "reference": telehealth_request.reference,
            "change": "A patient asked online for a call back to arrange a video visit. Please call them within one business day.",
            "admin_url": settings.SITE_URL + telehealth_request.get_admin_url(),
        }
        messages.append(OutboxMessage(
            kind="staff_telehealth_request",
            to=settings.FRONT_DESK_EMAIL,
            subject=f"New telehealth request {telehealth_request.reference} — please call back",
            body=_render("appointments/email/staff_alert.txt", staff_context),
        ))
    _queue(messages)
