"""The front desk's start page, the admin index for that role: today's visits by provider,
bookings to confirm, telehealth requests to call and emails that failed. Superusers see it too;
content editors see no patient on their index."""

from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Appointment, OutboxMessage, TelehealthRequest
from clinic.roles import CONTENT_EDITORS
from tests.factories import at, make_appointment, make_staff, make_telehealth_request

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


@pytest.fixture
def day(visit_type, provider, second_provider):
    """Today's visits of two providers, a request to confirm next week, two telehealth requests and a failed email."""
    today = timezone.localdate()
    rows = {
        "dana_late": make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today, 15), first_name="Ana",
                                      last_name="Zeller"),
        "dana_early": make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today, 9), status=Appointment.Status.COMPLETED),
        "marcus": make_appointment(visit_type=visit_type, provider=second_provider, starts_at=at(today, 11),
                                   status=Appointment.Status.REQUESTED, modality=Appointment.Modality.VIDEO),
        "cancelled": make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today, 12), status=Appointment.Status.CANCELLED),
        "tomorrow": make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today + timedelta(days=1), 10)),
        "to_confirm": make_appointment(visit_type=visit_type, provider=second_provider, starts_at=at(today + timedelta(days=7), 10),
                                       status=Appointment.Status.REQUESTED, first_name="Bo", last_name="Yates"),
        "stale_request": make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today - timedelta(days=3), 10),
                                          status=Appointment.Status.REQUESTED),
        "newer_call": make_telehealth_request(waited=timedelta(hours=2), first_name="Cy", last_name="Newer", phone="+13015550111"),
        "older_call": make_telehealth_request(waited=timedelta(days=2), first_name="Di", last_name="Older", phone="+13015550122"),
        "closed_call": make_telehealth_request(first_name="Ed", last_name="Closed", status=TelehealthRequest.Status.CLOSED,
                                               close_reason=TelehealthRequest.CloseReason.DUPLICATE),
    }
    OutboxMessage.objects.create(kind="patient_confirmed", to="a@example.com", subject="s", body="b",
                                 status=OutboxMessage.Status.ABANDONED)
    return rows


def test_the_front_desk_sees_todays_visits_by_provider_in_time_order(desk_client, day, provider, second_provider):
    response = desk_client.get(INDEX)

    page = response.context["page"] if "page" in response.context else None
    assert page is not None
    assert [(who, [visit.reference for visit in visits]) for who, visits in page.today] == [
        (provider, [day["dana_early"].reference, day["dana_late"].reference]),
        (second_provider, [day["marcus"].reference]),
    ]
    html = unescape(response.content.decode())
    assert "Zeller, Ana" in html and "15:00–15:30" in html and "Completed" in html and "Requested (to confirm)" in html
    assert "by video" in html
    for visit in ("dana_late", "dana_early", "marcus"):
        assert f'href="/admin/appointments/appointment/{day[visit].pk}/change/"' in html
    assert day["cancelled"].reference not in [v.reference for _, visits in page.today for v in visits]


def test_bookings_to_confirm_are_counted_listed_and_linked_to_the_filtered_list(desk_client, day):
    response = desk_client.get(INDEX)

    page = response.context["page"]
    assert page.to_confirm_count == 2  # today's and next week's; the one whose day has passed is left to the list
    assert [visit.reference for visit in page.to_confirm] == [day["marcus"].reference, day["to_confirm"].reference]
    html = unescape(response.content.decode())
    assert "Bookings to confirm: 2" in html and "Yates, Bo" in html
    assert 'href="/admin/appointments/appointment/?status__exact=requested"' in html


def test_telehealth_requests_to_call_show_name_phone_and_waiting_oldest_first(desk_client, day):
    response = desk_client.get(INDEX)

    page = response.context["page"]
    assert [request.reference for request in page.to_call] == [day["older_call"].reference, day["newer_call"].reference]
    html = unescape(response.content.decode())
    assert "Telehealth requests to call: 2" in html
    assert "Older, Di" in html and "(301) 555-0122" in html and "2\xa0days" in html
    assert "Closed, Ed" not in html
    assert f'href="{day["older_call"].get_admin_url()}"' in html


def test_failed_emails_are_in_the_start_pages_own_section_once(desk_client, day):
    html = desk_client.get(INDEX).content.decode()

    assert html.count("1 email could not be delivered") == 1
    assert html.index("Emails that failed") < html.index("1 email could not be delivered")


def test_with_nothing_waiting_the_start_page_says_so(desk_client):
    html = desk_client.get(INDEX).content.decode()

    assert "No visits today." in html
    assert "Bookings to confirm: 0" in html and "Telehealth requests to call: 0" in html
    assert "None: every email went out" in html


def test_superusers_see_the_start_page_too(client, day):
    client.force_login(make_staff("boss", superuser=True))

    html = unescape(client.get(INDEX).content.decode())

    assert "Zeller, Ana" in html and "Older, Di" in html and "Bookings to confirm: 2" in html


def test_content_editors_see_no_patient_on_their_index(client, day):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))

    response = client.get(INDEX)

    assert response.status_code == 200
    html = unescape(response.content.decode())
    for shown in ("Zeller", "Ana", "Yates", "Older", "Newer", "555-01", "Bookings to confirm", "Telehealth requests to call",
                  "Emails that failed", "could not be delivered"):
        assert shown not in html, shown
    for visit in ("dana_late", "marcus", "to_confirm"):
        assert day[visit].reference not in html


def test_the_start_page_takes_the_same_number_of_queries_however_busy_the_day(desk_client, visit_type, provider, day):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk_client.get(INDEX).status_code == 200
        return len(captured)

    queries()
    quiet = queries()
    today = timezone.localdate()
    for minute in range(0, 60, 30):
        for hour in (13, 14):
            make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today + timedelta(days=2), hour, minute),
                             status=Appointment.Status.REQUESTED)
    for _ in range(5):
        make_telehealth_request()

    assert queries() == quiet
