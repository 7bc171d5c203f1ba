"""The telehealth pages under hostile input: the request form either saves a complete
request (with both emails queued, values that fit the columns) or nothing, and never
answers a server error."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from appointments.loader import video_states
from appointments.models import OutboxMessage, TelehealthRequest
from appointments.forms.telehealth import TIME_OF_DAY_CHOICES, WEEKDAY_CHOICES, TelehealthRequestForm
from tests.factories import PATIENT, stamp_issued, browser
from tests.hostile.checks import assert_fits_the_database, assert_passed_the_traps, row_counts, send
from tests.hostile.profiles import examples
from tests.hostile.strategies import hostile_query, last_value, mutations_of, with_query

pytestmark = pytest.mark.django_db

FORM = "/telehealth/request/"
WEEKDAYS = [day for day, _ in WEEKDAY_CHOICES]
TIMES_OF_DAY = [time for time, _ in TIME_OF_DAY_CHOICES]
STATES = ["MD", "VA", "DC", "NY", "md", "XX", ""]


def assert_requested_completely(sent, before):
    """One request with the values as the form checked them, and its two emails queued."""
    request = TelehealthRequest.objects.order_by("pk").last()
    messages = list(OutboxMessage.objects.order_by("pk"))[before["OutboxMessage"]:]
    assert sorted(message.kind for message in messages) == ["patient_telehealth_request", "staff_telehealth_request"]
    assert row_counts() == {
        **before, "TelehealthRequest": before["TelehealthRequest"] + 1, "OutboxMessage": before["OutboxMessage"] + 2
    }
    assert_passed_the_traps(sent)
    allowed_states = video_states()
    form = TelehealthRequestForm(QueryDict(urlencode(sent, doseq=True)), allowed_states=allowed_states, browser=browser())
    assert form.is_valid(), form.errors
    expected = TelehealthRequest(**form.request_details(), form_key=form.form_key)
    for field in TelehealthRequest._meta.concrete_fields:
        if field.name not in ("id", "reference", "created_at", "updated_at", "patient"):
            assert getattr(request, field.attname) == getattr(expected, field.attname), field.name
    # Linked to the patient's record (appointments.patients), made or matched in the same transaction.
    assert request.patient is not None and request.patient.date_of_birth == request.date_of_birth
    for row in (request, *messages):
        assert_fits_the_database(row)


@examples(3)
@given(data=st.data(), encoding=st.sampled_from(["urlencoded", "multipart"]))
def test_the_request_form_saves_completely_or_nothing(client, demo_site, data, encoding):
    valid = {
        **PATIENT,
        "state": data.draw(st.sampled_from(STATES), label="state"),
        "preferred_days": data.draw(st.lists(st.sampled_from(WEEKDAYS), max_size=12), label="days"),
        "preferred_times": data.draw(st.lists(st.sampled_from(TIMES_OF_DAY), max_size=6), label="times"),
        "website": "",
        "form_stamp": stamp_issued(10),
    }
    sent = data.draw(mutations_of(valid), label="sent")
    before = row_counts()
    response = send(client, "post", FORM, sent, encoding=encoding)
    if response.status_code == 302 and row_counts() == before:
        # This browser sent a request for this email in an earlier example, still waiting: its
        # thank-you page again, and no second request (appointments.views.telehealth.sent_here_already).
        assert response["Location"] == "/telehealth/request/sent/"
        email = str(last_value(sent.get("email", ""))).strip().casefold()
        assert any(request.email.casefold() == email for request in TelehealthRequest.objects.filter(status="new"))
    elif response.status_code == 302:
        assert response["Location"] == "/telehealth/request/sent/"
        assert_requested_completely(sent, before)
        reference = TelehealthRequest.objects.order_by("pk").last().reference
        page = send(client, "get", "/telehealth/request/sent/")
        assert page.status_code == 200 and reference in page.content.decode()
    else:
        assert response.status_code in (200, 400)  # the form again with its errors; 400: more than 1,000 fields
        assert row_counts() == before


@examples(1)
@given(query=hostile_query, path=st.sampled_from(["/telehealth/", FORM, "/telehealth/request/sent/"]))
def test_the_telehealth_pages_answer_any_query(client, demo_site, query, path):
    before = row_counts()
    response = send(client, "get", with_query(path, query))
    assert response.status_code in ({"/telehealth/request/sent/": (302, 400)}.get(path, (200, 400)))
    assert row_counts() == before
