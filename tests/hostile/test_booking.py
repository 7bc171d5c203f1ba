"""The booking flow under hostile input: every step answers a page or a 4xx, never a 500,
and the details form either books completely (appointment, emails queued, values that
fit the columns) or saves nothing."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from appointments import antispam, notifications
from appointments.forms.booking import PatientDetailsForm, parse_start
from appointments.models import Appointment, OutboxMessage
from tests.factories import PATIENT, stamp_issued, browser
from tests.hostile.checks import assert_fits_the_database, assert_passed_the_traps, row_counts, send
from tests.hostile.profiles import examples
from tests.hostile.strategies import (
    MISSING,
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

# /book/time/, /book/details/ and /book/confirmed/ are the next steps, not treatments.
treatment_slugs = random_slugs.filter(lambda slug: slug not in ("time", "details", "confirmed"))

pytestmark = [
    pytest.mark.django_db,
]

DETAILS = "/book/details/"
PATIENT_DETAILS = {**PATIENT, "website": ""}

# Patient details people really type: every field valid, in any script.
unusual_but_valid_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["C", "Z"]) | st.sampled_from(" '-\u0301\u200d"),
    min_size=1,
    max_size=60,
).filter(lambda name: name.strip())


def choices(site, data):
    """Visit, place, provider and time: half the time a choice the time page offers (the follow-up
    visit in the office with whoever is free), else any mix of the demo's values and times near free ones."""
    if not data.draw(st.booleans(), label="any mix"):
        start = data.draw(st.sampled_from(site.free_starts), label="start")
        return {"visit": "follow-up-visit", "mode": "in_office", "provider": "any", "start": start}
    return {
        "visit": data.draw(st.sampled_from(site.visit_slugs), label="visit"),
        "mode": data.draw(st.sampled_from(["in_office", "video"]), label="mode"),
        "provider": data.draw(st.sampled_from(["any", *site.provider_ids]), label="provider"),
        "start": data.draw(st.sampled_from(site.free_starts) | near_misses(site.free_starts), label="start"),
    }


stamps = st.sampled_from(["good"] * 6 + ["too fast", "stale", "forged"]).map(
    lambda kind: {
        "good": lambda: stamp_issued(10),
        "too fast": lambda: stamp_issued(0),
        "stale": lambda: stamp_issued(antispam.MAX_AGE_SECONDS + 60),
        "forged": lambda: stamp_issued(10)[:-2] + "xx",
    }[kind]
)


@examples(0.75)
@given(data=st.data(), query=st.one_of(st.just(""), hostile_query), slug=st.one_of(st.none(), treatment_slugs))
def test_the_first_step_answers_any_treatment_and_query(client, demo_site, data, query, slug):
    params = data.draw(mutations_of({"visit": "follow-up-visit", "mode": "video"}))
    query = query or urlencode(params, doseq=True)
    path = "/book/" if slug is None else f"/book/{slug}/"
    response = send(client, data.draw(st.sampled_from(["get", "head"])), with_query(path, query))
    if slug is None or slug in demo_site.service_slugs:
        assert response.status_code in (200, 400)  # 400: more than 1,000 fields
    else:
        assert response.status_code in (400, 404)


@examples(1)
@given(data=st.data())
def test_the_time_page_answers_any_query(client, demo_site, data):
    valid = choices(demo_site, data)
    valid["week"] = data.draw(st.sampled_from(["", valid.pop("start")[:10]]) | any_date, label="week")
    query = data.draw(mutations_of(valid).map(lambda params: urlencode(params, doseq=True)) | hostile_query, label="query")
    before = row_counts()
    response = send(client, "get", with_query("/book/time/", query))
    assert response.status_code in (200, 400)
    assert row_counts() == before


@examples(0.5)
@given(week=any_date, provider=st.sampled_from(["any", "1"]), mode=st.sampled_from(["in_office", "video"]))
def test_the_time_page_answers_any_week(client, demo_site, week, provider, mode):
    query = urlencode({"visit": "follow-up-visit", "mode": mode, "provider": provider, "week": week})
    assert send(client, "get", with_query("/book/time/", query)).status_code in (200, 400)


@examples(1)
@given(data=st.data())
def test_the_details_page_answers_any_query(client, demo_site, data):
    query = data.draw(mutations_of(choices(demo_site, data)).map(lambda params: urlencode(params, doseq=True)) | hostile_query)
    before = row_counts()
    response = send(client, "get", with_query(DETAILS, query))
    assert response.status_code in (200, 400)
    assert row_counts() == before


def expected_start(sent):
    """The time the view books: a "nearest free time" button's new_start wins over start."""
    return last_value(sent.get("new_start", "")) or last_value(sent["start"])


def assert_booked_completely(sent, before):
    """One appointment with the details as checked by the form, its emails queued, nothing that PostgreSQL would refuse."""
    appointment = Appointment.objects.order_by("pk").last()
    messages = list(OutboxMessage.objects.filter(appointment=appointment))
    assert row_counts() == {
        **before, "Appointment": before["Appointment"] + 1, "OutboxMessage": before["OutboxMessage"] + len(messages)
    }
    confirmed = appointment.status == Appointment.Status.CONFIRMED
    patient_kind = notifications.PATIENT_CONFIRMED if confirmed else notifications.PATIENT_RECEIVED
    assert sorted(message.kind for message in messages) == sorted([patient_kind, notifications.STAFF_NEW_BOOKING])
    assert_passed_the_traps(sent)
    form = PatientDetailsForm(QueryDict(urlencode(sent, doseq=True)), browser=browser())
    assert form.is_valid(), form.errors
    for name in ("first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason", "consent_to_contact"):
        assert getattr(appointment, name) == form.cleaned_data[name], name
    assert appointment.starts_at == parse_start(expected_start(sent))
    assert appointment.ends_at == appointment.starts_at + appointment.visit_type.duration
    assert appointment.manage_nonce and appointment.reference
    for row in (appointment, *messages):
        assert_fits_the_database(row)


@examples(3)
@given(data=st.data(), encoding=st.sampled_from(["urlencoded", "multipart"]))
def test_the_details_form_books_completely_or_saves_nothing(client, demo_site, data, encoding):
    valid = {
        **choices(demo_site, data),
        **PATIENT_DETAILS,
        "first_name": data.draw(st.one_of(st.just(PATIENT["first_name"]), unusual_but_valid_names), label="first_name"),
        "is_new_patient": data.draw(st.sampled_from(["no", "yes"]), label="is_new_patient"),
        "form_stamp": data.draw(stamps, label="stamp")(),
    }
    sent = data.draw(mutations_of(valid), label="sent")
    new_start = data.draw(
        st.one_of(st.just(MISSING), st.sampled_from(demo_site.free_starts), near_misses(demo_site.free_starts), hostile_value),
        label="new_start",
    )
    if new_start is not MISSING:
        sent["new_start"] = new_start
    before = row_counts()
    response = send(client, "post", DETAILS, sent, encoding=encoding)
    if response.status_code == 302:
        assert response["Location"] == "/book/confirmed/"
        assert_booked_completely(sent, before)
        booked = Appointment.objects.order_by("pk").last()
        confirmation = send(client, "get", "/book/confirmed/")
        assert confirmation.status_code == 200 and booked.reference in confirmation.content.decode()
        # Free the time again, so that the next examples (which favour the first free times) can book it too.
        Appointment.objects.filter(pk=booked.pk).update(status=Appointment.Status.CANCELLED)
    else:
        assert response.status_code in (200, 400)  # the form again with its errors; 400: more than 1,000 fields
        assert row_counts() == before


@examples(0.5)
@given(
    query=st.one_of(st.just(""), hostile_query),
    cookie=st.one_of(st.none(), odd_text, st.from_regex(r"[a-z0-9]{32,40}", fullmatch=True)),
)
def test_the_confirmation_page_answers_any_query_and_session_cookie(client, demo_site, query, cookie):
    headers = {}
    if cookie is not None:
        # A forged or garbled session cookie, as a WSGI server passes on the header's bytes
        # (servers refuse NUL, CR and LF in headers).
        raw = "".join(char for char in cookie if char not in "\x00\r\n").encode().decode("latin-1")
        headers["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={raw}"
    response = send(client, "get", with_query("/book/confirmed/", query), **headers)
    assert response.status_code in (302, 400) and response.get("Location", "/book/") == "/book/"
