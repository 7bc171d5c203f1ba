"""Free appointment times, computed from plain values with no database access.

A provider can be booked at time T for a visit of length D when [T, T + D) lies
inside the practice's opening hours that day (holiday hours applied: see
clinic.hours), inside the provider's own working hours, outside their time off and
outside every active appointment they have; and when T is no sooner than the
minimum notice and no later than the booking horizon. Times start on the slot step
of the practice's wall clock (9:00, 9:15, ...), in America/New_York, so they stay
right across daylight-saving changes.

`appointments.loader` reads the rows and calls `find_slots`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from clinic.hours import PRACTICE_TIME_ZONE, DayHours, PracticeHours, TimeBlock, day_window, exists_on_the_wall_clock, later_by

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class ProviderSchedule:
    """What the availability of one provider depends on."""

    provider_id: int
    weekly: Mapping[int, Sequence[TimeBlock]]  # weekday (0 = Monday) -> working blocks
    time_off: Sequence[Interval] = ()
    busy: Sequence[Interval] = ()  # active appointments


@dataclass(frozen=True)
class BookingRules:
    duration: timedelta
    step: timedelta = timedelta(minutes=15)
    minimum_notice: timedelta = timedelta(hours=2)
    horizon_days: int = 60


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    provider_id: int


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The parts of time covered by both lists of intervals."""
    found = []
    for start_a, end_a in first:
        for start_b, end_b in second:
            start, end = max(start_a, start_b), min(end_a, end_b)
            if start < end:
                found.append((start, end))
    return sorted(found)


def subtract(intervals: Sequence[Interval], taken: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` that none of `taken` covers."""
    free = sorted(intervals)
    for taken_start, taken_end in taken:
        remaining = []
        for start, end in free:
            if taken_end <= start or end <= taken_start:
                remaining.append((start, end))
                continue
            if start < taken_start:
                remaining.append((start, taken_start))
            if taken_end < end:
                remaining.append((taken_end, end))
        free = remaining
    return free


def first_step_at_or_after(moment: datetime, step: timedelta, tz=PRACTICE_TIME_ZONE) -> datetime:
    """The first time on the wall-clock grid (multiples of `step` since local midnight) not before `moment`."""
    local = moment.astimezone(tz)
    midnight = day_window(local.date(), tz=tz)[0]
    wall_offset = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
    steps = -(-wall_offset // step)  # ceiling division
    wall = midnight.replace(tzinfo=None) + steps * step
    return wall.replace(tzinfo=tz)


def in_utc(intervals: Iterable[Interval]) -> list[Interval]:
    """Intervals compared in real time: Python compares two times of one zone on the wall clock,
    which is wrong across a daylight-saving change."""
    return [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in intervals]


def working_intervals(day: date, schedule: ProviderSchedule, tz=PRACTICE_TIME_ZONE) -> list[Interval]:
    """The provider's working blocks on `day`, as start and end times in UTC."""
    return in_utc(DayHours(day, tuple(sorted(schedule.weekly.get(day.weekday(), ())))).intervals(tz))


def provider_intervals(day: date, practice: PracticeHours, schedule: ProviderSchedule) -> list[Interval]:
    """When the provider is working and the practice is open on `day`, less time off and bookings (in UTC)."""
    open_hours = in_utc(practice.hours_on(day).intervals(practice.tz))
    working = working_intervals(day, schedule, practice.tz)
    return subtract(intersect(open_hours, working), in_utc([*schedule.time_off, *schedule.busy]))


def booking_window(now: datetime, rules: BookingRules, tz=PRACTICE_TIME_ZONE) -> tuple[datetime, date]:
    """The earliest start allowed, and the last day that may be booked."""
    return now + rules.minimum_notice, now.astimezone(tz).date() + timedelta(days=rules.horizon_days)


def find_slots(
    *,
    practice: PracticeHours,
    schedules: Sequence[ProviderSchedule],
    rules: BookingRules,
    now: datetime,
    first_day: date,
    days: int,
) -> list[Slot]:
    """Every bookable (start, provider) from `first_day` for `days` days, soonest first."""
    earliest, last_day = booking_window(now, rules, practice.tz)
    slots = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day > last_day:
            break
        if day < earliest.astimezone(practice.tz).date():
            continue
        clocks_change = clocks_change_on(day, practice.tz)
        for schedule in schedules:
            for start, end in provider_intervals(day, practice, schedule):
                first = first_step_at_or_after(max(start, earliest), rules.step, practice.tz)
                if clocks_change:
                    slots += slots_across_a_clock_change(first, start, end, rules, schedule.provider_id)
                    continue
                # Any other day, a step on the wall clock is a step of real time: count in UTC, which is fast.
                candidate = first.astimezone(UTC)
                while candidate + rules.duration <= end:
                    slots.append(Slot(candidate, candidate + rules.duration, schedule.provider_id))
                    candidate += rules.step
    return sorted(slots)


def clocks_change_on(day: date, tz) -> bool:
    """Whether the clocks go forward or back on `day` (its midnights differ in UTC offset)."""
    midnight, next_midnight = day_window(day, tz=tz)
    return midnight.utcoffset() != next_midnight.utcoffset()


def slots_across_a_clock_change(first: datetime, start: datetime, end: datetime, rules: BookingRules, provider_id: int) -> list[Slot]:
    """The slots of one free interval on the day the clocks change, stepping on the wall clock from `first`.

    A time the clock skips (2:15 when clocks go forward) is never offered, nor measured (Python
    would place it after the times that follow it); a time the clock shows twice (1:15 when
    they go back) is offered once, the first time; every visit lasts its real length.
    """
    slots = []
    candidate = first
    while True:
        if exists_on_the_wall_clock(candidate):
            ends_at = later_by(candidate, rules.duration)
            if ends_at > end:
                return slots
            if candidate >= start:
                slots.append(Slot(candidate, ends_at, provider_id))
        # The next step on the wall-clock grid: adding to a datetime keeps its time zone and adds
        # on the wall clock, which is what first_step_at_or_after would give (it is already on the grid).
        candidate += rules.step


def first_available(slots: Iterable[Slot], provider_order: Sequence[int]) -> list[Slot]:
    """One slot per start time across providers: the first provider in `provider_order` who is free."""
    rank = {provider_id: position for position, provider_id in enumerate(provider_order)}
    chosen: dict[datetime, Slot] = {}
    for slot in slots:
        current = chosen.get(slot.starts_at)
        if current is None or rank.get(slot.provider_id, len(rank)) < rank.get(current.provider_id, len(rank)):
            chosen[slot.starts_at] = slot
    return [chosen[start] for start in sorted(chosen)]


def describe_duration(length: timedelta) -> str:
    """2 hours, 90 minutes, 1 hour."""
    minutes = int(length.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def explain_unavailable(
    starts_at: datetime,
    *,
    practice: PracticeHours,
    schedule: ProviderSchedule | None,
    rules: BookingRules,
    now: datetime,
) -> str:
    """Why `starts_at` cannot be booked, in words for the patient ("" if it can)."""
    tz = practice.tz
    earliest, last_day = booking_window(now, rules, tz)
    local = starts_at.astimezone(tz)
    if starts_at < now:
        return "That time is in the past. Please choose another time."
    if starts_at < earliest:
        return f"Online bookings need at least {describe_duration(rules.minimum_notice)}' notice. Please choose a later time, or call us."
    if local.date() > last_day:
        return f"You can book online up to {rules.horizon_days} days ahead. Please choose an earlier day, or call us."
    day_hours = practice.hours_on(local.date())
    if day_hours.is_closed:
        label = f" ({day_hours.holiday.label})" if day_hours.holiday else ""
        return f"The office is closed on {local:%A, %B} {local.day}{label}. Please choose another day."
    if schedule is None:
        return "That provider does not offer this visit. Please choose another provider."
    if first_step_at_or_after(starts_at, rules.step, tz) != starts_at or not exists_on_the_wall_clock(local):
        return "Please choose one of the times shown."
    free = provider_intervals(local.date(), practice, schedule)
    ends_at = later_by(starts_at, rules.duration)
    if any(start <= starts_at and ends_at <= end for start, end in free):
        return ""
    opening = in_utc(practice.hours_on(local.date()).intervals(tz))
    if not any(start <= starts_at and ends_at <= end for start, end in opening):
        return "That time is outside our opening hours. Please choose one of the times shown."
    return "That time is not available. Please choose one of the times shown."
