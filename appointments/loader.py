"""Reads the rows availability depends on and hands plain values to `availability`;
and the visits booked on given days, which `clinic` asks for through `clinic.seams`."""

from datetime import date, datetime, timedelta

from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format

from appointments.availability import BookingRules, ProviderSchedule, Slot, find_slots, first_available
from appointments.models import Appointment, BookingSettings, TimeOff, VisitType, WorkingHours
from clinic.content import load_site_content, read_practice_hours, read_site_content
from clinic.hours import PracticeHours, day_window
from clinic.models import Provider, ProviderLicence
from clinic.seams import BookedVisit


def practice_hours(fresh: bool = False, version: int | None = None) -> PracticeHours:
    """The practice's hours with holiday hours. `fresh` skips the cache (inside a booking).

    `version`, the availability version a page was read under (appointments.availability_version,
    whose triggers watch office and holiday hours): the hours cached under that version, or read
    from the database, so an app server that missed a change's cache clearing still renders the
    hours that go with the version, never older ones."""
    if fresh:
        return read_site_content().hours
    if version is None:
        return load_site_content().hours
    key = f"appointments:practice-hours:{version}"
    hours = cache.get(key)
    if hours is None:
        hours = read_practice_hours()
        cache.set(key, hours, django_settings.SITE_CONTENT_CACHE_SECONDS)
    return hours


def rules_for(visit_type: VisitType, settings: BookingSettings) -> BookingRules:
    return BookingRules(
        duration=visit_type.duration,
        step=settings.slot_step,
        minimum_notice=settings.minimum_notice,
        horizon_days=settings.horizon_days,
    )


def providers_for(visit_type: VisitType, modality: str) -> list[Provider]:
    """Active providers who offer the visit, in the team page's order (video: only those who see
    patients by video), with their licences (`Provider.licence_in`)."""
    providers = visit_type.providers.active()
    if modality == Appointment.Modality.VIDEO:
        providers = providers.filter(offers_telehealth=True)
    return list(providers.order_by("order", "name").prefetch_related("licences"))


def video_states(visit_type: VisitType | None = None) -> list[str]:
    """The states where a clinician who sees patients by video (and offers `visit_type`, if
    given) is licensed: where a patient may be during a video visit."""
    providers = visit_type.providers.all() if visit_type is not None else Provider.objects.all()
    providers = providers.active().filter(offers_telehealth=True)
    return sorted(set(ProviderLicence.objects.filter(provider__in=providers).values_list("state", flat=True)))


def load_schedules(provider_ids: list[int], first_day: date, last_day: date, exclude_appointment_id=None) -> list[ProviderSchedule]:
    """Three queries: working hours, time off and active appointments of these providers in the window."""
    window_start, window_end = day_window(first_day, last_day)
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
    hours: PracticeHours | None = None,
) -> list[Slot]:
    """Free slots for these providers; `merge` keeps one slot per time ("first available provider").
    `hours`: the practice's hours when the caller has them (else `practice_hours()`)."""
    settings = settings or BookingSettings.load()
    provider_ids = [provider.pk for provider in providers]
    schedules = load_schedules(provider_ids, first_day, first_day + timedelta(days=days - 1), exclude_appointment_id)
    slots = find_slots(
        practice=hours or practice_hours(), schedules=schedules, rules=rules_for(visit_type, settings), now=now, first_day=first_day, days=days
    )
    return first_available(slots, provider_ids) if merge else slots


def booked_visits(first_day: date, last_day: date) -> list[BookedVisit]:
    """Active visits not over yet on these days (for the holiday-hours warning), soonest first."""
    return booked_between(*day_window(first_day, last_day))


def booked_between(starts_at: datetime, ends_at: datetime, provider_id: int | None = None) -> list[BookedVisit]:
    """Active visits not over yet that overlap this stretch of time (of one provider, if given), soonest first."""
    appointments = (
        Appointment.objects.active()
        .filter(starts_at__lt=ends_at, ends_at__gt=max(starts_at, timezone.now()))
        .select_related("provider")
        .order_by("starts_at")
    )
    if provider_id is not None:
        appointments = appointments.filter(provider_id=provider_id)
    return [
        BookedVisit(
            label=f"{a.reference} — {date_format(timezone.localtime(a.starts_at), 'D M j, H:i')}, {a.provider}",
            starts_at=a.starts_at, ends_at=a.ends_at, admin_url=a.get_admin_url(), reference=a.reference,
        )
        for a in appointments
    ]
