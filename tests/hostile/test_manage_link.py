"""The patient's manage link under hostile input: an unknown, changed or expired token is
"not found" on every page of it; with a real token, nothing posted moves the appointment
unless it names a time that is free, and a move or a cancellation is complete."""

from datetime import date, timedelta
from urllib.parse import quote_from_bytes, urlencode

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from appointments import booking, notifications
from appointments.forms.booking import parse_start
from appointments.loader import load_slots
from appointments.models import Appointment, OutboxMessage, VisitType
from tests.hostile.checks import assert_fits_the_database, row_counts, send
from tests.hostile.profiles import examples
from tests.hostile.strategies import (
    any_date,
    hostile_query,
    hostile_value,
    last_value,
    mutations_of,
    near_misses,
    odd_text,
    random_slugs,
    with_query,
)

pytestmark = pytest.mark.django_db

PATIENT = dict(
    first_name="Imogen", last_name="Tarrant", date_of_birth=date(1970, 5, 17),
    phone="+13015550123", email="imogen.tarrant@example.com", is_new_patient=False, consent_to_contact=True,
)


def book(start: str) -> booking.Booking:
    return booking.book(
        visit_type=VisitType.objects.get(slug="follow-up-visit"), modality=Appointment.Modality.IN_OFFICE,
        starts_at=parse_start(start), patient=PATIENT,
    )


def pages(token: str):
    base = f"/appointments/manage/{token}/"
    return [
        ("get", base), ("head", base), ("post", base + "cancel/"), ("get", base + "reschedule/"), ("post", base + "reschedule/")
    ]


def changed_tokens(real: str):
    """The real token with one character changed, cut short, lengthened or in another case."""
    return st.one_of(
        st.integers(0, len(real) - 1).flatmap(
            lambda at: st.sampled_from("ABCxyz019-_").filter(lambda char: char != real[at]).map(
                lambda char: real[:at] + char + real[at + 1:]
            )
        ),
        st.integers(0, len(real) - 1).map(lambda at: real[:at]),
        odd_text.filter(bool).map(lambda extra: real + quote_from_bytes(extra.encode(), safe="")),
        st.just(real.swapcase()),
    ).filter(lambda token: token != real)


@pytest.fixture
def real_booking(demo_site):
    return book(demo_site.free_starts[0])  # the three bookings of these tests are on different days


@pytest.fixture
def expired_token(demo_site):
    """The token of a visit that has ended: its link no longer works."""
    past = book(demo_site.free_starts[-1])
    Appointment.objects.filter(pk=past.appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    return past.manage_token


@examples(1.5)
@given(data=st.data())
def test_an_unknown_changed_or_expired_token_is_not_found_everywhere(client, real_booking, expired_token, data):
    # A "/" in the token would make it another address, and so not a token; random_slugs covers random bytes in any case.
    token = data.draw(
        st.one_of(
            changed_tokens(real_booking.manage_token),
            st.just(expired_token),
            st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True),
            random_slugs.filter(lambda slug: "%2F" not in slug.upper() and slug not in ("..", ".")),
        ),
        label="token",
    )
    method, path = data.draw(st.sampled_from(pages(token)), label="page")
    query = data.draw(st.one_of(st.just(""), hostile_query), label="query")
    posted = data.draw(mutations_of({"start": "2030-01-07T09:00:00-05:00"}), label="posted")
    before = (row_counts(), list(Appointment.objects.order_by("pk").values()))
    response = send(client, method, with_query(path, query), posted if method == "post" else None)
    assert response.status_code in (400, 404)  # 400: more than 1,000 fields in the query
    assert (row_counts(), list(Appointment.objects.order_by("pk").values())) == before


@examples(1)
@given(query=st.one_of(hostile_query, st.dictionaries(st.just("week"), any_date | hostile_value).map(urlencode)))
def test_the_real_pages_answer_any_query(client, real_booking, query):
    before = (row_counts(), list(Appointment.objects.order_by("pk").values()))
    for path in ("", "reschedule/"):
        response = send(client, "get", with_query(f"/appointments/manage/{real_booking.manage_token}/{path}", query))
        assert response.status_code in (200, 400)
    assert (row_counts(), list(Appointment.objects.order_by("pk").values())) == before


def free_times_on(appointment, moment) -> set:
    """The times the reschedule page would offer on `moment`'s day with the visit's own provider
    (a move keeps the provider), the appointment's own time counted as free."""
    day = timezone.localtime(moment).date()
    slots = load_slots(
        appointment.visit_type, [appointment.provider], day, 1, timezone.now(), exclude_appointment_id=appointment.pk
    )
    return {slot.starts_at for slot in slots}


def when_and_who(appointment):
    return appointment.starts_at, appointment.ends_at, appointment.provider_id, appointment.status


@examples(2.5)
@given(data=st.data(), encoding=st.sampled_from(["urlencoded", "multipart"]))
def test_a_new_time_moves_the_visit_only_when_it_is_free_and_completely(client, demo_site, real_booking, data, encoding):
    appointment = real_booking.appointment
    time = data.draw(st.sampled_from(demo_site.free_starts) | near_misses(demo_site.free_starts), label="time")
    posted = data.draw(
        mutations_of({"start": time}).filter(lambda sent: "start" in sent) | st.fixed_dictionaries({"start": hostile_value}),
        label="posted",
    )
    try:
        wanted = parse_start(last_value(posted["start"]))
    except ValidationError:
        wanted = None
    appointment.refresh_from_db()
    changeable = booking.can_change_online(appointment)
    free = changeable and wanted is not None and wanted in free_times_on(appointment, wanted)
    before_counts, before = row_counts(), when_and_who(appointment)
    response = send(client, "post", f"/appointments/manage/{real_booking.manage_token}/reschedule/", posted, encoding=encoding)
    appointment.refresh_from_db()
    if free and isinstance(posted["start"], list) and len(posted["start"]) > 1000:
        free = False  # more fields than Django accepts: refused before the form is read
    if not free:
        assert response.status_code in ((200, 400) if changeable else (302, 400))
        assert row_counts() == before_counts
        assert when_and_who(appointment) == before
        return
    assert response.status_code == 302 and response["Location"] == f"/appointments/manage/{real_booking.manage_token}/"
    assert appointment.starts_at == wanted and appointment.ends_at == wanted + appointment.visit_type.duration
    messages = list(OutboxMessage.objects.order_by("pk"))[before_counts["OutboxMessage"]:]
    assert sorted(message.kind for message in messages) == [notifications.PATIENT_RESCHEDULED, notifications.STAFF_RESCHEDULED]
    assert all(message.appointment_id == appointment.pk for message in messages)
    assert row_counts() == {**before_counts, "OutboxMessage": before_counts["OutboxMessage"] + 2}
    for row in (appointment, *messages):
        assert_fits_the_database(row)


@examples(0.5)
@given(posted=mutations_of({}), encoding=st.sampled_from(["urlencoded", "multipart"]))
def test_cancelling_with_any_form_data_cancels_completely(client, demo_site, posted, encoding):
    # The cancel button sends no fields: whatever else is posted is ignored.
    booked = book(demo_site.free_starts[len(demo_site.free_starts) // 2])
    before = row_counts()
    response = send(client, "post", f"/appointments/manage/{booked.manage_token}/cancel/", posted, encoding=encoding)
    booked.appointment.refresh_from_db()
    if response.status_code == 400:  # more than 1,000 fields: refused, nothing changed
        assert booked.appointment.is_active and row_counts() == before
        booking.cancel(booked.appointment, by_patient=True)  # free the time for the next example
        return
    assert response.status_code == 302
    assert booked.appointment.status == Appointment.Status.CANCELLED
    messages = list(OutboxMessage.objects.order_by("pk"))[before["OutboxMessage"]:]
    assert sorted(message.kind for message in messages) == [notifications.PATIENT_CANCELLED, notifications.STAFF_CANCELLED]
    assert row_counts() == {**before, "OutboxMessage": before["OutboxMessage"] + 2}
