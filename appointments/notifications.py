"""What is emailed about appointments and telehealth requests, and in which words.

Each `queue_*` function composes the messages of one change (the patient's email, with a
calendar file where it helps, and the front desk's alert) and hands them to the outbox
(`appointments.outbox`, which sends and retries). It must run inside the transaction that
makes the change (the functions of `appointments.booking` and `appointments.telehealth`
call it), so the change and its emails are saved together or not at all.

Every email has a plain text body and the same words as HTML in the practice's colours
(`appointments.email_design`), from templates/appointments/email/<name>.txt and <name>.html;
both carry the same links. The outbox stores and sends both.

Privacy: subjects name the practice, never the visit; staff alerts carry a reference
and an admin link only.
"""

from dataclasses import dataclass
from datetime import timedelta
from datetime import timezone as dt_timezone
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from appointments import email_design, outbox
from appointments.models import Appointment, BookingSettings, Intake, OutboxMessage
from clinic.branding import Palette, palette_for
from clinic.hours import PRACTICE_TIME_ZONE
from clinic.models import Practice

# What a message is (OutboxMessage.kind).
PATIENT_RECEIVED = "patient_received"
PATIENT_CONFIRMED = "patient_confirmed"
PATIENT_CANCELLED = "patient_cancelled"
PATIENT_RESCHEDULED = "patient_rescheduled"
PATIENT_REMINDER = "patient_reminder"
PATIENT_NEW_LINK = "patient_new_link"
STAFF_NEW_BOOKING = "staff_new_booking"
STAFF_CANCELLED = "staff_cancelled"
STAFF_RESCHEDULED = "staff_rescheduled"
PATIENT_TELEHEALTH_REQUEST = "patient_telehealth_request"
STAFF_TELEHEALTH_REQUEST = "staff_telehealth_request"
PATIENT_ESTIMATE = "patient_estimate"
PATIENT_ESTIMATE_REQUEST = "patient_estimate_request"
STAFF_ESTIMATE_REQUEST = "staff_estimate_request"
STAFF_HELP_REQUEST = "staff_help_request"
PATIENT_VIDEO_LINK = "patient_video_link"
PATIENT_CLOSURE_CANCELLED = "patient_closure_cancelled"
PATIENT_CLOSURE_NOTICE = "patient_closure_notice"
STAFF_CLOSURE = "staff_closure"
PATIENT_INTAKE_LINK = "patient_intake_link"
STAFF_INTAKE_REVIEW = "staff_intake_review"
STAFF_INTAKE_CALL = "staff_intake_call"
STAFF_INTAKE_REVIEW_WITHDRAWN = "staff_intake_review_withdrawn"
PATIENT_WAITLIST_JOINED = "patient_waitlist_joined"
PATIENT_WAITLIST_OFFER = "patient_waitlist_offer"

CALENDAR_FILE_NAME = "appointment.ics"
SERIES_CALENDAR_FILE_NAME = "visits.ics"  # every visit of a series, in one file (queue_series_booked)
CALENDAR_MIMETYPE = "text/calendar"


@dataclass(frozen=True)
class PracticeDetails:
    """What emails say about the practice; works before anyone has entered the practice."""

    name: str
    phone: str
    address: str
    palette: Palette

    @classmethod
    def load(cls):
        practice = Practice.load()
        if practice is None:
            return cls(name="our practice", phone="", address="", palette=palette_for(None))
        # The name goes into every subject line: on one line whatever a script saved (the model refuses line breaks).
        name = " ".join(practice.name.split())
        return cls(name=name, phone=practice.phone_display, address=", ".join(practice.address_lines), palette=palette_for(practice))


# --- Queueing ---------------------------------------------------------------


def queue_booking_received(appointment):
    """The patient's “request received” (or “confirmed”) email with a calendar file, and the front desk's alert."""
    practice = PracticeDetails.load()
    if appointment.status == Appointment.Status.CONFIRMED:
        kind, template, subject = PATIENT_CONFIRMED, "confirmed", f"Appointment confirmed — {practice.name}"
    else:
        kind, template, subject = PATIENT_RECEIVED, "received", f"Your appointment request at {practice.name}"
    booking_settings = BookingSettings.load()
    soon = appointment.source == Appointment.Source.ONLINE and booking_settings.is_soon(appointment.starts_at, appointment.created_at)
    changes_close_at = timezone.localtime(
        booking_settings.online_changes_close_at(appointment.starts_at, appointment.created_at), PRACTICE_TIME_ZONE
    )
    messages = [_patient_message(
        appointment, practice, kind, template, subject, manage_url=outbox.MANAGE_LINK_PLACEHOLDER, calendar="REQUEST",
        soon_until=dateformat.format(changes_close_at, "g:i A \\o\\n l, F j") if soon else "", **_intake_offer(appointment),
    )]
    # Bookings the front desk made itself need no alert to the front desk.
    if appointment.source != Appointment.Source.STAFF:
        if appointment.status == Appointment.Status.REQUESTED:
            subject = f"New online booking {appointment.reference} — please confirm"
            change = "A patient booked online. The booking waits for you to confirm it."
        else:
            subject = f"New online booking {appointment.reference}"
            change = "A patient booked online. The booking was confirmed automatically."
        if soon:
            # When, but nothing about the patient: the alert says only that the visit is close.
            hours = booking_settings.cancellation_cutoff_hours
            subject = f"Soon: {subject}"
            change = f"Starts in under {hours} hours{' — please confirm soon' if appointment.status == Appointment.Status.REQUESTED else ''}. {change}"
        messages.append(_staff_message(appointment, STAFF_NEW_BOOKING, subject, change))
    outbox.queue(messages)


def _series_dates(visits) -> list[dict]:
    """Each visit of a series as its email lists it: the day, the time (Eastern) and its reference."""
    dates = []
    for visit in visits:
        local = timezone.localtime(visit.starts_at, PRACTICE_TIME_ZONE)
        dates.append({"day": dateformat.format(local, "l, F j, Y"), "time": dateformat.format(local, "g:i A"), "reference": visit.reference})
    return dates


def _series_message(kind, visits, practice, subject, template, context, method="REQUEST"):
    """One email about several visits of a series, to its patient, with one calendar file for them all."""
    first = visits[0]
    message = OutboxMessage(kind=kind, appointment=first, to=first.email, subject=subject, **_bodies(template, context, subject))
    message.attachment_name = SERIES_CALENDAR_FILE_NAME
    message.attachment_content = series_calendar_file(visits, practice, method=method)
    message.attachment_mimetype = CALENDAR_MIMETYPE
    return message


def queue_series_booked(visits):
    """A series booked (appointments.booking.book_series): one email to the patient listing every
    visit, with one calendar file holding them all (an event each, the same UID each visit's later
    files use), and one alert to the front desk. The email's link is the first visit's manage
    link, whose page shows the whole series."""
    practice = PracticeDetails.load()
    first = visits[0]
    if first.status == Appointment.Status.CONFIRMED:
        kind, subject = PATIENT_CONFIRMED, f"Your visits are confirmed — {practice.name}"
    else:
        kind, subject = PATIENT_RECEIVED, f"Your appointment requests at {practice.name}"
    booking_settings = BookingSettings.load()
    context = {
        "appointment": first,
        "practice": practice,
        "visits": _series_dates(visits),
        "duration_minutes": first.visit_type.duration_minutes,
        "provider": first.provider.display_name,
        "visit_type": first.visit_type.name,
        "is_video": first.modality == Appointment.Modality.VIDEO,
        "cutoff_hours": booking_settings.cancellation_cutoff_hours,
        "manage_url": outbox.MANAGE_LINK_PLACEHOLDER,
        **_intake_offer(first),
    }
    messages = [_series_message(kind, visits, practice, subject, "patient_series", context)]
    if first.source != Appointment.Source.STAFF:
        waits = first.status == Appointment.Status.REQUESTED
        messages.append(_staff_message(
            first, STAFF_NEW_BOOKING,
            f"New online booking {first.reference} and {len(visits) - 1} more — a series{' — please confirm' if waits else ''}",
            f"A patient booked a series of {len(visits)} visits online"
            f"{': each waits for you to confirm it' if waits else ', confirmed automatically'}. This is the first of them.",
        ))
    outbox.queue(messages)


def queue_series_cancelled(visits, by_patient):
    """Visits of a series cancelled together (`booking.cancel_rest_of_series`): one email listing
    them, with a calendar file that removes each event; the front desk's alert when the patient did it."""
    practice = PracticeDetails.load()
    first = visits[0]
    subject = f"Visits cancelled — {practice.name}"
    context = {
        "appointment": first,
        "practice": practice,
        "visits": _series_dates(visits),
        "visit_type": first.visit_type.name,
        "provider": first.provider.display_name,
        "by_patient": by_patient,
        "book_url": settings.SITE_URL + reverse("appointments:book"),
    }
    messages = [_series_message(PATIENT_CANCELLED, visits, practice, subject, "patient_series_cancelled", context, method="CANCEL")]
    if by_patient:
        messages.append(_staff_message(
            first, STAFF_CANCELLED, f"Cancelled online: {first.reference} and {len(visits) - 1} more of a series",
            f"The patient cancelled {len(visits)} visits of a series online, from this one on. The times are free again.",
        ))
    outbox.queue(messages)


def _waitlist_message(kind, entry, subject, template, context, offer=None):
    """A waitlist email, linked to its entry (and offer) so that the outbox makes its link when it sends it."""
    from appointments.models import WaitlistMessage

    practice = PracticeDetails.load()
    context = {"entry": entry, "practice": practice, "visit_type": entry.visit_type.name, **context}
    message = OutboxMessage(kind=kind, to=entry.email, subject=subject, **_bodies(template, context, subject))
    outbox.queue([message])
    WaitlistMessage.objects.create(message=message, entry=entry, offer=offer)
    return message


def queue_waitlist_joined(entry):
    """The patient is on the waitlist: what they asked for, and their link to see or leave it."""
    practice = PracticeDetails.load()
    return _waitlist_message(PATIENT_WAITLIST_JOINED, entry, f"You are on our waitlist — {practice.name}", "patient_waitlist_joined", {
        "provider": entry.provider.display_name if entry.provider else "any of our clinicians",
        "first_day": dateformat.format(entry.first_day, "l, F j"),
        "last_day": dateformat.format(entry.last_day, "l, F j"),
        "days": entry.days_text(),
        "times": entry.times_text(),
        "entry_url": outbox.WAITLIST_LINK_PLACEHOLDER,
    })


def queue_waitlist_offer(offer):
    """A freed time offered to a waitlisted patient: the time (in the body, never the subject) and the claim link."""
    practice = PracticeDetails.load()
    local = timezone.localtime(offer.starts_at, PRACTICE_TIME_ZONE)
    entry = offer.entry
    return _waitlist_message(PATIENT_WAITLIST_OFFER, entry, f"A time has opened up — {practice.name}", "patient_waitlist_offer", {
        "day": dateformat.format(local, "l, F j, Y"),
        "time": dateformat.format(local, "g:i A"),
        "duration_minutes": entry.visit_type.duration_minutes,
        "provider": offer.provider.display_name,
        "expires": outbox.CLAIM_UNTIL_PLACEHOLDER,  # its time runs from when the email goes out
        "moves": entry.appointment_id is not None,
        "claim_url": outbox.CLAIM_LINK_PLACEHOLDER,
        "entry_url": outbox.WAITLIST_LINK_PLACEHOLDER,
    }, offer=offer)


def queue_confirmed(appointment):
    """The front desk confirmed a requested booking: tell the patient, with an updated calendar file."""
    practice = PracticeDetails.load()
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_CONFIRMED, "confirmed", f"Appointment confirmed — {practice.name}", calendar="REQUEST",
            **_intake_offer(appointment),
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
    outbox.queue(messages)


def queue_video_link_changed(appointment):
    """The link to join a confirmed video visit changed: the patient gets the new one, and a
    calendar file that updates the same event with it."""
    practice = PracticeDetails.load()
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_VIDEO_LINK, "video_link", f"A new link for your video visit — {practice.name}",
            calendar="REQUEST",
        )
    ])


def queue_cancelled_for_closure(appointment, closure):
    """The office closes when the visit was booked and staff cancelled it: say so kindly, with the
    way to book again, and a calendar file that removes the event. No alert: staff did it."""
    practice = PracticeDetails.load()
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_CLOSURE_CANCELLED, "closure_cancelled",
            f"Your appointment is cancelled: the office is closed — {practice.name}", calendar="CANCEL",
            closure=closure, book_url=settings.SITE_URL + reverse("appointments:book"),
        )
    ])


def queue_closure_notice(appointment, closure):
    """The office closes when the visit is booked; staff chose to tell the patient and let them
    choose: their manage link to move it online (filled in when sent), or a call."""
    practice = PracticeDetails.load()
    # Inside the cancellation cut-off (a snow day tomorrow) the link can no longer move it: call us.
    changes_online = timezone.now() < BookingSettings.load().online_changes_close_at(appointment.starts_at, appointment.created_at)
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_CLOSURE_NOTICE, "closure_notice",
            f"The office is closed on the day of your appointment — {practice.name}",
            closure=closure, manage_url=outbox.MANAGE_LINK_PLACEHOLDER, changes_online=changes_online,
        )
    ])


def queue_closure_alert(count, closure, admin_url):
    """The front desk's alert that a closure hits booked visits: how many, and the admin page
    that lists them with the actions (nothing about the patients). None without FRONT_DESK_EMAIL."""
    if not settings.FRONT_DESK_EMAIL:
        return
    visits = "1 booked visit" if count == 1 else f"{count} booked visits"
    subject = f"Closure {closure.dates}: {visits} to handle"
    outbox.queue([OutboxMessage(
        kind=STAFF_CLOSURE,
        to=settings.FRONT_DESK_EMAIL,
        subject=subject,
        **_bodies("staff_closure_alert", {"visits": visits, "closure": closure, "admin_url": settings.SITE_URL + admin_url}, subject),
    )])


def queue_rescheduled(appointment, by_patient=True, previous_provider=None):
    """The visit moved: the patient gets the new time and a calendar file that updates the same event;
    the front desk gets an alert unless it moved the visit itself (`by_patient=False`).
    `previous_provider` (a Provider) when the provider changed too: both emails say from whom to whom."""
    practice = PracticeDetails.load()
    previous = previous_provider.display_name if previous_provider else ""
    messages = [
        _patient_message(
            appointment, practice, PATIENT_RESCHEDULED, "rescheduled", f"Appointment changed — {practice.name}",
            calendar="REQUEST", previous_provider=previous,
        )
    ]
    if by_patient:
        change = "The patient moved this appointment to a new time online."
        if previous:
            change += f" The provider changed, at the patient's choice: from {previous} to {appointment.provider.display_name}."
        messages.append(_staff_message(appointment, STAFF_RESCHEDULED, f"Moved online: {appointment.reference}", change))
    outbox.queue(messages)


def queue_reminder(appointment, now=None):
    """The reminder (the day before, or the same day for a visit confirmed late), with the
    patient's manage link (filled in when it is sent). The caller marks `reminder_sent_at` in
    the same transaction (`booking.send_due_reminders`)."""
    practice = PracticeDetails.load()
    today = timezone.localtime(now or timezone.now(), PRACTICE_TIME_ZONE).date()
    when = "today" if timezone.localtime(appointment.starts_at, PRACTICE_TIME_ZONE).date() == today else "tomorrow"
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_REMINDER, "reminder", f"Reminder: your appointment {when} — {practice.name}",
            manage_url=outbox.MANAGE_LINK_PLACEHOLDER, when=when, **_intake_offer(appointment),
        )
    ])


def queue_new_manage_link(appointment):
    """The patient's new manage link (filled in when it is sent), after staff replaced the old one."""
    practice = PracticeDetails.load()
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_NEW_LINK, "new_link", f"Your new appointment link — {practice.name}",
            manage_url=outbox.MANAGE_LINK_PLACEHOLDER,
        )
    ])


def queue_intake_link(appointment):
    """The way to the patient's intake forms (behind their manage link, filled in when sent), as the front desk resends it."""
    practice = PracticeDetails.load()
    outbox.queue([
        _patient_message(
            appointment, practice, PATIENT_INTAKE_LINK, "intake_link", f"Your forms before your visit — {practice.name}",
            intake_url=outbox.MANAGE_LINK_PLACEHOLDER + "intake/",
        )
    ])


def queue_intake_needs_review(intake, *, again=False):
    """A safety answer asks for a clinician: the front desk is told which visit (never the answer);
    `again` when the patient changed an answer after a clinician had reviewed the forms."""
    if again:
        subject = f"Needs clinician review again: {intake.reference}"
        change = ("The patient changed their health answers after a clinician reviewed their forms: a clinician needs to "
                  "look again before the visit.")
    else:
        subject = f"Needs clinician review: {intake.reference}"
        change = ("A patient's answers to the safety questions before their treatment need a clinician's review before the "
                  "visit. The patient was told that someone will call them before the visit.")
    outbox.queue([_staff_message(intake, STAFF_INTAKE_REVIEW, subject, change)])


def queue_intake_no_longer_needs_review(intake):
    """The patient changed the answer that needed a clinician before anyone reviewed it."""
    outbox.queue([_staff_message(
        intake, STAFF_INTAKE_REVIEW_WITHDRAWN, f"No longer needs clinician review: {intake.reference}",
        "The patient changed their answers to the safety questions before anyone reviewed them: none needs a clinician's "
        "review now. Nobody needs to call about it unless the clinician asks.",
    )])


def queue_intake_call_patient(intake):
    """The clinician reviewed the intake and asks the front desk to call the patient before the visit."""
    outbox.queue([_staff_message(
        intake, STAFF_INTAKE_CALL, f"Please call the patient: {intake.reference}",
        "The clinician reviewed this patient's forms and asks you to call the patient before the visit.",
    )])


# --- Composing --------------------------------------------------------------


def _intake_offer(appointment) -> dict:
    """The patient's forms, as an email offers them: `intake_url` (behind the manage link, filled in
    when sent) while they are still to fill in online, and where they stand (`intake_offer`). Never an answer."""
    offer = Intake.offer_for(appointment, timezone.now())
    to_fill_in = offer in (Intake.TO_DO, Intake.STARTED)
    return {"intake_offer": offer, "intake_url": outbox.MANAGE_LINK_PLACEHOLDER + "intake/" if to_fill_in else ""}


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
        **_bodies(f"patient_{template}", context, subject),
    )
    if calendar:
        message.attachment_name = CALENDAR_FILE_NAME
        message.attachment_content = calendar_file(
            appointment, practice, method=calendar, sequence=_next_sequence(appointment), join_link=join_link
        )
        message.attachment_mimetype = CALENDAR_MIMETYPE
    return message


def _staff_message(record, kind, subject, change):
    """An alert to the front desk about an appointment or a telehealth request: only the
    reference, the change and an admin link; patient details stay behind the admin's sign-in.
    None when no FRONT_DESK_EMAIL is set."""
    if not settings.FRONT_DESK_EMAIL:
        return None
    context = {"reference": record.reference, "change": change, "admin_url": settings.SITE_URL + record.get_admin_url()}
    return OutboxMessage(
        kind=kind,
        appointment=record if isinstance(record, Appointment) else record.appointment if isinstance(record, Intake) else None,
        to=settings.FRONT_DESK_EMAIL,
        subject=subject,
        **_bodies("staff_alert", context, subject),
    )


def _bodies(template, context, subject) -> dict:
    """An email's `body` (plain text) and `html_body` (the same words in the practice's colours), from
    templates/appointments/email/<template>.txt and .html with the same context."""
    practice = context.get("practice") or PracticeDetails.load()
    html_context = {**context, "practice": practice, "subject": subject, "style": email_design.styles(practice.palette)}
    return {
        "body": _render(f"appointments/email/{template}.txt", context),
        "html_body": _render(f"appointments/email/{template}.html", html_context),
    }


def _render(template_name, context) -> str:
    return render_to_string(template_name, context).strip() + "\n"


def _next_sequence(appointment) -> int:
    """iCalendar SEQUENCE: calendars apply a file with the same UID only if its number is higher.
    Every calendar file already queued for this appointment counts as one revision, and so does
    the series' file for a visit booked in a series (it carried the visit's first revision)."""
    count = OutboxMessage.objects.filter(appointment=appointment, attachment_name=CALENDAR_FILE_NAME).count()
    if appointment.series_id:
        count += OutboxMessage.objects.filter(
            appointment__series=appointment.series_id, attachment_name=SERIES_CALENDAR_FILE_NAME
        ).count()
    return count


def _new_calendar(method: str):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{host}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def calendar_file(appointment, practice, *, method="REQUEST", sequence=0, join_link=None) -> str:
    """An .ics file for the visit. Its UID stays the same for the life of the appointment, so
    a later file (higher SEQUENCE) moves or, with method CANCEL, removes the same event.
    A confirmed video visit carries its join link (`Appointment.join_link`, looked up when
    not given) as LOCATION, URL and in DESCRIPTION; any other visit never does."""
    calendar = _new_calendar(method)
    calendar.add_component(calendar_event(appointment, practice, method=method, sequence=sequence, join_link=join_link))
    return calendar.to_ical().decode()


def series_calendar_file(visits, practice, method="REQUEST") -> str:
    """One .ics with an event for each visit of a series (each with its visit's own UID and SEQUENCE)."""
    calendar = _new_calendar(method)
    for visit in visits:
        sequence = _next_sequence(visit) if method == "CANCEL" else 0
        calendar.add_component(calendar_event(visit, practice, method=method, sequence=sequence))
    return calendar.to_ical().decode()


def sender_address() -> str:
    """DEFAULT_FROM_EMAIL's address alone: it may carry the practice's name, commas and all, as
    .env.example has it ("Pain, Spine & Rehab Associates <website@practice.example>")."""
    sender = settings.DEFAULT_FROM_EMAIL.strip()
    if sender.endswith(">") and "<" in sender:
        return sender[sender.rindex("<") + 1:-1].strip()
    return sender


def calendar_event(appointment, practice, *, method="REQUEST", sequence=0, join_link=None):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    cancelled = method == "CANCEL"
    is_video = appointment.modality == Appointment.Modality.VIDEO
    if cancelled:
        join_link = ""
    elif join_link is None:
        join_link = appointment.join_link()
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
    organizer = icalendar.vCalAddress(f"mailto:{sender_address()}")
    organizer.params["cn"] = icalendar.vText(practice.name)
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{appointment.email}")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    return event


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
    subject = f"We have your request — {practice.name}"
    messages = [
        OutboxMessage(
            kind=PATIENT_TELEHEALTH_REQUEST,
            to=telehealth_request.email,
            subject=subject,
            **_bodies("telehealth_request_received", context, subject),
        )
    ]
    messages.append(_staff_message(
        telehealth_request, STAFF_TELEHEALTH_REQUEST, f"New telehealth request {telehealth_request.reference} — please call back",
        "A patient asked online for a call back to arrange a video visit. Please call them within one business day.",
    ))
    outbox.queue(messages)


def queue_estimate(estimate) -> OutboxMessage:
    """The patient's good faith estimate: a link to the page that shows it (filled in when it is
    sent, `outbox.ESTIMATE_LINK_PLACEHOLDER`), never the estimate's contents. Returns the message,
    which records its delivery. Run it in the transaction that issues the estimate."""
    practice = PracticeDetails.load()
    day = ""
    if estimate.service_starts_at is not None:
        day = dateformat.format(timezone.localtime(estimate.service_starts_at, PRACTICE_TIME_ZONE), "l, F j, Y")
    subject = f"Your good faith estimate — {practice.name}"
    message = OutboxMessage(
        kind=PATIENT_ESTIMATE,
        appointment=estimate.appointment,
        to=estimate.email,
        subject=subject,
        **_bodies("patient_estimate", {
            "first_name": estimate.first_name, "practice": practice, "reference": estimate.reference, "day": day,
            "service": estimate.service_name, "revised": estimate.supersedes_id is not None,
            "estimate_link": outbox.ESTIMATE_LINK_PLACEHOLDER,
        }, subject),
    )
    outbox.queue([message])
    return message


def queue_estimate_requested(estimate):
    """A patient asked for an estimate without booking: their acknowledgement (when to expect it)
    and the front desk's alert (the reference and an admin link only)."""
    practice = PracticeDetails.load()
    due = dateformat.format(timezone.localtime(estimate.due_at, PRACTICE_TIME_ZONE) - timedelta(minutes=1), "l, F j")
    subject = f"We have your request for an estimate — {practice.name}"
    outbox.queue([
        OutboxMessage(
            kind=PATIENT_ESTIMATE_REQUEST,
            to=estimate.email,
            subject=subject,
            **_bodies("patient_estimate_request", {
                "first_name": estimate.first_name, "practice": practice, "reference": estimate.reference, "due": due,
            }, subject),
        ),
        _staff_message(
            estimate, STAFF_ESTIMATE_REQUEST, f"Estimate requested: {estimate.reference} — please prepare it",
            f"A patient asked online for a good faith estimate. It is due by {due} (3 business days): prepare and send it "
            "from the admin.",
        ),
    ])


def queue_help_request_received(help_request):
    """The front desk's alert about a request for help or an accommodation: the reference and an
    admin link only (what help, and for whom, stays in the admin). Run it in the transaction that saves the request."""
    outbox.queue([_staff_message(
        help_request, STAFF_HELP_REQUEST, f"New request for help {help_request.reference} — please answer",
        "Someone asked online for help or an accommodation (such as an interpreter or large print). "
        "Please arrange it and answer them within one business day.",
    )])
