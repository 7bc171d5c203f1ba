"""A course of treatment booked at once (issue 17): 2 to 8 visits of one visit type with one
provider, every week or every two weeks, on the same weekday at the same time on the wall clock.

Before anything is saved the patient sees the proposal (`propose`): each wanted time, and where
it cannot be had (the office closed, the provider away, the time taken), the nearest free time
with the same provider within a few days (the same day if it can, else the nearest day at the
same time, `closeness`), marked with the reason; or none, when nothing near is
free. The patient may change any date; `appointments.booking.book_series` then books the times
as chosen, all or nothing.

Wall-clock times hold across daylight-saving changes: a weekly 10:00 visit is at 10:00 in
New York before and after 2027-03-14 (`wanted_times` steps by days on the calendar, not by
168 hours of real time). The online horizon counts from the first visit: a series may reach
past the usual horizon by its own length, so that every course the practice offers fits.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format

from appointments.availability import BookingRules, ProviderSchedule, explain_unavailable, find_slots
from appointments.loader import load_schedules, practice_hours, rules_for
from appointments.models import AppointmentSeries, BookingSettings, VisitType
from clinic.hours import PracticeHours, at_wall_clock, later_by
from clinic.models import Provider

MIN_VISITS = 2
MAX_VISITS = 8
# How far from a wanted time an alternative may be: less than half a week, so that a weekly
# series never offers two visits on one day.
ALTERNATIVE_DAYS = 3
CADENCES = dict(AppointmentSeries.Cadence.choices)


class SeriesRefused(Exception):
    """The series cannot be booked as asked; `field` names the form field it is about, and
    `starts_at` the visit, when it is about one."""

    def __init__(self, message: str, field: str | None = None, starts_at: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.starts_at = starts_at


@dataclass(frozen=True)
class ProposedVisit:
    wanted: datetime  # the weekday and time the series asks for
    starts_at: datetime | None  # what is offered: the wanted time, the nearest free one, or None
    reason: str = ""  # why the wanted time cannot be had ("" when it can)
    choices: tuple[datetime, ...] = ()  # every free time within ALTERNATIVE_DAYS of the wanted one, to change to

    @property
    def is_replaced(self) -> bool:
        return self.starts_at != self.wanted


def check_series(visit_type: VisitType, count: int, every_weeks: int):
    """The parts of a series request that do not depend on time."""
    if not visit_type.series_allowed:
        raise SeriesRefused("This visit cannot be booked as a series. Please book one visit at a time, or call us.", "visit_type")
    if every_weeks not in CADENCES:
        raise SeriesRefused("Please choose every week or every two weeks.", "every_weeks")
    if not MIN_VISITS <= count <= MAX_VISITS:
        raise SeriesRefused(f"A series has {MIN_VISITS} to {MAX_VISITS} visits.", "count")


def wanted_times(first: datetime, count: int, every_weeks: int) -> list[datetime]:
    """The first visit's weekday and wall-clock time, every `every_weeks` weeks, `count` times."""
    local = timezone.localtime(first)
    clock = local.time().replace(tzinfo=None)
    return [at_wall_clock(local.date() + timedelta(weeks=every_weeks * number), clock) for number in range(count)]


def series_rules(visit_type: VisitType, settings: BookingSettings, count: int, every_weeks: int) -> BookingRules:
    """The online rules, with the horizon stretched by the series' own length (from the first visit)."""
    rules = rules_for(visit_type, settings)
    return replace(rules, horizon_days=rules.horizon_days + 7 * every_weeks * (count - 1))


def overlaps(starts_at: datetime, length: timedelta, others) -> bool:
    ends_at = later_by(starts_at, length)
    return any(other < ends_at and starts_at < later_by(other, length) for other in others)


def why_not(starts_at: datetime, *, practice: PracticeHours, schedule: ProviderSchedule, rules: BookingRules,
            now: datetime, provider: Provider) -> str:
    """Why `starts_at` cannot be had with this provider, in a few words for the proposal ("" if it can)."""
    reason = explain_unavailable(starts_at, practice=practice, schedule=schedule, rules=rules, now=now)
    if not reason:
        return ""
    local = timezone.localtime(starts_at)
    day_hours = practice.hours_on(local.date())
    if day_hours.is_closed:
        return f"The office is closed ({day_hours.holiday.label})." if day_hours.holiday else "The office is closed that day."
    if day_hours.holiday and reason.startswith("That time is outside our opening hours"):
        return f"The office keeps other hours that day ({day_hours.holiday.label})."
    ends_at = later_by(starts_at, rules.duration)
    if any(start < ends_at and starts_at < end for start, end in schedule.time_off):
        return f"{provider.name} is away then."
    if any(start < ends_at and starts_at < end for start, end in schedule.busy):
        return "That time is taken."
    return reason.split(" Please ")[0]


def when(moment: datetime) -> str:
    """A visit's day and time as patients read it: “Monday, March 15 at 10:00 AM”."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'l, F j')} at {date_format(local, 'g:i A')}"


def closeness(slot: datetime, wanted: datetime) -> tuple:
    """How near an alternative is, as a patient weighs it: the same day first, then the nearest
    day; on that day the time nearest the wanted time on the wall clock (a Monday holiday offers
    Tuesday at the same time, not Tuesday at 9:00 because it is an hour "closer")."""
    slot, wanted = timezone.localtime(slot), timezone.localtime(wanted)
    minutes = abs((slot.hour * 60 + slot.minute) - (wanted.hour * 60 + wanted.minute))
    return abs((slot.date() - wanted.date()).days), minutes, slot


def _window(times: list[datetime], now: datetime) -> tuple[date, int]:
    first_day = max(timezone.localtime(times[0]).date() - timedelta(days=ALTERNATIVE_DAYS), timezone.localtime(now).date())
    last_day = timezone.localtime(times[-1]).date() + timedelta(days=ALTERNATIVE_DAYS)
    return first_day, (last_day - first_day).days + 1


def propose(*, visit_type: VisitType, provider: Provider, first: datetime, count: int, every_weeks: int,
            now: datetime | None = None, settings: BookingSettings | None = None) -> list[ProposedVisit]:
    """The series as it can be booked now: one ProposedVisit per wanted time. Four queries
    (the provider's hours, time off and visits over the whole series, and the practice's hours)."""
    check_series(visit_type, count, every_weeks)
    now = now or timezone.now()
    settings = settings or BookingSettings.load()
    rules = series_rules(visit_type, settings, count, every_weeks)
    wanted = wanted_times(first, count, every_weeks)
    first_day, days = _window(wanted, now)
    schedule = load_schedules([provider.pk], first_day, first_day + timedelta(days=days - 1))[0]
    practice = practice_hours(fresh=True)
    free = [slot.starts_at for slot in find_slots(practice=practice, schedules=[schedule], rules=rules, now=now,
                                                   first_day=first_day, days=days)]
    chosen: list[datetime] = []
    proposal = []
    for time in wanted:
        near = tuple(
            timezone.localtime(slot) for slot in free
            if abs(slot - time) <= timedelta(days=ALTERNATIVE_DAYS) and not overlaps(slot, rules.duration, chosen)
        )
        reason = why_not(time, practice=practice, schedule=schedule, rules=rules, now=now, provider=provider)
        if not reason and not overlaps(time, rules.duration, chosen):
            chosen.append(time)
            proposal.append(ProposedVisit(time, time, choices=near))
            continue
        best = min(near, key=lambda slot: closeness(slot, time), default=None)
        if best is not None:
            chosen.append(best)
        proposal.append(ProposedVisit(time, best, reason or "Another visit of this series is then.", near))
    return proposal


def check_times(times: list[datetime], *, visit_type: VisitType, provider: Provider, every_weeks: int,
                now: datetime, settings: BookingSettings) -> None:
    """Every chosen time free with this provider on the series' rules, none overlapping another,
    in order: else SeriesRefused naming the first that is not (run inside the booking's
    transaction, so it reads the calendar as it is now)."""
    check_series(visit_type, len(times), every_weeks)
    times = sorted(times)
    rules = series_rules(visit_type, settings, len(times), every_weeks)
    first_day, days = _window(times, now)
    schedule = load_schedules([provider.pk], first_day, first_day + timedelta(days=days - 1))[0]
    practice = practice_hours(fresh=True)
    for number, time in enumerate(times):
        if overlaps(time, rules.duration, times[:number]):
            raise SeriesRefused(f"Two visits of the series overlap on {when(time)}. Please change one.", "times", time)
        reason = why_not(time, practice=practice, schedule=schedule, rules=rules, now=now, provider=provider)
        if reason:
            raise SeriesRefused(f"The visit on {when(time)} cannot be booked: {reason} Nothing was booked; "
                                "please change that date.", "times", time)
