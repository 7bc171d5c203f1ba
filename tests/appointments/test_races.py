"""Races through the functions that change data, with a real second transaction on its own
connection: another desk's change is made and held uncommitted while this one is tried.

On SQLite every transaction takes the write lock when it begins, so this one waits for the
other to commit and then its own check sees the change. On PostgreSQL its check runs before
the other commits and sees nothing; the database then makes it wait (on the no-overlap
constraint, or on the row's lock) and refuses it. Either way: refused, nothing half-saved."""

import re
import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from appointments import booking, telehealth
from appointments.booking import BookingRefused, SlotUnavailable
from appointments.models import Appointment, OutboxMessage, TelehealthRequest, VisitType
from clinic.models import Provider
from tests.factories import (
    at,
    consented,
    make_appointment,
    make_telehealth_request,
    next_monday,
)

# Serialized rollback, as every transactional test here: see tests/appointments/test_concurrency.py.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

HELD_FOR_SECONDS = 1.0


def held_by_another_desk(change):
    """Run `change` in a transaction of another thread and connection; return once it is made, still uncommitted."""
    made = threading.Event()
    failures = []

    def run():
        try:
            with transaction.atomic():
                change()
                made.set()
                time.sleep(HELD_FOR_SECONDS)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
            made.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert made.wait(timeout=30)
    return thread, failures


def test_a_staff_booking_racing_another_booking_of_the_time_is_refused(visit_type, provider):
    starts_at = at(next_monday(), 10)
    thread, failures = held_by_another_desk(lambda: make_appointment(visit_type=visit_type, provider=provider, starts_at=starts_at))
    with pytest.raises((BookingRefused, SlotUnavailable)):
        booking.book_for_staff(
            provider=provider, visit_type=visit_type, modality="in_office", starts_at=starts_at + timedelta(minutes=15),
            patient={"first_name": "Ann", "last_name": "Other", "date_of_birth": date(1970, 1, 2),
                     "phone": "+13015550100", "email": "ann@example.com", "is_new_patient": True},
        )
    thread.join()
    assert not failures
    assert Appointment.objects.count() == 1
    assert not OutboxMessage.objects.exists()


def test_scheduling_a_request_another_desk_is_scheduling_books_nothing(visit_type, provider):
    request = make_telehealth_request()

    def schedule_it():
        telehealth.schedule_from_request(
            request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 9), patient=request.contact_details(),
            **consented(),
        )

    thread, failures = held_by_another_desk(schedule_it)
    with pytest.raises(BookingRefused) as refusal:
        telehealth.schedule_from_request(
            request, provider=provider, visit_type=visit_type, starts_at=at(next_monday(), 14), patient=request.contact_details(),
            **consented(),
        )
    thread.join()
    assert not failures
    assert refusal.value.message == telehealth.NO_LONGER_OPEN
    assert Appointment.objects.count() == 1
    assert TelehealthRequest.objects.get().appointment.starts_at == at(next_monday(), 9)
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_confirmed"]  # the other desk's only


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database for every write")
def test_changing_a_visit_locks_only_its_row_not_the_provider_or_the_visit_type(visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    thread, failures = held_by_another_desk(lambda: booking.change_video_link(appointment, "https://video.example/room/1"))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")  # a lock held by the other desk would fail this at once
        Provider.objects.filter(pk=provider.pk).update(role="Physician")
        VisitType.objects.filter(pk=visit_type.pk).update(description="Checked")
        other = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday(), 15), status="requested")
        booking.confirm(other)
    thread.join()
    assert not failures
    assert Appointment.objects.get(pk=other.pk).status == "confirmed"


PATIENT_VALUES = {
    "first_name": "Zebedee", "last_name": "Quillfeather", "date_of_birth": date(1961, 7, 19), "phone": "+13015550187",
    "email": "zebedee.q@example.com", "is_new_patient": True, "reason": "left shoulder knot since March", "consent_to_contact": True,
}


def refused_statements():
    """Every statement the database refuses on this connection, with its values (what its log would show)."""
    refused = []

    def record(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception:
            refused.append(f"{sql} {params!r}")
            raise

    return refused, record


@pytest.mark.parametrize("who", ["patient", "staff"])
def test_a_booking_the_database_refuses_carries_no_patient_value(visit_type, provider, who):
    starts_at = at(next_monday(), 10)
    thread, failures = held_by_another_desk(lambda: make_appointment(visit_type=visit_type, provider=provider, starts_at=starts_at))
    refused, record = refused_statements()
    with connection.execute_wrapper(record), pytest.raises((BookingRefused, SlotUnavailable)):
        if who == "patient":
            booking.book(visit_type=visit_type, modality="in_office", starts_at=starts_at, patient=PATIENT_VALUES)
        else:
            booking.book_for_staff(provider=provider, visit_type=visit_type, modality="in_office", starts_at=starts_at,
                                   patient=PATIENT_VALUES)
    thread.join()
    assert not failures
    if connection.vendor == "postgresql":
        # Its check ran before the other desk committed: the insert itself was refused.
        assert refused, "the race did not reach the database's constraint"
    for statement in refused:
        for value in ("Zebedee", "Quillfeather", "1961, 7, 19", "1961-07-19", "5550187", "zebedee.q", "shoulder"):
            assert value not in statement, statement
        assert not re.search(r"[0-9a-f]{64}", statement), statement  # nor the hash of the patient's manage link
    assert Appointment.objects.count() == 1


def test_the_insert_of_a_booking_or_a_request_carries_no_patient_value(visit_type, provider):
    """The one statement a race can refuse (the database would log it whole) leaves every patient field out."""
    inserts = []

    def record(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO \"appointments_"):
            inserts.append(f"{sql} {params!r}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        booking.book(visit_type=visit_type, modality="in_office", starts_at=at(next_monday(), 10), patient=PATIENT_VALUES)
        telehealth.request_call_back({**PATIENT_VALUES, "state": "MD", "preferred_days": "", "preferred_times": ""})
    inserts = [statement for statement in inserts if "outboxmessage" not in statement]  # emails are another matter
    assert len(inserts) == 3  # the appointment, the request and the patient record both link to
    for statement in inserts:
        for value in ("Zebedee", "Quillfeather", "1961, 7, 19", "5550187", "zebedee.q", "shoulder", "'MD'"):
            assert value not in statement, statement
    assert Appointment.objects.get().first_name == "Zebedee" and TelehealthRequest.objects.get().state == "MD"


def test_a_double_click_with_first_available_books_one_visit(visit_type, provider, second_provider):
    starts_at = at(next_monday(), 10)
    barrier, outcomes = threading.Barrier(2), []

    def click():
        try:
            barrier.wait(timeout=30)
            booking.book(visit_type=visit_type, modality="in_office", starts_at=starts_at, patient=PATIENT_VALUES)
            outcomes.append("booked")
        except (BookingRefused, SlotUnavailable) as refusal:
            outcomes.append(refusal.message)
        finally:
            connection.close()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert sorted(outcomes) == sorted(["booked", booking.ALREADY_BOOKED_THEN])
    assert Appointment.objects.count() == 1


def test_two_bookings_at_once_by_a_new_patient_make_one_patient_record(visit_type, provider):
    """The matching rule waits its turn per name and birthday (appointments.patients): the second
    booking finds the record the first made, instead of making a duplicate."""
    from appointments.models import Patient

    barrier, outcomes = threading.Barrier(2), []

    def book_at(hour, email):
        try:
            barrier.wait(timeout=30)
            # Two emails (the bookings do not wait for each other on the email), one phone: the same person.
            patient = {**PATIENT_VALUES, "email": email}
            booking.book(visit_type=visit_type, modality="in_office", starts_at=at(next_monday(), hour), patient=patient)
            outcomes.append("booked")
        except (BookingRefused, SlotUnavailable) as refusal:
            outcomes.append(refusal.message)
        finally:
            connection.close()

    clicks = [threading.Thread(target=book_at, args=args) for args in ((10, "home@example.com"), (14, "work@example.com"))]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert outcomes == ["booked", "booked"]
    assert Patient.objects.count() == 1
    assert set(Appointment.objects.values_list("patient_id", flat=True)) == {Patient.objects.get().pk}
