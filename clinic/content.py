"""The practice content every page shows, loaded once and shared through the cache.

Practice details, weekly hours, holiday hours and announcements appear in the
header, footer, announcement bar and JSON-LD of every page. They change rarely,
so they are read in one go and cached. Saving or deleting any of them clears
the cache (see `clinic.apps`). Time windows are applied on every request, not
when loading, so a scheduled announcement appears and disappears on time.

Every save also starts a new *content generation*: a stamp in the shared cache that
`clinic.page_cache` compares with the stamp of each cached page.
"""

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from clinic.hours import Holiday, PracticeHours, day_window
from clinic.models import Announcement, HolidayHours, OfficeHours, Practice

CACHE_KEY = "clinic:site-content:v1"
GENERATION_KEY = "clinic:content-generation"
# Holiday hours are shown on every page this many days before they apply.
HOLIDAY_NOTICE_DAYS = 14


@dataclass(frozen=True)
class SiteContent:
    practice: Practice | None
    hours: PracticeHours
    announcements: tuple[Announcement, ...]

    def live_announcements(self, now: datetime) -> list[Announcement]:
        return [announcement for announcement in self.announcements if announcement.is_live(now)]

    def upcoming_holidays(self, today: date) -> list[Holiday]:
        return self.hours.upcoming_holidays(today)

    def holidays_to_mention(self, today: date) -> list[Holiday]:
        """Holiday hours starting within the next two weeks (or under way)."""
        return self.hours.upcoming_holidays(today, within_days=HOLIDAY_NOTICE_DAYS)

    def next_change_after(self, now: datetime) -> datetime:
        """The next moment pages change by themselves: an announcement starts or ends, or
        the date changes in the practice's time zone (this week's hours, holiday notices)."""
        moments = [day_window(timezone.localdate(now))[1]]  # the coming midnight
        for announcement in self.announcements:
            moments += [moment for moment in (announcement.starts_at, announcement.ends_at) if moment and moment > now]
        return min(moments)


def read_site_content(today: date | None = None, now: datetime | None = None) -> SiteContent:
    """Read the rows (four queries) without the cache."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    practice = Practice.load(fresh=True)
    hours = read_practice_hours(today)
    announcements = tuple(Announcement.objects.not_ended(now))
    return SiteContent(practice, hours, announcements)


def read_practice_hours(today: date | None = None) -> PracticeHours:
    """The weekly hours and holiday hours (two queries) without the cache."""
    today = today or timezone.localdate()
    weekly = {}
    for block in OfficeHours.objects.filter(practice_id=1):
        weekly.setdefault(block.weekday, []).append(block.as_block())
    # Yesterday's as well: the cached copy may still be served after midnight.
    holidays = tuple(h.as_holiday() for h in HolidayHours.objects.upcoming(today - timedelta(days=1)))
    weekly_blocks = {weekday: tuple(sorted(blocks)) for weekday, blocks in weekly.items()}
    return PracticeHours(weekly_blocks, holidays)


def load_site_content() -> SiteContent:
    content = cache.get(CACHE_KEY)
    if content is None:
        content = read_site_content()
        cache.set(CACHE_KEY, content, settings.SITE_CONTENT_CACHE_SECONDS)
    if content.practice is not None:
        _last_known["practice"] = content.practice
    return content


# The practice as this process last loaded it: the error pages' phone number while neither
# the cache nor the database can be read (clinic.errors).
_last_known: dict[str, Practice] = {}


def last_known_practice() -> Practice | None:
    return _last_known.get("practice")


def forget_site_content(**kwargs):
    """Drop the cached content and every cached page, now and again when the saving
    transaction commits: a request served between the save and the commit could
    otherwise cache the old rows for the whole cache lifetime."""
    _forget()
    transaction.on_commit(_forget)


def _forget():
    cache.delete(CACHE_KEY)
    start_new_generation()


def current_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = clock.time_ns()
        # add(): if two workers race here, both end up with the same stamp.
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


def start_new_generation():
    """Make every cached page stale, in every process on every server sharing the cache."""
    forget_the_generation_seen()
    cache.set(GENERATION_KEY, clock.time_ns(), timeout=None)


# The generation as this process last read it, and until when (monotonic seconds) it may go
# on believing it without asking the shared cache again: clinic.page_cache's fast path.
_generation_seen = {"value": None, "until": 0.0}


def generation_seen_lately(check_every_seconds: float, now: float | None = None):
    """The current generation, read from the shared cache at most once every `check_every_seconds`
    by this process (0: on every call); None while it cannot be read (missing, or Redis down).
    `now`: monotonic seconds, given by tests."""
    now = clock.monotonic() if now is None else now
    if now < _generation_seen["until"]:
        return _generation_seen["value"]
    generation = cache.get(GENERATION_KEY)
    _generation_seen["value"] = generation
    _generation_seen["until"] = now + check_every_seconds if generation is not None else 0.0
    return generation


def forget_the_generation_seen():
    _generation_seen["until"] = 0.0
