"""The time and details pages served from the cache (appointments.booking_pages) under the
availability version the database raises (appointments.availability_version): cheap, and never
offering a time that is gone, whichever app server answers."""

import base64
import gzip
import hashlib
import re
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from appointments import booking
from appointments.availability import BookingRules
from appointments.availability_version import WATCHED, current_version, installed_triggers
from appointments.booking_pages import FORM_STAMP_PLACEHOLDER, FORM_TOKEN_PLACEHOLDER, offer_changes_at
from appointments.forms.booking import start_value
from appointments.models import Appointment, TimeOff, WorkingHours
from appointments.views.flow import clock_label
from clinic.hours import PRACTICE_TIME_ZONE
from tests.factories import at, details_form, make_announcement, make_appointment, make_holiday, set_booking_settings, weekday_after
from tests.pages import BOOK_TIME, DETAILS, form_stamp_in, time_buttons

pytestmark = pytest.mark.django_db


def inline_style_hash(html: str) -> str:
    """The sha256 (base64) of the page's one inline <style> block, as CSP spells it."""
    block = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    return base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()

# Two app servers that share the database and nothing else: each has its own cache in memory.
SERVER_CACHES = {
    name: {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"app-server-{name}"}}
    for name in ("a", "b")
}


@contextmanager
def on_server(name):
    """Requests made inside are answered by app server `name` (its own cache, the shared database)."""
    with override_settings(CACHES=SERVER_CACHES[name]):
        yield


@pytest.fixture
def two_app_servers():
    for name in SERVER_CACHES:
        with on_server(name):
            cache.clear()
    yield on_server
    for name in SERVER_CACHES:
        with on_server(name):
            cache.clear()


def times_query(clinic, day, provider=None):
    return {"visit": "dry-needling-session", "mode": "in_office", "provider": provider or clinic.dana.pk,
            "week": day.isoformat(), "day": day.isoformat()}


def times_shown(client, clinic, day, provider=None) -> list[str]:
    response = client.get(BOOK_TIME, times_query(clinic, day, provider))
    assert response.status_code == 200
    return time_buttons(response.content.decode())


@pytest.fixture
def stopped_clock(monkeypatch):
    """The clock stopped one second past the last quarter hour. A stored page is kept until the clock
    passes the next step of the wall-clock grid (offer_changes_at) and only if that is a second or
    more away: with a running clock, two requests that straddle a step render twice."""
    now = timezone.now()
    stopped = now.replace(minute=now.minute - now.minute % 15, second=1, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: stopped)
    return stopped


# --- Cheap -----------------------------------------------------------------------------------

@pytest.mark.usefixtures("stopped_clock")
def test_the_time_page_is_served_again_with_one_query_and_the_same_bytes(client, clinic, django_assert_max_num_queries):
    day = weekday_after(3)
    first = client.get(BOOK_TIME, times_query(clinic, day))
    with django_assert_max_num_queries(1):  # the availability version
        again = client.get(BOOK_TIME, times_query(clinic, day))
    assert again.status_code == 200
    assert again.content == first.content
    assert "no-store" in again["Cache-Control"]


@pytest.mark.usefixtures("stopped_clock")
@pytest.mark.parametrize("page", ["time", "details"])
def test_a_booking_page_served_again_allows_its_inline_stylesheet_in_its_csp(client, clinic, page):
    day = weekday_after(3)
    query = times_query(clinic, day) if page == "time" else {**times_query(clinic, day), "start": start_value(at(day, 10))}
    address = BOOK_TIME if page == "time" else DETAILS
    first = client.get(address, query)
    again = client.get(address, query)
    style_hash = inline_style_hash(first.content.decode())
    for response in (first, again):
        style_source = next(part for part in response["Content-Security-Policy"].split(";") if "style-src" in part)
        assert f"'sha256-{style_hash}'" in style_source


@pytest.mark.usefixtures("stopped_clock")
def test_the_time_page_served_again_goes_out_compressed_once_and_the_details_page_around_its_own_values(client, clinic):
    day = weekday_after(3)
    first = client.get(BOOK_TIME, times_query(clinic, day))
    zipped = [client.get(BOOK_TIME, times_query(clinic, day), HTTP_ACCEPT_ENCODING="gzip, br") for _ in range(2)]
    assert all(response["Content-Encoding"] == "gzip" for response in zipped)
    assert zipped[0].content == zipped[1].content  # stored compressed: the same bytes for everyone
    assert gzip.decompress(zipped[0].content) == first.content
    query = {**times_query(clinic, day), "start": start_value(at(day, 10))}
    client.get(DETAILS, query)
    details = [client.get(DETAILS, query, HTTP_ACCEPT_ENCODING="gzip") for _ in range(2)]
    assert all(response["Content-Encoding"] == "gzip" for response in details)
    assert gzip.decompress(details[0].content) != gzip.decompress(details[1].content)  # its own form stamp each time


def test_the_time_page_rendered_with_nothing_cached_runs_at_most_fourteen_queries(client, clinic, django_assert_max_num_queries):
    day = weekday_after(3)
    make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(day, 10))
    make_holiday(first_day=day + timedelta(days=1))
    for provider in ("any", clinic.marcus.pk):
        cache.clear()
        # The version; the booking settings and the practice's hours that go with it (3); the visit,
        # providers, licences (3); working hours, time off, appointments (3); the practice content
        # of every page (4, cached for the next page).
        with django_assert_max_num_queries(14):
            response = client.get(BOOK_TIME, times_query(clinic, day, provider))
        assert response.status_code == 200


def test_the_details_page_is_served_again_with_one_query_and_a_token_and_stamp_of_its_own(client, clinic, django_assert_max_num_queries):
    day = weekday_after(3)
    query = {**times_query(clinic, day), "start": start_value(at(day, 10))}
    first = client.get(DETAILS, query)
    with django_assert_max_num_queries(1):
        again = client.get(DETAILS, query)
    assert again.status_code == 200
    for response in (first, again):
        html = response.content.decode()
        assert FORM_TOKEN_PLACEHOLDER not in html and FORM_STAMP_PLACEHOLDER not in html
        assert 'name="csrfmiddlewaretoken" value="' in html
        assert "no-store" in response["Cache-Control"]
    assert form_stamp_in(first.content.decode()) != form_stamp_in(again.content.decode())


def test_the_details_page_rendered_with_nothing_cached_runs_at_most_fifteen_queries(client, clinic, django_assert_max_num_queries):
    day = weekday_after(3)
    # As the time page, and the insurance plans the form lists.
    with django_assert_max_num_queries(15):
        response = client.get(DETAILS, {**times_query(clinic, day, "any"), "start": start_value(at(day, 10))})
    assert response.status_code == 200


def test_a_details_page_served_from_the_cache_still_books(client, clinic):
    day = weekday_after(3)
    query = {**times_query(clinic, day), "start": start_value(at(day, 11))}
    client.get(DETAILS, query)
    client.get(DETAILS, query)  # from the cache: the token and stamp filled in for this browser
    response = client.post(DETAILS, details_form(clinic.needling, at(day, 11), provider=clinic.dana.pk))
    assert response.status_code == 302
    assert Appointment.objects.filter(provider=clinic.dana, starts_at=at(day, 11)).count() == 1


@pytest.mark.parametrize("address", [BOOK_TIME, DETAILS])
def test_a_page_kept_in_this_process_gives_way_to_an_announcement_saved_since(client, clinic, address):
    day = weekday_after(3)
    query = {**times_query(clinic, day), "start": start_value(at(day, 10))}
    client.get(address, query)
    cache.clear()  # the shared cache's copy gone too: the next view could only come from this process's copy
    assert client.get(address, query).status_code == 200
    make_announcement(title="Closed for the snowstorm", message="We open at noon on Friday.")
    assert "We open at noon on Friday." in client.get(address, query).content.decode()


def test_a_time_label_is_what_the_template_filter_showed():
    from django.template.defaultfilters import time as time_filter

    for hour, minute in ((0, 0), (9, 5), (11, 45), (12, 0), (13, 30), (23, 15)):
        moment = datetime(2027, 3, 15, hour, minute, tzinfo=PRACTICE_TIME_ZONE)
        assert clock_label(moment) == time_filter(moment, "g:i A")


# --- Never a time that is gone, on any app server -----------------------------------------------

def test_a_time_booked_through_one_app_server_is_gone_from_the_next_view_on_another(
    client, clinic, two_app_servers, django_assert_max_num_queries,
):
    day = weekday_after(3)
    ten = start_value(at(day, 10))
    with two_app_servers("b"):
        assert ten in times_shown(client, clinic, day)
        with django_assert_max_num_queries(1):  # server b now serves the page from its own cache
            assert ten in times_shown(client, clinic, day)
    with two_app_servers("a"):
        response = client.post(DETAILS, details_form(clinic.needling, at(day, 10), provider=clinic.dana.pk))
        assert response.status_code == 302
        assert ten not in times_shown(client, clinic, day)
    with two_app_servers("b"):
        assert ten not in times_shown(client, clinic, day)
        response = client.get(DETAILS, {**times_query(clinic, day), "start": ten})
        assert response.status_code == 400
        assert "no longer free" in response.content.decode()


def cancel(clinic, day):
    booking.cancel(Appointment.objects.get(starts_at=at(day, 10)), by_patient=True)


def move(clinic, day):
    booking.move(Appointment.objects.get(starts_at=at(day, 10)), starts_at=at(day, 14), by_patient=False)


def close_the_office(clinic, day):
    make_holiday(first_day=day, label="Staff training day")


def take_time_off(clinic, day):
    TimeOff.objects.create(provider=clinic.dana, starts_at=at(day, 13), ends_at=at(day, 17))


def change_working_hours(clinic, day):
    WorkingHours.objects.filter(provider=clinic.dana, weekday=day.weekday()).update(starts=time(9), ends=time(12))


def change_the_slot_step(clinic, day):
    set_booking_settings(slot_step_minutes=30)


@pytest.mark.parametrize(("change", "gone", "back"), [
    (cancel, [], [(10, 0)]),
    (move, [(14, 0)], [(10, 0)]),
    (close_the_office, [(9, 0), (10, 30), (14, 0)], []),
    (take_time_off, [(13, 0), (14, 0), (16, 0)], []),
    (change_working_hours, [(13, 0), (14, 0)], []),
    (change_the_slot_step, [(9, 15), (10, 45)], []),
], ids=["cancelled", "moved", "closure", "time-off", "working-hours", "booking-settings"])
def test_a_change_made_on_one_app_server_shows_on_the_next_view_on_another(client, clinic, two_app_servers, change, gone, back):
    day = weekday_after(3)
    make_appointment(visit_type=clinic.needling, provider=clinic.dana, starts_at=at(day, 10))
    with two_app_servers("b"):
        before = times_shown(client, clinic, day)
        assert all(start_value(at(day, *moment)) in before for moment in gone)
        assert all(start_value(at(day, *moment)) not in before for moment in back)
    with two_app_servers("a"):
        times_shown(client, clinic, day)
        change(clinic, day)
    with two_app_servers("b"):
        after = times_shown(client, clinic, day)
        assert all(start_value(at(day, *moment)) not in after for moment in gone)
        assert all(start_value(at(day, *moment)) in after for moment in back)


def test_every_table_behind_the_free_times_has_its_trigger():
    assert installed_triggers() == set(WATCHED)


def test_a_change_saved_directly_raises_the_version_and_a_change_of_nothing_shown_does_not(clinic):
    appointment = make_appointment(visit_type=clinic.needling, provider=clinic.dana)
    version = current_version()
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=timezone.now())
    Appointment.objects.filter(pk=appointment.pk).update(last_name="Renamed")
    assert current_version() == version
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    assert current_version() > version


# --- The clock ---------------------------------------------------------------------------------

def test_the_offer_changes_when_the_clock_passes_a_step_less_the_notice_or_the_cutoff():
    rules = BookingRules(duration=timedelta(minutes=30), step=timedelta(minutes=15), minimum_notice=timedelta(hours=2))
    now = datetime(2027, 3, 15, 14, 3, 20, tzinfo=UTC)  # 10:03:20 in New York
    # The first time offered is 12:15 (New York); it stops being offered after 10:15.
    assert offer_changes_at(now, rules, timedelta(hours=24)) == datetime(2027, 3, 15, 14, 15, tzinfo=UTC)
    # A 25-hour cut-off: 11:15 tomorrow becomes "soon" at 10:15 today as well; 10 hours: 20:15 at 10:15.
    assert offer_changes_at(now, rules, timedelta(hours=10)) == datetime(2027, 3, 15, 14, 15, tzinfo=UTC)
    notice = BookingRules(duration=timedelta(minutes=30), step=timedelta(minutes=15), minimum_notice=timedelta(minutes=50))
    # now + 50 min = 10:53:20; the first time offered is 11:00, until 10:10.
    assert offer_changes_at(now, notice, timedelta(hours=24)) == datetime(2027, 3, 15, 14, 10, tzinfo=UTC)
