"""Pages that list patients (the admin lists, search results, the day schedule) record who saw
which page when and which patients were on it; the search typed is never stored; superusers
read the audit trail of one patient: the records opened and the lists that showed them."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments import estimates
from appointments.admin.appointment import AppointmentAdmin
from appointments.admin.audit_trail import patient_audit_trail_url
from appointments.models import Appointment, Patient, PatientListView, PatientListViewRow
from clinic.roles import FRONT_DESK
from tests.factories import at, make_appointment, make_help_request, make_provider, make_staff, make_telehealth_request, make_visit_type

pytestmark = pytest.mark.django_db

A = "/admin/appointments"


@pytest.fixture
def desk(client):
    user = make_staff("desk", group=FRONT_DESK)
    client.force_login(user)
    return user


@pytest.fixture
def boss():
    return make_staff("boss", superuser=True)


@pytest.fixture
def visit_type(provider):
    return make_visit_type(providers=[provider])


def make_patient(first_name="Rosalind", last_name="Quigley", **overrides):
    fields = {"first_name": first_name, "last_name": last_name, "date_of_birth": date(1958, 7, 14),
              "phone": "+13015550188", "email": f"{first_name.lower()}@example.com", **overrides}
    return Patient.objects.create(**fields)


def book(patient, visit_type, day=None, hour=10, **overrides):
    """A visit of `patient` (None: no record linked yet) with their details, as the booking keeps them."""
    details = {"first_name": patient.first_name, "last_name": patient.last_name} if patient else {}
    day = day or timezone.localdate() + timedelta(days=3)
    overrides.setdefault("starts_at", at(day, hour))
    return make_appointment(visit_type=visit_type, patient=patient, **details, **overrides)


def the_view():
    [view] = PatientListView.objects.all()
    return view


def rows_of(view, *fields):
    """The rows a list view recorded, as tuples of the ids named (no row recorded twice)."""
    rows = [tuple(getattr(row, f"{name}_id") for name in fields) for row in view.rows.all()]
    assert len(rows) == len(set(rows))
    return set(rows)


def stored_text():
    """Every text the list audit tables hold (not ids or times, whose digits would match by chance:
    a time stored at 03:37:25.301 once made the phone search test fail)."""
    values = [value for row in PatientListView.objects.values_list() for value in row if isinstance(value, str)]
    values += [value for row in PatientListViewRow.objects.values_list() for value in row if isinstance(value, str)]
    return " ".join(values)


# --- What each list page records ---------------------------------------------------------------


def test_the_appointment_list_records_who_which_page_and_the_patients_on_it(client, desk, visit_type):
    rosalind, marcus = make_patient(), make_patient("Marcus", "Ellery")
    first, second = book(rosalind, visit_type, hour=9), book(marcus, visit_type, hour=11)
    unlinked = book(None, visit_type, hour=14)

    response = client.get(f"{A}/appointment/")

    assert response.status_code == 200
    view = the_view()
    assert (view.user, view.username, view.page, view.path) == (desk, "desk", "Appointment list", f"{A}/appointment/")
    assert view.remote_addr == "127.0.0.1" and abs(view.viewed_at - timezone.now()) < timedelta(minutes=1)
    # A visit with no patient record linked yet keeps its appointment id, so nothing is lost.
    assert rows_of(view, "patient", "appointment") == {(rosalind.pk, first.pk), (marcus.pk, second.pk), (None, unlinked.pk)}


def test_only_the_rows_on_the_page_shown_are_recorded(client, desk, visit_type, monkeypatch):
    monkeypatch.setattr(AppointmentAdmin, "list_per_page", 2)
    visits = [book(make_patient(f"Name{hour}"), visit_type, hour=hour) for hour in (9, 10, 11)]

    client.get(f"{A}/appointment/")
    client.get(f"{A}/appointment/", {"p": 2})

    first_page, second_page = PatientListView.objects.order_by("pk")
    assert rows_of(first_page, "appointment") == {(visits[0].pk,), (visits[1].pk,)}
    assert (second_page.page, second_page.path) == ("Appointment list, page 2", f"{A}/appointment/")
    assert rows_of(second_page, "patient", "appointment") == {(visits[2].patient_id, visits[2].pk)}


def test_a_search_records_its_results_but_never_what_was_typed(client, desk, visit_type):
    rosalind = make_patient()
    found = book(rosalind, visit_type)
    book(make_patient("Marcus", "Ellery"), visit_type, hour=11)

    response = client.get(f"{A}/appointment/", {"q": "Quigley"})

    assert response.status_code == 200 and "Quigley" in response.content.decode()
    view = the_view()
    assert (view.page, view.path) == ("Appointment list, search results", f"{A}/appointment/")
    assert rows_of(view, "patient", "appointment") == {(rosalind.pk, found.pk)}
    assert "quigley" not in stored_text().lower()


def test_a_phone_search_is_not_stored_either(client, desk, visit_type):
    book(make_patient(), visit_type)

    client.get(f"{A}/appointment/", {"q": "(301) 555-0188"})

    assert the_view().page == "Appointment list, search results"
    assert not any(text in stored_text() for text in ("555", "0188", "301"))


def test_the_telehealth_request_list_records_the_requests_and_their_patients(client, desk):
    rosalind = make_patient()
    linked = make_telehealth_request(patient=rosalind)
    unlinked = make_telehealth_request(first_name="Marcus", last_name="Ellery", patient=None)

    assert client.get(f"{A}/telehealthrequest/").status_code == 200

    view = the_view()
    assert (view.page, view.path, view.user) == ("Telehealth request list", f"{A}/telehealthrequest/", desk)
    assert rows_of(view, "patient", "telehealth_request") == {(None, unlinked.pk), (rosalind.pk, linked.pk)}


def test_the_help_request_list_records_the_requests_shown(client, desk):
    shown = make_help_request()
    make_help_request(name="Someone Handled", status="handled")  # not on the default list (new ones)

    assert client.get(f"{A}/helprequest/").status_code == 200

    view = the_view()
    assert view.page == "Requests for help"
    assert rows_of(view, "help_request", "patient") == {(shown.pk, None)}


def test_the_estimate_list_records_each_estimate_with_its_visit_and_patient(client, desk, visit_type):
    rosalind = make_patient()
    visit = book(rosalind, visit_type, coverage=Appointment.Coverage.UNINSURED)
    for_the_visit = estimates.create_for_booking(visit, now=timezone.now())
    asked_for = estimates.create_for_request({
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": date(1958, 3, 27), "email": "robin@example.com",
        "phone": "", "visit_type": visit_type, "expected_date": None, "coverage": Appointment.Coverage.UNINSURED,
    })

    assert client.get(f"{A}/goodfaithestimate/").status_code == 200

    view = the_view()
    assert view.page == "Good faith estimates"
    assert rows_of(view, "estimate", "appointment", "patient") == {(for_the_visit.pk, visit.pk, rosalind.pk), (asked_for.pk, None, None)}


def test_the_day_schedule_records_the_day_and_the_visits_on_it(client, desk, visit_type, provider):
    day = timezone.localdate() + timedelta(days=3)
    rosalind = make_patient()
    that_day = book(rosalind, visit_type, day=day)
    book(make_patient("Marcus", "Ellery"), visit_type, day=day + timedelta(days=1))

    response = client.get(f"{A}/appointment/day/", {"date": f"{day:%Y-%m-%d}"})

    assert response.status_code == 200 and "Quigley" in response.content.decode()
    view = the_view()
    assert (view.page, view.path, view.user) == (f"Day schedule, {day:%Y-%m-%d}", f"{A}/appointment/day/", desk)
    assert rows_of(view, "patient", "appointment") == {(rosalind.pk, that_day.pk)}


def test_the_calendar_records_the_week_and_the_visits_in_it_not_those_of_other_weeks(client, desk, visit_type):
    day = timezone.localdate() + timedelta(days=14)
    rosalind = make_patient()
    that_week = book(rosalind, visit_type, day=day)
    book(make_patient("Marcus", "Ellery"), visit_type, day=day + timedelta(days=7))

    response = client.get(f"{A}/appointment/calendar/", {"view": "week", "date": f"{day:%Y-%m-%d}"})

    assert response.status_code == 200 and "Quigley" in response.content.decode()
    view = the_view()
    assert view.page.startswith("Calendar, week of ") and view.path == f"{A}/appointment/calendar/"
    assert rows_of(view, "patient", "appointment") == {(rosalind.pk, that_week.pk)}


def test_the_front_desk_start_page_records_todays_visits_the_requests_and_the_calls_it_lists(client, desk, visit_type):
    rosalind, marcus = make_patient(), make_patient("Marcus", "Ellery")
    today = book(rosalind, visit_type, day=timezone.localdate(), hour=23, status=Appointment.Status.CONFIRMED)
    to_confirm = book(marcus, visit_type, status=Appointment.Status.REQUESTED)
    call = make_telehealth_request(patient=marcus)

    assert client.get("/admin/").status_code == 200
    view = the_view()
    assert (view.page, view.path) == ("Front desk start page", "/admin/")
    assert rows_of(view, "patient", "appointment", "telehealth_request") == {
        (rosalind.pk, today.pk, None), (marcus.pk, to_confirm.pk, None), (marcus.pk, None, call.pk),
    }


def test_a_content_editors_home_page_lists_no_patient_and_records_nothing(client, visit_type):
    book(make_patient(), visit_type, day=timezone.localdate(), hour=23)
    client.force_login(make_staff("editor", group="Content editors"))
    assert client.get("/admin/").status_code == 200
    assert not PatientListView.objects.exists()


def test_the_day_schedule_of_one_provider_says_whose_and_records_only_their_visits(client, desk, visit_type, provider):
    day = timezone.localdate() + timedelta(days=3)
    other = make_provider(name="Marcus Ellery")
    theirs = book(make_patient(), visit_type, day=day)
    book(make_patient("Ann", "Other"), make_visit_type(providers=[other]), day=day, provider=other)

    client.get(f"{A}/appointment/day/", {"date": f"{day:%Y-%m-%d}", "provider": provider.pk})

    view = the_view()
    assert view.page == f"Day schedule, {day:%Y-%m-%d}, {provider}"
    assert rows_of(view, "appointment") == {(theirs.pk,)}


def test_a_day_schedule_asked_with_a_garbage_date_shows_today_and_records_it(client, desk):
    response = client.get(f"{A}/appointment/day/", {"date": "garbage", "provider": "999999"})

    assert response.status_code == 200
    assert the_view().page == f"Day schedule, {timezone.localdate():%Y-%m-%d}"


def test_opening_one_record_or_a_refused_list_records_no_list_view(client, visit_type):
    visit = book(make_patient(), visit_type)
    client.force_login(make_staff("desk", group=FRONT_DESK))
    client.get(f"{A}/appointment/{visit.pk}/change/")
    client.force_login(make_staff("editor", group="Content editors"))
    assert client.get(f"{A}/appointment/").status_code == 403
    assert client.get(f"{A}/appointment/day/").status_code == 403

    assert not PatientListView.objects.exists()


# --- Cheap: no query per row ----------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return queries


@pytest.mark.parametrize("url", [
    f"{A}/appointment/", f"{A}/appointment/day/?date={{day}}", f"{A}/appointment/calendar/?view=day&date={{day}}",
])
def test_recording_a_list_costs_two_inserts_and_no_query_per_row(client, desk, provider, url, django_assert_max_num_queries):
    day = timezone.localdate() + timedelta(days=3)
    url = url.format(day=f"{day:%Y-%m-%d}")
    short = make_visit_type(providers=[provider], duration_minutes=10)
    times = [at(day, 8) + timedelta(minutes=10 * number) for number in range(30)]
    for number, starts_at in enumerate(times[:3]):
        book(make_patient(f"Few{number}"), short, starts_at=starts_at)
    three_rows = queries_for(client, url)
    inserts = [query["sql"] for query in three_rows.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and all("patientlistview" in sql for sql in inserts)

    for number, starts_at in enumerate(times[3:]):
        book(make_patient(f"Many{number}"), short, starts_at=starts_at)
    with django_assert_max_num_queries(len(three_rows)):
        assert client.get(url).status_code == 200
    assert PatientListView.objects.order_by("-pk").first().rows.count() == 30


# --- The audit trail of one patient ---------------------------------------------------------


def test_the_trail_of_a_patient_has_their_record_views_and_the_lists_that_showed_them_not_others(client, desk, boss, visit_type):
    rosalind, marcus = make_patient(), make_patient("Marcus", "Ellery")
    hers, his = book(rosalind, visit_type, hour=9), book(marcus, visit_type, hour=11)
    request = make_telehealth_request(patient=rosalind)
    day = timezone.localdate() + timedelta(days=3)
    client.get(f"{A}/appointment/", {"q": "Ellery"})  # shows only Marcus
    client.get(f"{A}/appointment/day/", {"date": f"{day:%Y-%m-%d}"})  # shows both
    client.get(f"{A}/telehealthrequest/")  # shows Rosalind's request
    client.get(f"{A}/appointment/{hers.pk}/change/")
    client.get(f"{A}/appointment/{his.pk}/change/")
    only_marcus, day_schedule, requests = PatientListView.objects.order_by("pk")

    client.force_login(boss)
    response = client.get(patient_audit_trail_url(rosalind.pk))

    assert response.status_code == 200
    links = [entry.link for entry in response.context["entries"]]
    assert f"/admin/appointments/patientlistview/{day_schedule.pk}/change/" in links
    assert f"/admin/appointments/patientlistview/{requests.pk}/change/" in links
    assert f"/admin/appointments/patientlistview/{only_marcus.pk}/change/" not in links
    her_opening = LogEntry.objects.get_for_object(hers).get(action=LogEntry.Action.ACCESS)
    his_opening = LogEntry.objects.get_for_object(his).get(action=LogEntry.Action.ACCESS)
    her_request_created = LogEntry.objects.get_for_object(request).get(action=LogEntry.Action.CREATE)
    assert f"/admin/auditlog/logentry/{her_opening.pk}/change/" in links
    assert f"/admin/auditlog/logentry/{her_request_created.pk}/change/" in links
    assert f"/admin/auditlog/logentry/{his_opening.pk}/change/" not in links
    times = [entry.when for entry in response.context["entries"]]
    assert times == sorted(times, reverse=True)
    # Newest first: the opening of her visit came after every list.
    newest = response.context["entries"][0]
    assert (newest.link, newest.who, newest.what) == (f"/admin/auditlog/logentry/{her_opening.pk}/change/", "desk", "opened")
    [listed] = [entry for entry in response.context["entries"] if entry.link.endswith(f"/patientlistview/{day_schedule.pk}/change/")]
    assert (listed.who, listed.what, listed.record) == ("desk", "listed", f"{day_schedule.page} ({A}/appointment/day/)")
    assert "Quigley" not in response.content.decode() and "Rosalind" not in response.content.decode()


def test_a_list_shown_before_the_visit_was_linked_to_the_patient_is_in_their_trail(client, desk, boss, visit_type):
    visit = book(None, visit_type)
    client.get(f"{A}/appointment/")
    shown = the_view()
    rosalind = make_patient()
    Appointment.objects.filter(pk=visit.pk).update(patient=rosalind)

    client.force_login(boss)
    entries = client.get(patient_audit_trail_url(rosalind.pk)).context["entries"]

    assert f"/admin/appointments/patientlistview/{shown.pk}/change/" in [entry.link for entry in entries]


def test_a_patient_never_listed_has_a_trail_with_no_list_views(client, boss, visit_type):
    rosalind = make_patient()
    client.force_login(boss)

    response = client.get(patient_audit_trail_url(rosalind.pk))

    # Only the record's own creation (django-auditlog), and no list that showed it.
    assert response.status_code == 200
    assert [(entry.what, entry.record) for entry in response.context["entries"]] == [("created", f"patient record {rosalind.pk}")]


def test_the_trail_of_a_patient_record_that_does_not_exist_is_not_found(client, boss):
    client.force_login(boss)
    assert client.get(patient_audit_trail_url(999999)).status_code == 404


def test_only_superusers_read_the_list_views_and_the_trail_of_a_patient(client, desk, visit_type):
    rosalind = make_patient()
    book(rosalind, visit_type)
    client.get(f"{A}/appointment/")
    view = the_view()
    pages = [patient_audit_trail_url(rosalind.pk), f"{A}/patientlistview/", f"{A}/patientlistview/{view.pk}/change/"]

    assert [client.get(url).status_code for url in pages] == [403, 403, 403]
    client.logout()
    assert all(client.get(url)["Location"].startswith("/admin/login/") for url in pages)


def test_a_list_view_entry_shows_the_rows_by_reference_and_cannot_be_changed_or_deleted(client, desk, boss, visit_type):
    rosalind = make_patient()
    visit = book(rosalind, visit_type)
    client.get(f"{A}/appointment/")
    view = the_view()
    client.force_login(boss)

    page = client.get(f"{A}/patientlistview/{view.pk}/change/")

    text = page.content.decode()
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert f"appointment {visit.reference}" in text and patient_audit_trail_url(rosalind.pk) in text
    assert "Quigley" not in text
    assert client.post(f"{A}/patientlistview/{view.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{A}/patientlistview/").status_code == 200
    assert PatientListView.objects.filter(pk=view.pk).exists()


def test_the_list_of_list_pages_viewed_counts_each_ones_rows_and_answers_odd_addresses(client, desk, boss, visit_type):
    for hour in (9, 11):
        book(make_patient(f"Name{hour}"), visit_type, hour=hour)
    client.get(f"{A}/appointment/")
    client.get(f"{A}/appointment/", {"q": "Name9"})
    client.force_login(boss)

    page = client.get(f"{A}/patientlistview/")

    assert page.status_code == 200
    assert [(row.page, row.rows_total) for row in page.context["cl"].result_list] == [
        ("Appointment list, search results", 1), ("Appointment list", 2),
    ]
    for odd in ({"viewed_at__gte": "garbage"}, {"user__id__exact": "999999"}, {"user__id__exact": "x"}, {"o": "9"}, {"p": "x"}):
        assert client.get(f"{A}/patientlistview/", odd).status_code in (200, 302), odd
    assert client.get(f"{A}/patientlistview/patient/x/", follow=True).status_code == 200


def test_the_patient_record_links_to_its_audit_trail_for_superusers_only(client, desk, boss):
    rosalind = make_patient()
    link = f'href="{patient_audit_trail_url(rosalind.pk)}"'
    client.force_login(boss)
    assert link in client.get(f"{A}/patient/{rosalind.pk}/change/").content.decode()
    client.force_login(desk)
    page = client.get(f"{A}/patient/{rosalind.pk}/change/")
    assert page.status_code == 200 and link not in page.content.decode()
