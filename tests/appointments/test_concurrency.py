"""No two patients in one slot, however many book at the same moment.

Each thread has its own database connection, as separate server processes would.
On PostgreSQL the exclusion constraint has the last word; on SQLite the booking
transaction takes the write lock first (IMMEDIATE) and triggers refuse overlaps.
"""

import threading
from datetime import date, time, timedelta

import pytest
from django.db import IntegrityError, connection, connections

from appointments.booking import JUST_TAKEN, SlotUnavailable, book
from appointments.models import Appointment, VisitType, WorkingHours
from clinic.models import Provider
from tests.factories import at, make_office_hours, make_practice, weekday_after

# Serialized rollback puts back the rows the migrations made (staff groups, content
# types) after the flush, as the browser tests do; every transactional test must use
# it, or the flush re-creates content types that the next restore then collides with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 20


@pytest.fixture
def clinic_day():
    practice = make_practice()
    make_office_hours(practice, blocks=((time(9), time(17)),))
    provider = Provider.objects.create(name="Dana Test", slug="dana-test", role="Physician")
    for weekday in range(5):
        WorkingHours.objects.create(provider=provider, weekday=weekday, starts=time(9), ends=time(17))
    short = VisitType.objects.create(name="Short visit", slug="short", duration_minutes=30)
    long = VisitType.objects.create(name="Long visit", slug="long", duration_minutes=60)
    short.providers.add(provider)
    long.providers.add(provider)
    return provider, short, long, weekday_after(3)


def patient(number):
    return dict(
        first_name=f"Pat{number}", last_name="Racer", date_of_birth=date(1970, 1, 1),
        phone="+13015550100", email=f"pat{number}@example.com", is_new_patient=True, consent_to_contact=True,
    )


def book_at_once(requests):
    """Run every (visit_type, starts_at) booking in its own thread, released together."""
    barrier = threading.Barrier(len(requests))
    outcomes = [None] * len(requests)

    def attempt(index, visit_type, starts_at):
        try:
            barrier.wait(timeout=30)
            book(visit_type=visit_type, modality="in_office", starts_at=starts_at, patient=patient(index))
            outcomes[index] = "booked"
        except SlotUnavailable as error:
            outcomes[index] = error.message
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            outcomes[index] = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(index, *request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.slow
def test_twenty_patients_booking_the_same_slot_get_one_appointment(clinic_day):
    provider, short, _, day = clinic_day
    starts_at = at(day, 10)
    outcomes = book_at_once([(short, starts_at)] * THREADS)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count(JUST_TAKEN) == THREADS - 1, outcomes
    assert Appointment.objects.filter(provider=provider).count() == 1


@pytest.mark.slow
def test_overlapping_visits_of_different_lengths_get_one_appointment(clinic_day):
    provider, short, long, day = clinic_day
    at_ten = at(day, 10)
    at_half_past_nine = at(day, 9, 30)
    outcomes = book_at_once([(short, at_ten)] * (THREADS // 2) + [(long, at_half_past_nine)] * (THREADS // 2))
    assert outcomes.count("booked") == 1, outcomes
    assert all(outcome in ("booked", JUST_TAKEN) for outcome in outcomes), outcomes
    assert Appointment.objects.filter(provider=provider).count() == 1


def test_the_database_itself_refuses_an_overlap(clinic_day):
    """Even a save that skips the booking function (a script, a bug) cannot double-book."""
    provider, short, _, day = clinic_day
    starts_at = at(day, 11)
    fields = dict(
        provider=provider, visit_type=short, first_name="A", last_name="B", date_of_birth=date(1980, 1, 1),
        phone="+13015550100", email="a@example.com", is_new_patient=True, status=Appointment.Status.CONFIRMED,
    )
    Appointment.objects.create(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30), **fields)
    with pytest.raises(IntegrityError):
        Appointment.objects.create(starts_at=starts_at + timedelta(minutes=15), ends_at=starts_at + timedelta(minutes=45), **fields)
    # Back to back is fine, and a cancelled appointment frees its time.
    Appointment.objects.create(starts_at=starts_at + timedelta(minutes=30), ends_at=starts_at + timedelta(minutes=60), **fields)
    Appointment.objects.filter(starts_at=starts_at).update(status=Appointment.Status.CANCELLED)
    Appointment.objects.create(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30), **fields)
    assert sorted(Appointment.objects.filter(provider=provider).values_list("starts_at", "status")) == [
        (at(day, 11), Appointment.Status.CANCELLED),
        (at(day, 11), Appointment.Status.CONFIRMED),
        (at(day, 11, 30), Appointment.Status.CONFIRMED),
    ]


def test_the_guard_comes_back_after_a_migration_rebuilds_the_table(clinic_day):
    """SQLite drops triggers when Django rebuilds a table; every migrate puts them back."""
    from appointments import overlap_guard
    from appointments.apps import install_overlap_guard

    provider, short, _, day = clinic_day
    overlap_guard.remove(connection)  # what a table rebuild does to the triggers
    install_overlap_guard(using="default")
    starts_at = at(day, 14)
    fields = dict(
        provider=provider, visit_type=short, first_name="A", last_name="B", date_of_birth=date(1980, 1, 1),
        phone="+13015550100", email="a@example.com", is_new_patient=True, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
    )
    Appointment.objects.create(**fields)
    with pytest.raises(IntegrityError):
        Appointment.objects.create(**fields)
