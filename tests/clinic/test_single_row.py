"""The single-row models (practice details, booking settings, the telehealth page's text) load,
cache and create themselves one way (clinic.models.SingleRowModel)."""

import pytest

from appointments.models import BookingSettings, TelehealthPage
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
