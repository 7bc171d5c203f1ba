"""Reads the rows availability depends on and hands plain values to `availability`."""

from datetime import date, datetime, time, timedelta

from clinic.content import load_site_content, read_site_content
from clinic.hours import PRACTICE_TIME_ZONE, PracticeHours
from clinic.models import Provider
from appointments.availability import BookingRules, ProviderSchedule, Slot, find_slots, first_available
from appointments.models import Appointment, BookingSettings, TimeOff, VisitType, WorkingHours


def practice_hours(fresh: bool = False) -> PracticeHours:
    """The practice's hours with holiday hours. `fresh` skips the cache (inside a booking)."""
    return (read_site_content() if fresh else load_site_content()).hours


def rules_for(visit_type: VisitType, settings: BookingSettings) -> BookingRules:
    return BookingRules(
        duration=visit_type.duration,
        step=settings.slot_step,
        minimum_notice=settings.minimum_notice,
        horizon_days=settings.horizon_days,
    )


def providers_for(visit_type: VisitType, modality: str) -> list[Provider]:
    """Active providers who offer the visit, in the team page's order (video: only those who see patients by video)."""
    providers = visit_type.providers.active()
    if modality == Appointment.Modality.VIDEO:
        providers = providers.filter(offers_telehealth=True)
    return list(providers.order_by("order", "name"))


def load_schedules(provider_ids: list[int], first_day: date, last_day: date, exclude_appointment_id=None) -> list[ProviderSchedule]:
    """Three queries: working hours, time off and active appointments of these providers in the window."""
    window_start = datetime.combine(first_day, time.min, tzinfo=PRACTICE_TIME_ZONE)
    window_end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=PRACTICE_TIME_ZONE)
    weekly: dict[int, dict[int, list]] = {provider_id: {} for provider_id in provider_ids}
    for block in WorkingHours.objects.filter(provider_id__in=provider_ids):
        weekly[block.provider_id].setdefault(block.weekday, []).append(block.as_block())
    time_off: dict[int, list] = {provider_id: [] for provider_id in provider_ids}
    for row in TimeOff.objects.filter(provider_id__in=provider_ids, starts_at__lt=window_end, ends_at__gt=window_start):
        time_off[row.provider_id].append((row.starts_at, row.ends_at))
    busy: dict[int, list] = {provider_id: [] for provider_id in provider_ids}
    appointments = Appointment.objects.active().filter(
        provider_id__in=provider_ids, starts_at__lt=window_end, ends_at__gt=window_start
    )
    if exclude_appointment_id is not None:
        appointments = appointments.exclude(pk=exclude_appointment_id)
    for starts_at, ends_at, provider_id in appointments.values_list("starts_at", "ends_at", "provider_id"):
        busy[provider_id].append((starts_at, ends_at))
    return [
        ProviderSchedule(provider_id, weekly[provider_id], tuple(time_off[provider_id]), tuple(busy[provider_id]))
        for provider_id in provider_ids
    ]


def load_slots(
    visit_type: VisitType,
    providers: list[Provider],
    first_day: date,
    days: int,
    now: datetime,
    settings: BookingSettings | None = None,
    merge: bool = False,
    exclude_appointment_id=None,
) -> list[Slot]:
    """Free slots for these providers; `merge` keeps one slot per time ("first available provider")."""
    settings = settings or BookingSettings.load()
    provider_ids = [provider.pk for provider in providers]
    schedules = load_schedules(provider_ids, first_day, first_day + timedelta(days=days - 1), exclude_appointment_id)
    slots = find_slots(
        practice=practice_hours(), schedules=schedules, rules=rules_for(visit_type, settings), now=now, first_day=first_day, days=days
    )
    return first_available(slots, provider_ids) if merge else slots
