"""What the front desk's calendar shows in each provider's column on each day, worked out
without HTTP: visits, free times to book, and the time that cannot be booked, in words.

A column holds, in time order, from the day's first opening (office or provider) to its
last closing:
- each visit that is not cancelled (time, patient, visit type, place, status, where its intake
  forms stand);
- each stretch of free time, with every start time staff may book in it: the office open,
  the provider working, not away and free for the whole visit, from now on (staff rules:
  `booking.why_staff_cannot_book`; notice, horizon and the online time grid do not apply,
  but times are offered on the grid so the list stays short);
- the rest, shaded and labelled: “Closed: <holiday>”, “Office closed”, “Not working”, “Time off”.

Free times come from `availability.find_slots`, the same code online booking uses, given the
staff rules. `load_calendar` reads the rows in a fixed number of queries whatever the number
of providers, days or visits.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from appointments.availability import (
    BookingRules, Interval, ProviderSchedule, Slot, find_slots, in_utc, intersect, subtract, working_intervals,
)
from appointments.loader import load_schedules, practice_hours
from appointments.models import Appointment, BookingSettings, VisitType
from clinic.hours import PRACTICE_TIME_ZONE, PracticeHours, at_wall_clock
from clinic.models import Provider
from clinic.validators import validate_plausible_date

DAY = "day"
WEEK = "week"
# A day with no opening at all (a closure, a Sunday) still shows these hours, shaded.
QUIET_DAY = (time(8), time(18))
# How a free time travels to the booking form: the practice's wall clock, to the minute.
ADDRESS_TIME_FORMAT = "%Y-%m-%dT%H:%M"

VISIT, FREE, CLOSED, OFFICE_CLOSED, NOT_WORKING, TIME_OFF = "visit", "free", "closed", "office-closed", "not-working", "time-off"


@dataclass(frozen=True)
class FreeTime:
    starts_at: datetime
    clock: str  # "09:15", on the practice's wall clock
    booking_url: str


@dataclass
class Block:
    """One thing in a column: a visit, a free stretch (with its start times), or shaded time."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    label: str = ""
    appointment: Appointment | None = None
    free_times: list[FreeTime] = field(default_factory=list)

    @property
    def is_shaded(self) -> bool:
        return self.kind not in (VISIT, FREE)

    @property
    def span(self) -> str:
        """09:00–09:30 on the practice's wall clock."""
        return f"{self.starts_at.astimezone(PRACTICE_TIME_ZONE):%H:%M}–{self.ends_at.astimezone(PRACTICE_TIME_ZONE):%H:%M}"


@dataclass
class Column:
    provider: Provider
    day: date
    blocks: list[Block]
    offers_visit: bool

    @cached_property
    def heading(self) -> str:
        """Who and which day, said with each free time to screen readers."""
        return f"{self.provider}, {date_format(self.day, 'l, F j')}"


@dataclass
class CalendarDay:
    day: date
    closure: str  # "Closed: Thanksgiving" when holiday hours close the office, else ""
    columns: list[Column]


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week `day` falls in."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


def days_shown(view: str, day: date) -> list[date]:
    return [day] if view == DAY else week_of(day)


def booking_address(provider_id: int, visit_type: VisitType, modality: str, starts_at: datetime, form_url: str = "") -> str:
    """The staff booking form with provider, visit, place and time filled in (ids and a time only).
    Written out by hand, not with urlencode: a week holds over a thousand, and every part is plain."""
    local = starts_at.astimezone(PRACTICE_TIME_ZONE)
    return (f"{form_url or reverse('admin:appointments_appointment_add')}?provider={int(provider_id)}&visit_type={int(visit_type.pk)}"
            f"&modality={modality}&starts_at={local.strftime(ADDRESS_TIME_FORMAT)}")


def starts_at_from_address(text: str) -> datetime | None:
    """The time a booking link carries (`booking_address`), as an aware datetime; None if it is not one.
    A time the clock shows twice is its first occurrence, as the free times offer it."""
    try:
        naive = datetime.strptime(text, ADDRESS_TIME_FORMAT)
        validate_plausible_date(naive)
    except (TypeError, ValueError, ValidationError):
        return None
    return at_wall_clock(naive.date(), naive.time())


def modality_for(visit_type: VisitType) -> str:
    """Free times are for a visit in the office when the visit type can be, otherwise by video."""
    return Appointment.Modality.IN_OFFICE if visit_type.in_office else Appointment.Modality.VIDEO


def staff_rules(visit_type: VisitType, settings: BookingSettings, now: datetime, last_day: date) -> BookingRules:
    """Staff book from now on, however far ahead: no notice, and a horizon past the last day shown."""
    horizon = max((last_day - timezone.localdate(now)).days, 0) + 1
    return BookingRules(duration=visit_type.duration, step=settings.slot_step, minimum_notice=timedelta(0), horizon_days=horizon)


def visible_hours(day: date, practice: PracticeHours, schedules: list[ProviderSchedule]) -> Interval:
    """From the earliest opening to the latest closing of the office and the providers shown, that day."""
    intervals = in_utc(practice.hours_on(day).intervals(practice.tz))
    for schedule in schedules:
        intervals += working_intervals(day, schedule, practice.tz)
    if not intervals:
        return in_utc([(at_wall_clock(day, QUIET_DAY[0]), at_wall_clock(day, QUIET_DAY[1]))])[0]
    return min(start for start, _ in intervals), max(end for _, end in intervals)


def build_column(
    day: date,
    practice: PracticeHours,
    schedule: ProviderSchedule,
    visits: list[Appointment],
    slots: list[Slot],
    window: Interval,
    free_time,
    now: datetime,
) -> list[Block]:
    """The blocks of one provider's day, in time order (see the module's docstring)."""
    day_hours = practice.hours_on(day)
    blocks = [
        Block(VISIT, visit.starts_at, visit.ends_at, appointment=visit)
        for visit in visits
    ]
    if day_hours.is_closed and day_hours.holiday is not None:
        return sorted([Block(CLOSED, *window, label=f"Closed: {day_hours.holiday.label}"), *blocks], key=order)
    open_hours = in_utc(day_hours.intervals(practice.tz))
    working = working_intervals(day, schedule, practice.tz)
    bookable = intersect(open_hours, working)
    for start, end in subtract([window], working):
        blocks.append(Block(NOT_WORKING, start, end, label="Not working"))
    office_closed = f"Office closed: {day_hours.holiday.label}" if day_hours.holiday else "Office closed"
    for start, end in subtract(intersect([window], working), open_hours):
        blocks.append(Block(OFFICE_CLOSED, start, end, label=office_closed))
    for start, end in intersect(bookable, in_utc(schedule.time_off)):
        blocks.append(Block(TIME_OFF, start, end, label="Time off"))
    free = subtract(bookable, in_utc([*schedule.time_off, *schedule.busy]))
    starts_by_stretch = defaultdict(list)
    for slot in slots:
        stretch = next(((start, end) for start, end in free if start <= slot.starts_at < end), None)
        if stretch is not None:
            starts_by_stretch[stretch].append(free_time(slot))
    for start, end in free:
        free_times = starts_by_stretch[(start, end)]
        if free_times:
            # Today, the part of a stretch already past is not free any more: it starts at its first time left.
            shown_from = start if start >= now else free_times[0].starts_at
            blocks.append(Block(FREE, shown_from, end, label="Free", free_times=free_times))
    return sorted(blocks, key=order)


def order(block: Block):
    return block.starts_at, block.kind != VISIT


def closure_of(day: date, practice: PracticeHours) -> str:
    day_hours = practice.hours_on(day)
    return f"Closed: {day_hours.holiday.label}" if day_hours.is_closed and day_hours.holiday else ""


def default_visit_type() -> VisitType | None:
    """The shortest visit type staff can book (with at least one provider), for the free times."""
    return VisitType.objects.filter(providers__is_active=True).distinct().order_by("duration_minutes", "order", "name").first()


def load_calendar(providers: list[Provider], days: list[date], visit_type: VisitType | None, now: datetime) -> list[CalendarDay]:
    """Every column of the calendar, read in a fixed number of queries."""
    provider_ids = [provider.pk for provider in providers]
    first_day, last_day = days[0], days[-1]
    practice = practice_hours()
    schedules = load_schedules(provider_ids, first_day, last_day)
    by_provider = dict(zip(provider_ids, schedules, strict=True))
    window_start, window_end = at_wall_clock(first_day, time.min), at_wall_clock(last_day + timedelta(days=1), time.min)
    visits = defaultdict(list)
    rows = (
        Appointment.objects.exclude(status=Appointment.Status.CANCELLED)
        .filter(provider_id__in=provider_ids, starts_at__lt=window_end, ends_at__gt=window_start)
        .select_related("visit_type", "intake")
        .only("pk", "reference", "provider_id", "patient_id", "starts_at", "ends_at", "first_name", "last_name", "status", "modality",
              "visit_type__name", "intake__id", "intake__sections_done", "intake__review", "intake__completed_at")
        .order_by("starts_at")
    )
    for visit in rows:
        visits[(visit.provider_id, timezone.localtime(visit.starts_at, practice.tz).date())].append(visit)

    offering, slots_by, modality = set(), defaultdict(list), ""
    if visit_type is not None:
        modality = modality_for(visit_type)
        offering = set(visit_type.providers.filter(pk__in=provider_ids).values_list("pk", flat=True))
        if modality == Appointment.Modality.VIDEO:
            offering &= {provider.pk for provider in providers if provider.offers_telehealth}
        rules = staff_rules(visit_type, BookingSettings.load(), now, last_day)
        slots = find_slots(
            practice=practice, schedules=[by_provider[pk] for pk in provider_ids if pk in offering],
            rules=rules, now=now, first_day=first_day, days=len(days),
        )
        for slot in slots:
            slots_by[(slot.provider_id, timezone.localtime(slot.starts_at, practice.tz).date())].append(slot)

    form_url = reverse("admin:appointments_appointment_add")

    def free_time(slot):
        return FreeTime(slot.starts_at, f"{slot.starts_at.astimezone(practice.tz):%H:%M}",
                        booking_address(slot.provider_id, visit_type, modality, slot.starts_at, form_url))

    calendar = []
    for day in days:
        window = visible_hours(day, practice, schedules)
        columns = [
            Column(provider, day, build_column(
                day, practice, by_provider[provider.pk], visits[(provider.pk, day)], slots_by[(provider.pk, day)], window, free_time, now,
            ), provider.pk in offering)
            for provider in providers
        ]
        calendar.append(CalendarDay(day, closure_of(day, practice), columns))
    return calendar
