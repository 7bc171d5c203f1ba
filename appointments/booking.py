"""Making, moving and cancelling appointments: each one function, atomic, that checks
availability again inside its transaction and leaves the last word to the database
constraint (see migration 0002). Conflicts come back as `SlotUnavailable`."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import notifications
from appointments.availability import Slot, booking_window, explain_unavailable, find_slots, first_available
from appointments.loader import load_schedules, practice_hours, providers_for, rules_for
from appointments.models import Appointment, BookingSettings, VisitType, new_reference
from clinic.hours import PRACTICE_TIME_ZONE

NEAREST_COUNT = 6
NEAREST_SEARCH_DAYS = 14
MAX_DISTANCE = timedelta(days=3650)
JUST_TAKEN = "That time was just taken. Here are the nearest free times."


class SlotUnavailable(Exception):
    """The chosen time cannot be booked; `nearest` holds free times close to it."""

    def __init__(self, message: str, nearest: list[Slot] = ()):
        super().__init__(message)
        self.message = message
        self.nearest = list(nearest)


class BookingRefused(Exception):
    """The request itself is not allowed (e.g. a visit type that is not offered by video)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    email: str
    is_new_patient: bool
    reason: str = ""
    consent_to_contact: bool = False


@dataclass(frozen=True)
class Booking:
    appointment: Appointment
    manage_token: str


def check_request(visit_type: VisitType, modality: str, provider_id: int | None, is_new_patient: bool | None = None):
    """The parts of a booking that do not depend on time; returns the candidate providers."""
    if not visit_type.is_active:
        raise BookingRefused("That visit can no longer be booked online. Please call us.", "visit_type")
    if modality not in Appointment.Modality.values or not visit_type.allows(modality):
        raise BookingRefused("That visit is not offered this way. Please choose in the office or by video.", "modality")
    if is_new_patient is False and visit_type.new_patients_only:
        raise BookingRefused("This visit is for new patients. Please choose a follow-up visit, or call us.", "is_new_patient")
    providers = providers_for(visit_type, modality)
    if provider_id is not None:
        providers = [provider for provider in providers if provider.pk == provider_id]
        if not providers:
            raise BookingRefused("That provider does not offer this visit. Please choose another provider.", "provider")
    if not providers:
        raise BookingRefused("Nobody offers this visit online at the moment. Please call us.", "visit_type")
    return providers


def nearest_slots(visit_type, providers, starts_at, now, settings, exclude_appointment_id=None) -> list[Slot]:
    """Free times closest to `starts_at`, within two weeks either side. A time before the
    minimum notice or past the horizon (a page left open overnight) counts from the
    nearest bookable moment, so the patient still gets times to choose from."""
    earliest, last_day = booking_window(now, rules_for(visit_type, settings))
    latest = datetime.combine(last_day, time.max, tzinfo=PRACTICE_TIME_ZONE)
    starts_at = min(max(starts_at, earliest), latest)
    day = timezone.localtime(starts_at).date()
    first_day = max(day - timedelta(days=NEAREST_SEARCH_DAYS), timezone.localtime(now).date())
    days = (day - first_day).days + NEAREST_SEARCH_DAYS + 1
    provider_ids = [provider.pk for provider in providers]
    schedules = load_schedules(provider_ids, first_day, first_day + timedelta(days=days), exclude_appointment_id)
    slots = find_slots(
        practice=practice_hours(fresh=True), schedules=schedules, rules=rules_for(visit_type, settings),
        now=now, first_day=first_day, days=days,
    )
    slots = first_available(slots, provider_ids)
    return sorted(sorted(slots, key=lambda slot: abs(slot.starts_at - starts_at))[:NEAREST_COUNT])


def _free_provider(visit_type, providers, starts_at, now, settings, exclude_appointment_id=None):
    """The first provider free at `starts_at`, or raise SlotUnavailable with the reason."""
    if abs(starts_at - now) > MAX_DISTANCE:
        # Far-off dates are never bookable, and date arithmetic on them can overflow.
        raise SlotUnavailable("Please choose one of the times shown.")
    day = timezone.localtime(starts_at).date()
    schedules = load_schedules([p.pk for p in providers], day, day, exclude_appointment_id)
    practice = practice_hours(fresh=True)
    rules = rules_for(visit_type, settings)
    reasons = []
    for provider, schedule in zip(providers, schedules, strict=True):
        reason = explain_unavailable(starts_at, practice=practice, schedule=schedule, rules=rules, now=now)
        if not reason:
            return provider
        reasons.append(reason)
    message = reasons[0] if len(set(reasons)) == 1 else JUST_TAKEN
    if message.startswith("That time is not available"):
        message = JUST_TAKEN
    raise SlotUnavailable(message, nearest_slots(visit_type, providers, starts_at, now, settings, exclude_appointment_id))


def book(
    *,
    visit_type: VisitType,
    modality: str,
    starts_at: datetime,
    patient: PatientDetails,
    provider_id: int | None = None,
    now: datetime | None = None,
    source: str = Appointment.Source.ONLINE,
) -> Booking:
    """Book a visit, or raise BookingRefused / SlotUnavailable. Emails go to the outbox in the same transaction."""
    now = now or timezone.now()
    settings = BookingSettings.load()
    providers = check_request(visit_type, modality, provider_id, patient.is_new_patient)
    with transaction.atomic():
        provider = _free_provider(visit_type, providers, starts_at, now, settings)
        appointment = Appointment(
            provider=provider,
            visit_type=visit_type,
            modality=modality,
            starts_at=starts_at,
            ends_at=starts_at + visit_type.duration,
            status=Appointment.Status.REQUESTED if settings.requires_confirmation else Appointment.Status.CONFIRMED,
            source=source,
            first_name=patient.first_name,
            last_name=patient.last_name,
            date_of_birth=patient.date_of_birth,
            phone=patient.phone,
            email=patient.email,
            is_new_patient=patient.is_new_patient,
            reason=patient.reason,
            consent_to_contact=patient.consent_to_contact,
        )
        token = appointment.issue_manage_token()
        # One in 10^11 per pair, but a repeated reference must not read as "time taken".
        while Appointment.objects.filter(reference=appointment.reference).exists():
            appointment.reference = new_reference()
        try:
            with transaction.atomic():
                appointment.save()
        except IntegrityError:
            # Another booking won the race between our check and our insert.
            raise SlotUnavailable(JUST_TAKEN, nearest_slots(visit_type, providers, starts_at, now, settings)) from None
        notifications.queue_booking_received(appointment, token)
    return Booking(appointment, token)


def can_change_online(appointment: Appointment, now: datetime | None = None) -> bool:
    """Patients may cancel or move a visit online until the cancellation cut-off."""
    now = now or timezone.now()
    return appointment.is_active and appointment.starts_at - now >= BookingSettings.load().cancellation_cutoff


def cancel(appointment: Appointment, *, by_patient: bool, now: datetime | None = None) -> Appointment:
    """Cancel; a patient only before the cut-off. The time is free again at once."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not appointment.is_active:
            return appointment
        if by_patient and not can_change_online(appointment, now):
            raise BookingRefused("It is too late to cancel online. Please call us.")
        appointment.status = Appointment.Status.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        notifications.queue_cancelled(appointment, by_patient=by_patient)
    return appointment


def reschedule(appointment: Appointment, *, starts_at: datetime, now: datetime | None = None) -> Appointment:
    """Move a visit to a new time, same visit and place. The old time frees only if the new one is secured:
    both happen in one transaction, and the database refuses an overlap."""
    now = now or timezone.now()
    settings = BookingSettings.load()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().select_related("visit_type").get(pk=appointment.pk)
        if not can_change_online(appointment, now):
            raise BookingRefused("It is too late to change this appointment online. Please call us.")
        providers = check_request(appointment.visit_type, appointment.modality, None)
        # Keep the same provider when they are free; otherwise anyone who offers the visit.
        providers.sort(key=lambda provider: provider.pk != appointment.provider_id)
        provider = _free_provider(appointment.visit_type, providers, starts_at, now, settings, exclude_appointment_id=appointment.pk)
        appointment.provider = provider
        appointment.starts_at = starts_at
        appointment.ends_at = starts_at + appointment.visit_type.duration
        appointment.reminder_sent_at = None
        if settings.requires_confirmation:
            # A new time is a new request: the front desk confirms it again.
            appointment.status = Appointment.Status.REQUESTED
        try:
            with transaction.atomic():
                appointment.save(update_fields=["provider", "starts_at", "ends_at", "status", "reminder_sent_at", "updated_at"])
        except IntegrityError:
            raise SlotUnavailable(
                JUST_TAKEN, nearest_slots(appointment.visit_type, providers, starts_at, now, settings, appointment.pk)
            ) from None
        notifications.queue_rescheduled(appointment)
    return appointment
