"""The single-row models (practice details, booking settings, the telehealth page's text) load,
cache and create themselves one way (clinic.models.SingleRowModel); the practice's time zone
and its days come from one place (clinic.hours)."""

from datetime import UTC, date, timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from appointments.models import BookingSettings, TelehealthPage
from clinic.hours import PRACTICE_TIME_ZONE, day_window
from clinic.models import Practice
from tests.factories import build_clinic, make_practice, set_booking_settings, weekday_after

pytestmark = pytest.mark.django_db


def test_before_anyone_saves_them_loading_gives_the_defaults_and_writes_nothing():
    assert Practice.load() is None
    assert TelehealthPage.load() is None
    defaults = BookingSettings.load()
    assert defaults.pk is None and defaults.minimum_notice_minutes == 120
    assert not BookingSettings.objects.exists()


def test_booking_pages_read_the_settings_without_creating_them(client):
    clinic = build_clinic()
    response = client.get("/book/time/", {"visit": clinic.needling.slug, "mode": "in_office", "week": weekday_after(3).isoformat()})
    assert response.status_code == 200
    assert not BookingSettings.objects.exists()


def test_a_loaded_row_is_served_from_the_cache_and_a_save_replaces_it(django_assert_num_queries):
    set_booking_settings(horizon_days=30)
    assert BookingSettings.load().horizon_days == 30
    with django_assert_num_queries(0):
        assert BookingSettings.load().horizon_days == 30

    set_booking_settings(horizon_days=45)
    assert BookingSettings.load().horizon_days == 45
    assert BookingSettings.load(fresh=True).horizon_days == 45


def test_a_missing_row_is_cached_as_missing_until_it_is_saved(django_assert_num_queries):
    assert Practice.load() is None
    with django_assert_num_queries(0):
        assert Practice.load() is None
    make_practice(name="Spine Practice")
    assert Practice.load().name == "Spine Practice"


@pytest.mark.parametrize(
    "list_url, add_url, make_row",
    [
        ("/admin/appointments/bookingsettings/", "/admin/appointments/bookingsettings/add/", set_booking_settings),
        ("/admin/appointments/telehealthpage/", "/admin/appointments/telehealthpage/add/",
         lambda: TelehealthPage.objects.create(intro="<p>Video.</p>")),
        ("/admin/clinic/practice/", "/admin/clinic/practice/add/", make_practice),
    ],
    ids=["booking settings", "telehealth page", "practice"],
)
def test_the_admin_list_of_a_single_row_opens_the_form_to_create_it_then_the_row(admin_client, list_url, add_url, make_row):
    assert admin_client.get(list_url)["Location"] == add_url
    make_row()
    assert admin_client.get(list_url)["Location"] == f"{list_url}1/change/"
    assert admin_client.get(add_url).status_code == 403  # one row only
    assert admin_client.get(f"{list_url}1/delete/").status_code == 403


def test_the_settings_time_zone_is_the_practices():
    assert django_settings.TIME_ZONE == PRACTICE_TIME_ZONE.key
    assert timezone.localdate(timezone.now()) == timezone.now().astimezone(PRACTICE_TIME_ZONE).date()


@pytest.mark.parametrize(
    "day, hours", [(date(2027, 3, 14), 23), (date(2026, 11, 1), 25), (date(2027, 3, 15), 24)], ids=["spring", "autumn", "plain"]
)
def test_a_local_day_is_a_window_from_midnight_to_midnight_across_dst(day, hours):
    starts, ends = day_window(day)
    assert (starts.hour, ends.hour, ends.date()) == (0, 0, day + timedelta(days=1))
    # Subtracting in UTC: Python subtracts two times of one zone on the wall clock.
    assert ends.astimezone(UTC) - starts.astimezone(UTC) == timedelta(hours=hours)


def test_a_window_of_several_days_ends_at_midnight_after_the_last():
    starts, ends = day_window(date(2027, 3, 13), date(2027, 3, 15))
    assert (starts.date(), ends.date()) == (date(2027, 3, 13), date(2027, 3, 16))
    assert ends.astimezone(UTC) - starts.astimezone(UTC) == timedelta(hours=71)
