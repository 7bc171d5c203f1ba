"""Series and the waitlist under hostile input: every page answers a page, a redirect or a 4xx,
never a 500; a series is booked whole or not at all; joining the waitlist saves one entry (with
its email) or nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from appointments.models import Appointment, AppointmentSeries, VisitType, WaitlistEntry
from tests.factories import PATIENT, stamp_issued
from tests.hostile.checks import assert_fits_the_database, row_counts, send
from tests.hostile.profiles import examples
from tests.hostile.strategies import hostile_value, mutations_of, odd_text

pytestmark = [pytest.mark.django_db]

DETAILS = "/book/details/"


@pytest.fixture
def series_site(demo_site):
    VisitType.objects.filter(slug="follow-up-visit").update(series_allowed=True)
    return demo_site


@examples(2)
@given(data=st.data())
def test_a_series_is_booked_whole_or_not_at_all_whatever_is_sent(client, series_site, data):
    start = data.draw(st.sampled_from(series_site.free_starts[:20]), label="start")
    valid = {
        "visit": "follow-up-visit", "mode": "in_office", "provider": "any", "start": start, **PATIENT, "website": "",
        "is_new_patient": "no", "coverage": "uninsured", "form_stamp": stamp_issued(10),
        "visits": data.draw(st.sampled_from(["2", "3", "4"]), label="visits"), "every_weeks": "1",
        "series_confirmed": "1",
    }
    for number in range(4):
        valid[f"series_time_{number}"] = data.draw(
            st.one_of(st.sampled_from(series_site.free_starts), st.just(""), hostile_value), label=f"series_time_{number}"
        )
    sent = data.draw(mutations_of(valid), label="sent")
    before = row_counts()
    response = send(client, "post", DETAILS, sent)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302 and AppointmentSeries.objects.count() > before["AppointmentSeries"]:
        series = AppointmentSeries.objects.order_by("pk").last()
        visits = list(series.visits.all())
        assert 2 <= len(visits) <= 8
        assert Appointment.objects.count() == before["Appointment"] + len(visits)
        for visit in visits:
            assert_fits_the_database(visit)
        Appointment.objects.filter(series=series).update(status=Appointment.Status.CANCELLED)  # free the times again
    elif response.status_code != 302:
        assert row_counts() == before


@examples(2)
@given(data=st.data())
def test_joining_the_waitlist_saves_one_entry_or_nothing(client, series_site, data):
    today = timezone.localdate()
    valid = {
        "visit": "follow-up-visit", "provider": "", **PATIENT, "website": "", "is_new_patient": "no", "coverage": "uninsured",
        "form_stamp": stamp_issued(10), "first_day": today.strftime("%m/%d/%Y"),
        "last_day": (today + timedelta(days=14)).strftime("%m/%d/%Y"), "weekdays": ["0", "1", "2"], "times_of_day": ["mornings"],
    }
    sent = data.draw(mutations_of(valid), label="sent")
    before = row_counts()
    response = send(client, "post", "/waitlist/join/", sent)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        if WaitlistEntry.objects.count() > before["WaitlistEntry"]:
            entry = WaitlistEntry.objects.order_by("pk").last()
            assert entry.last_day >= entry.first_day and (entry.mornings or entry.afternoons) and entry.weekdays
            assert_fits_the_database(entry)
    else:
        assert row_counts() == before


@examples(1)
@given(token=odd_text, method=st.sampled_from(["get", "post"]),
       page=st.sampled_from(["/waitlist/offer/{}/", "/waitlist/{}/", "/waitlist/{}/leave/", "/appointments/manage/{}/earlier/",
                             "/appointments/manage/{}/cancel-rest/"]))
def test_made_up_links_are_not_found(client, series_site, token, method, page):
    token = token.replace("/", "").replace("?", "").replace("#", "") or "x"
    response = send(client, method, page.format(token))
    assert response.status_code in (404, 405, 400)
