"""Where `clinic` learns from the apps above it, which it may not import.

Imports run one way: clinic ← services ← appointments. `clinic` (the practice, its
hours, the project's URLs and commands) imports neither app. Where it needs something
only they know, the app hands a function to this module from its `AppConfig.ready()`
and `clinic` calls it through here. These are all the seams there are:

- `booked_visits(first_day, last_day)`: the visits booked on those days, for the
  list staff get when they post holiday hours (provided by `appointments`);
- `closure_actions()`: what the page of visits a closure hits may do with them: whether
  a user may open or change visits, cancel them and notify the patients, notify only, and
  alert the front desk (provided by `appointments`; None without it);
- `load_demo(today)`: each app's demo content, for `manage.py seed_demo`, in the
  order of INSTALLED_APPS (provided by `services` and `appointments`);
- `app_sitemaps()`: each app's sitemaps, for /sitemap.xml (provided by `services` and
  `appointments`);
- `visit_prices(service_id)`: the self-pay prices of a treatment's visits, for its page
  (provided by `appointments`, which holds visit types; `services` may not import it);
- `health_report()`: each app's own parts for /healthz, by name, each "ok" or what is wrong
  (provided by `appointments`: "outbox", "stalled" when emails wait with no worker sending them).

With no app registered, each answers as if there were nothing (no visits, no demo, no
sitemaps, no prices). (The project's URLconf and templates still link to the apps' pages by name.)
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class BookedVisit:
    """What the holiday-hours warning shows of a visit: never a patient's details."""

    label: str  # reference, time and provider
    starts_at: datetime
    ends_at: datetime
    admin_url: str
    reference: str = ""


@dataclass(frozen=True)
class Closure:
    """What a patient is told of a closure: its name, its days as they read them, the note for patients."""

    label: str
    dates: str
    note: str = ""


@dataclass(frozen=True)
class ClosureActions:
    """What `appointments` lets the closure page do with the visits a closure hits, by reference.
    `cancel_and_notify` and `notify_only` answer (how many were done, why the others were not)."""

    may_open_visits: Callable[[object], bool]  # user -> may they open an appointment?
    may_change_visits: Callable[[object], bool]
    cancel_and_notify: Callable[[list[str], Closure], tuple[int, list[str]]]
    notify_only: Callable[[list[str], Closure], tuple[int, list[str]]]
    alert_front_desk: Callable[[int, Closure, str], None]  # (count, closure, admin address) -> queued
    notified_since: Callable[[list[str], datetime], set[str]]  # which of these visits' patients got a closure notice since then


_closure_actions: list[ClosureActions] = []


def provide_closure_actions(actions: ClosureActions):
    _closure_actions[:] = [actions]


def closure_actions() -> ClosureActions | None:
    return _closure_actions[0] if _closure_actions else None


_booked_visits: list[Callable[[date, date], list[BookedVisit]]] = []
_demo_loaders: list[Callable[[date], object]] = []
_sitemaps: dict[str, type] = {}
_visit_prices: list[Callable[[int], list["VisitPrice"]]] = []
_health_checks: dict[str, Callable[[], str]] = {}


@dataclass(frozen=True)
class VisitPrice:
    """A visit of a treatment and what a patient paying themselves is charged for it."""

    visit_name: str
    price: str  # as shown, e.g. "$95" ("" when there is no set price: patients are asked to call)


def provide_booked_visits(function: Callable[[date, date], list[BookedVisit]]):
    """Register `function(first_day, last_day)`: the active visits not over yet on those days."""
    if function not in _booked_visits:
        _booked_visits.append(function)


def booked_visits(first_day: date, last_day: date) -> list[BookedVisit]:
    return [visit for function in _booked_visits for visit in function(first_day, last_day)]


def provide_demo(loader: Callable[[date], object]):
    """Register `loader(today)`, which adds the app's demo content where it is missing."""
    if loader not in _demo_loaders:
        _demo_loaders.append(loader)


def load_demo(today: date):
    for loader in _demo_loaders:
        loader(today)


def provide_sitemaps(sitemaps: dict[str, type]):
    _sitemaps.update(sitemaps)


def app_sitemaps() -> dict[str, type]:
    return dict(_sitemaps)


def provide_visit_prices(function: Callable[[int], list[VisitPrice]]):
    """Register `function(service_id)`: the bookable visits of that treatment with their self-pay prices."""
    if function not in _visit_prices:
        _visit_prices.append(function)


def visit_prices(service_id: int) -> list[VisitPrice]:
    return [price for function in _visit_prices for price in function(service_id)]


def provide_health_check(name: str, check: Callable[[], str]):
    """Register `check()` under `name` for /healthz: "ok", or a word for what is wrong. It may query
    the database (it runs after /healthz has reached it) and must be cheap: load balancers call it often."""
    _health_checks[name] = check


def health_report() -> dict[str, str]:
    return {name: check() for name, check in _health_checks.items()}
