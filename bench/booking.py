"""Booking figures for `make bench`, run by bench/run.py with the production settings
against the bench database (already migrated and seeded with the demo practice).

* Availability: 60 days of free times for 6 providers (the 3 demo providers and 3
  more with the same hours), computed by the loader + pure functions; the best of 5
  runs, in milliseconds. Goal: under 50 ms.
* Contention: 20 threads, each with its own database connection, book the same
  slot at the same moment through appointments.booking.book. Goal: exactly 1 booked,
  19 told it was taken, no errors, 1 row.

Prints one line per figure as `name value goal PASS|FAIL`; exit code 1 on a miss.
"""

import os
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.booking import JUST_TAKEN, SlotUnavailable, book  # noqa: E402
from appointments.loader import load_slots, providers_for  # noqa: E402
from appointments.models import Appointment, VisitType, WorkingHours  # noqa: E402
from clinic.models import Provider  # noqa: E402

AVAILABILITY_GOAL_MS = 50
THREADS = 20


def add_providers(visit_type, count):
    """Copies of the first demo provider's hours, so the bench has `count` providers in all."""
    template = visit_type.providers.order_by("order").first()
    for number in range(visit_type.providers.count() + 1, count + 1):
        provider, created = Provider.objects.get_or_create(
            slug=f"bench-provider-{number}", defaults={"name": f"Bench Provider {number}", "role": "Physician", "order": 90 + number}
        )
        if created:
            WorkingHours.objects.bulk_create(
                WorkingHours(provider=provider, weekday=w.weekday, starts=w.starts, ends=w.ends) for w in template.working_hours.all()
            )
        visit_type.providers.add(provider)


def measure_availability():
    visit_type = VisitType.objects.get(slug="follow-up-visit")
    add_providers(visit_type, 6)
    providers = providers_for(visit_type, Appointment.Modality.IN_OFFICE)
    now = timezone.now()
    timings, count = [], 0
    for _ in range(5):
        started = time.perf_counter()
        count = len(load_slots(visit_type, providers, timezone.localdate(now), 60, now))
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings), len(providers), count


def measure_contention():
    visit_type = VisitType.objects.get(slug="follow-up-visit")
    provider = providers_for(visit_type, Appointment.Modality.IN_OFFICE)[0]
    slot = load_slots(visit_type, [provider], timezone.localdate() + timedelta(days=7), 7, timezone.now())[0]
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def attempt(number):
        patient = dict(
            first_name="Bench", last_name=f"Patient{number}", date_of_birth=date(1970, 1, 1), phone="+13015550100",
            email=f"bench{number}@example.com", is_new_patient=True,
        )
        try:
            barrier.wait(timeout=30)
            book(visit_type=visit_type, modality="in_office", starts_at=slot.starts_at, patient=patient, provider_id=provider.pk)
            outcomes.append("booked")
        except SlotUnavailable as error:
            outcomes.append("taken" if error.message == JUST_TAKEN else error.message)
        except Exception as error:  # noqa: BLE001 - counted and reported
            outcomes.append(f"error: {type(error).__name__}")
        finally:
            connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    rows = Appointment.objects.filter(provider=provider, starts_at=slot.starts_at).count()
    return outcomes, rows, elapsed


def main():
    # The bench must never email anyone.
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    milliseconds, providers, slots = measure_availability()
    ok_availability = milliseconds < AVAILABILITY_GOAL_MS
    print(f"availability: {providers} providers x 60 days = {slots} slots in {milliseconds:.1f} ms "
          f"(goal < {AVAILABILITY_GOAL_MS} ms) {'PASS' if ok_availability else 'FAIL'}")
    outcomes, rows, elapsed = measure_contention()
    booked, taken = outcomes.count("booked"), outcomes.count("taken")
    errors = len(outcomes) - booked - taken
    ok_contention = booked == 1 and taken == THREADS - 1 and errors == 0 and rows == 1
    print(f"contention: {THREADS} threads on one slot: {booked} booked, {taken} told it was taken, "
          f"{errors} errors, {rows} row(s), {elapsed * 1000:.0f} ms {'PASS' if ok_contention else 'FAIL'}")
    return 0 if ok_availability and ok_contention else 1


if __name__ == "__main__":
    sys.exit(main())
