"""When the practice is open: weekly office hours, overridden by dated holiday hours.

Everything here works on plain values and never touches the database, so the
hours page, the footer, the JSON-LD and booking availability all answer
"is the practice open at time T" the same way. `clinic.content` loads the rows.

The practice's time zone is defined here and nowhere else: `clinic.settings` takes
TIME_ZONE from it, so `timezone.localdate()` and `PRACTICE_TIME_ZONE` always agree.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRACTICE_TIME_ZONE_NAME = "America/New_York"
PRACTICE_TIME_ZONE = ZoneInfo(PRACTICE_TIME_ZONE_NAME)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_window(first_day: date, last_day: date | None = None, tz: ZoneInfo = PRACTICE_TIME_ZONE) -> tuple[datetime, datetime]:
    """From midnight at the start of `first_day` to midnight after `last_day` (default: the
    same day), as aware datetimes in the practice's time zone: 23 or 25 hours on DST days."""
    last_day = first_day if last_day is None else last_day
    return datetime.combine(first_day, time.min, tzinfo=tz), datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)


def at_wall_clock(day: date, clock: time, tz: ZoneInfo = PRACTICE_TIME_ZONE) -> datetime:
    """`day` at `clock` on the wall clock of `tz`, as an aware datetime. A time the clock skips
    (2:30 on the night clocks go forward) becomes the real moment an hour later's wall time
    names (3:30); a time that happens twice is its first occurrence."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


def later_by(moment: datetime, length: timedelta) -> datetime:
    """`length` of real time after `moment`, shown in `moment`'s time zone. (`moment + length`
    adds on the wall clock: across a daylight-saving change a 30-minute visit would last 90.)"""
    return (moment.astimezone(UTC) + length).astimezone(moment.tzinfo)


def exists_on_the_wall_clock(moment: datetime) -> bool:
    """False for a time the clock skips (2:30 on the night clocks go forward)."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) == moment.replace(tzinfo=None)


@dataclass(frozen=True, order=True)
class TimeBlock:
    """One stretch of opening on a day, e.g. 08:30–12:30."""

    opens: time
    closes: time

    def overlaps(self, other: "TimeBlock") -> bool:
        return self.opens < other.closes and other.opens < self.closes


@dataclass(frozen=True)
class Holiday:
    """Dated hours that replace the weekly hours on every day from `first_day` to `last_day`."""

    label: str
    first_day: date
    last_day: date
    blocks: tuple[TimeBlock, ...] = ()
    note: str = ""

    @property
    def is_closed(self) -> bool:
        return not self.blocks

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class DayHours:
    """The opening hours of one calendar day, after holiday hours are applied."""

    day: date
    blocks: tuple[TimeBlock, ...]
    holiday: Holiday | None = None

    @property
    def is_closed(self) -> bool:
        return not self.blocks

    def intervals(self, tz: ZoneInfo = PRACTICE_TIME_ZONE) -> list[tuple[datetime, datetime]]:
        """Aware start and end datetimes of each block, correct across DST changes."""
        return [
            (datetime.combine(self.day, block.opens, tzinfo=tz), datetime.combine(self.day, block.closes, tzinfo=tz))
            for block in self.blocks
        ]


@dataclass(frozen=True)
class PracticeHours:
    """Weekly hours (weekday 0 = Monday) plus holiday overrides, in one time zone."""

    weekly: Mapping[int, Sequence[TimeBlock]]
    holidays: Sequence[Holiday] = ()
    tz: ZoneInfo = field(default=PRACTICE_TIME_ZONE)

    def holiday_on(self, day: date) -> Holiday | None:
        for holiday in self.holidays:
            if holiday.covers(day):
                return holiday
        return None

    def hours_on(self, day: date) -> DayHours:
        holiday = self.holiday_on(day)
        if holiday is not None:
            return DayHours(day, tuple(sorted(holiday.blocks)), holiday)
        return DayHours(day, tuple(sorted(self.weekly.get(day.weekday(), ()))))

    def days(self, first_day: date, count: int) -> list[DayHours]:
        return [self.hours_on(first_day + timedelta(days=offset)) for offset in range(count)]

    def is_open_at(self, moment: datetime) -> bool:
        if moment.tzinfo is None:
            raise ValueError("is_open_at needs an aware datetime")
        local = moment.astimezone(self.tz)
        return any(start <= local < end for start, end in self.hours_on(local.date()).intervals(self.tz))

    def upcoming_holidays(self, today: date, within_days: int | None = None) -> list[Holiday]:
        """Holidays not yet over on `today`, soonest first; optionally only those starting within N days."""
        found = [h for h in self.holidays if h.last_day >= today]
        if within_days is not None:
            horizon = today + timedelta(days=within_days)
            found = [h for h in found if h.first_day <= horizon]
        return sorted(found, key=lambda h: h.first_day)


def weekly_table(weekly: Mapping[int, Sequence[TimeBlock]]) -> list[tuple[str, tuple[TimeBlock, ...]]]:
    """Monday to Sunday with each day's blocks, for the hours page."""
    return [(WEEKDAY_NAMES[weekday], tuple(sorted(weekly.get(weekday, ())))) for weekday in range(7)]


def find_overlap(blocks: Iterable[TimeBlock]) -> tuple[TimeBlock, TimeBlock] | None:
    """The first pair of blocks that overlap, or None."""
    ordered = sorted(blocks)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.overlaps(later):
            return earlier, later
    return None
