"""Odd input on staff pages gets a message next to the field, never a server error, and saves nothing."""

import pytest
from django.db import connection

from appointments.models import Appointment, BookingSettings, TimeOff
from clinic.models import Announcement, HolidayHours
from tests.factories import make_practice, make_provider, make_visit_type, make_working_hours, set_booking_settings
from tests.pages import form_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    make_practice()
    provider = make_provider(name="Dana Whitfield")
    make_working_hours(provider)
    return provider


@pytest.mark.parametrize("year", ["9999", "0001"])
def test_a_far_off_date_is_refused_on_every_staff_form(admin_client, provider, year):
    visit_type = make_visit_type(providers=[provider])
    booking = admin_client.post("/admin/appointments/appointment/add/", {
        "provider": provider.pk, "visit_type": visit_type.pk, "modality": "in_office",
        "starts_at_0": f"{year}-12-31", "starts_at_1": "10:00",
        "first_name": "Ann", "last_name": "Other", "date_of_birth": "1970-01-02", "phone": "(301) 555-0100",
        "email": "ann@example.com", "is_new_patient": "on",
    })
    assert form_errors(booking)["starts_at"] == ["Please check the year."]
    time_off = admin_client.post("/admin/appointments/timeoff/add/", {
        "provider": provider.pk, "starts_at_0": f"{year}-12-31", "starts_at_1": "10:00",
        "ends_at_0": f"{year}-12-31", "ends_at_1": "23:00",
    })
    assert form_errors(time_off)["starts_at"] == ["Please check the year."]
    holiday = admin_client.post("/admin/clinic/holidayhours/add/", {
        "label": "Far away", "first_day": f"{year}-12-31", "last_day": f"{year}-12-31", "is_closed": "on",
    })
    assert form_errors(holiday)["first_day"] == ["Please check the year."]
    notice = admin_client.post("/admin/clinic/announcement/add/", {
        "title": "Far", "slug": "far", "kind": "general", "priority": "10", "message": "Far", "is_published": "on",
        "starts_at_0": f"{year}-01-01", "starts_at_1": "10:00",
    })
    assert form_errors(notice)["starts_at"] == ["Please check the year."]
    schedule = admin_client.get("/admin/appointments/appointment/day/", {"date": f"{year}-12-31"})
    assert schedule.status_code == 200 and schedule.context["form"].errors["date"] == ["Please check the year."]
    assert not Appointment.objects.exists() and not TimeOff.objects.exists()
    assert not HolidayHours.objects.exists() and not Announcement.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/appointments/appointment/add/?starts_at=x",
        "/admin/appointments/appointment/add/?telehealth_request=%C2%B2",  # a superscript two: a digit, but not a number
        "/admin/appointments/timeoff/add/?starts_at=x&ends_at=y",
        "/admin/clinic/announcement/add/?starts_at=x",
    ],
)
def test_an_add_page_opened_with_odd_values_in_its_address_still_opens(admin_client, url):
    assert admin_client.get(url, follow=True).status_code == 200


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("horizon_days", "3000000", "At most 730 (two years)."),
        ("horizon_days", "0", "Ensure this value is greater than or equal to 1."),
        ("slot_step_minutes", "3", "The time step must be at least 5 minutes."),
        ("minimum_notice_minutes", "2147483647", "At most 43200 (30 days)."),
        ("cancellation_cutoff_hours", "100000", "At most 720 (30 days)."),
        ("change_grace_minutes", "100000", "At most 1440 (24 hours)."),
        ("change_grace_minutes", "-5", "Ensure this value is greater than or equal to 0."),
        ("reminder_time", "25:99", "Enter a valid time."),
        ("no_show_limit", "51", "At most 50 (fifty)."),
        ("no_show_months", "0", "Ensure this value is greater than or equal to 1."),
        ("intake_answers_kept_days", "0", "At least 1 day: the clinician needs the answers at the visit."),
        ("intake_answers_kept_days", "4000", "At most 3650 (ten years)."),
        ("waitlist_claim_minutes", "5", "At least 10 minutes: patients need time to read the email."),
        ("waitlist_claim_minutes", "3000", "At most 2880 (48 hours)."),
    ],
)
def test_booking_settings_out_of_range_are_refused_next_to_the_field(admin_client, field, value, message):
    saved = set_booking_settings()
    data = {
        "minimum_notice_minutes": "120", "horizon_days": "60", "slot_step_minutes": "15", "cancellation_cutoff_hours": "24",
        "requires_confirmation": "on", "video_room_template": "", "change_grace_minutes": "30",
        "reminder_time": "10:00", "no_show_limit": "0", "no_show_months": "12", "intake_answers_kept_days": "30",
        "waitlist_claim_minutes": "120", field: value,
    }
    response = admin_client.post("/admin/appointments/bookingsettings/1/change/", data)
    assert form_errors(response) == {field: [message]}  # next to the field, no database constraint's name at the top
    assert getattr(BookingSettings.load(fresh=True), field) == getattr(saved, field)


def test_a_visit_type_shorter_than_5_minutes_is_refused_next_to_its_length(admin_client, provider):
    response = admin_client.post("/admin/appointments/visittype/add/", {
        "name": "Quick", "slug": "quick", "description": "", "duration_minutes": "3", "order": "0",
        "providers": [provider.pk], "in_office": "on", "is_active": "on",
    })
    assert form_errors(response) == {"duration_minutes": ["A visit takes at least 5 minutes."]}


@pytest.mark.parametrize(
    "list_url",
    [
        "/admin/appointments/appointment/?starts_at__year={year}",
        "/admin/appointments/timeoff/?starts_at__year={year}&starts_at__month=12",
        "/admin/appointments/outboxmessage/?created_at__year={year}&created_at__month=12&created_at__day=31",
        "/admin/clinic/holidayhours/?first_day__year={year}",
        "/admin/clinic/announcement/?starts_at__year={year}",
    ],
)
@pytest.mark.parametrize("year", ["9999", "1", "²"])
def test_a_list_asked_for_an_impossible_year_goes_back_to_the_whole_list_with_a_message(admin_client, list_url, year):
    response = admin_client.get(list_url.format(year=year), follow=True)
    assert response.status_code == 200
    assert "Please check the year." in [str(message) for message in response.context["messages"]]
    assert not any("__year" in key for key in response.request["QUERY_STRING"].split("&"))


@pytest.mark.parametrize(
    "list_url",
    [
        "/admin/appointments/appointment/?starts_at=9999-12-31T23:59",
        "/admin/appointments/outboxmessage/?created_at=9999-12-31T23:59",
        "/admin/appointments/timeoff/?ends_at=9999-12-31T23:59",
    ],
)
def test_a_list_filtered_by_a_moment_that_cannot_be_counted_goes_back_to_the_whole_list_with_a_message(admin_client, list_url):
    response = admin_client.get(list_url, follow=True)
    assert response.status_code == 200
    if connection.vendor == "sqlite":  # PostgreSQL counts up to the year 294276, and simply finds nothing
        assert "Please check the dates in the address." in [str(message) for message in response.context["messages"]]
    # Bounds at the ends of the calendar are counted, and simply match nothing or everything.
    assert admin_client.get(list_url.replace("=", "__gte=", 1).replace("T23:59", "")).status_code == 200
