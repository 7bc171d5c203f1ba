import threading
import time
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, BookingSettings, OutboxMessage, TimeOff, WorkingHours
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import (
    set_booking_settings,
    at,
    make_appointment,
    make_holiday,
    make_provider,
    make_staff,
    make_visit_type,
    next_monday,
)
from tests.pages import form_errors, messages_of, references_in, run_appointment_action

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointment/"
ADD_URL = "/admin/appointments/appointment/add/"
DAY_URL = "/admin/appointments/appointment/day/"


# --- The list -------------------------------------------------------------------------


def test_the_list_shows_today_and_later_soonest_first_and_past_visits_on_request(desk_client, visit_type, provider):
    today = timezone.localdate()
    later = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today + timedelta(days=5), 10))
    sooner = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today + timedelta(days=1), 10))
    past = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today - timedelta(days=2), 10))
    older = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(today - timedelta(days=9), 10))

    response = desk_client.get(LIST_URL)
    assert response.status_code == 200
    assert references_in(response) == [sooner.reference, later.reference]

    when_filter = response.context["cl"].filter_specs[0]
    assert [c["display"] for c in when_filter.choices(response.context["cl"]) if c["selected"]] == ["Today and later"]

    assert references_in(desk_client.get(LIST_URL + "?when=past")) == [past.reference, older.reference]
    assert len(references_in(desk_client.get(LIST_URL + "?when=all"))) == 4
    # Picking a past day in the date bar looks at that day, not at "today and later".
    day = timezone.localtime(past.starts_at)
    picked = desk_client.get(LIST_URL, {"starts_at__year": day.year, "starts_at__month": day.month, "starts_at__day": day.day})
    assert references_in(picked) == [past.reference]


def test_the_list_filters_by_status_provider_visit_type_and_place(desk_client, visit_type, provider):
    other_provider = make_provider()
    video_visit = make_visit_type(providers=[other_provider])
    requested = make_appointment(visit_type=visit_type, provider=provider, status=Appointment.Status.REQUESTED)
    video = make_appointment(
        visit_type=video_visit, provider=other_provider, modality=Appointment.Modality.VIDEO,
        starts_at=at(timezone.localdate() + timedelta(days=4), 11),
    )

    assert references_in(desk_client.get(LIST_URL + "?status__exact=requested")) == [requested.reference]
    assert references_in(desk_client.get(LIST_URL + f"?provider__id__exact={other_provider.pk}")) == [video.reference]
    assert references_in(desk_client.get(LIST_URL + f"?visit_type__id__exact={visit_type.pk}")) == [requested.reference]
    assert references_in(desk_client.get(LIST_URL + "?modality__exact=video")) == [video.reference]


@pytest.mark.parametrize("term", ["reference", "reference-lowercase", "Quigley", "Sofía", "sofía", "rosalind.q@example.com",
                                  "(301) 555-0142", "301.555.0142"])
def test_the_front_desk_finds_a_booking_by_reference_name_email_or_phone(desk_client, visit_type, provider, term):
    wanted = make_appointment(
        visit_type=visit_type, provider=provider, first_name="Sofía", last_name="Quigley", email="rosalind.q@example.com",
        phone="+13015550142",
        starts_at=at(timezone.localdate() - timedelta(days=30), 10),  # a search looks at past visits too
    )
    make_appointment(visit_type=visit_type, provider=provider, phone="+13015550199")
    term = {"reference": wanted.reference, "reference-lowercase": wanted.reference.lower()}.get(term, term)

    response = desk_client.get(LIST_URL, {"q": term})

    assert references_in(response) == [wanted.reference]


# --- Actions --------------------------------------------------------------------------


def test_confirming_requests_confirms_them_and_emails_each_patient(desk_client, visit_type, provider):
    requested = make_appointment(visit_type=visit_type, provider=provider, status=Appointment.Status.REQUESTED)
    cancelled = make_appointment(
        visit_type=visit_type, provider=provider, status=Appointment.Status.CANCELLED,
        starts_at=at(timezone.localdate() + timedelta(days=4), 10),
    )

    response = run_appointment_action(desk_client, "confirm", [requested, cancelled])

    requested.refresh_from_db()
    cancelled.refresh_from_db()
    assert requested.status == Appointment.Status.CONFIRMED
    assert cancelled.status == Appointment.Status.CANCELLED
    assert list(OutboxMessage.objects.values_list("appointment_id", "kind")) == [(requested.pk, "patient_confirmed")]
    assert messages_of(response)[0].startswith("1 appointment confirmed. 1 left as it was")


def test_cancelling_frees_the_time_and_emails_the_patient_but_not_the_front_desk(desk_client, visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)

    response = run_appointment_action(desk_client, "cancel", [appointment])

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_cancelled"]
    assert messages_of(response) == ["1 appointment cancelled."]
    assert not Appointment.objects.overlapping(provider.pk, appointment.starts_at, appointment.ends_at).exists()


@pytest.mark.parametrize("action, status", [("mark_completed", "completed"), ("mark_no_show", "no_show")])
def test_visits_that_started_can_be_marked_completed_or_no_show_without_emails(desk_client, visit_type, provider, action, status):
    earlier_today = timezone.now() - timedelta(hours=1)
    started = make_appointment(visit_type=visit_type, provider=provider, starts_at=earlier_today)
    yesterday = make_appointment(visit_type=visit_type, provider=provider, starts_at=earlier_today - timedelta(days=1))
    future = make_appointment(visit_type=visit_type, provider=provider, starts_at=timezone.now() + timedelta(days=2))

    response = run_appointment_action(desk_client, action, [started, yesterday, future])

    assert dict(Appointment.objects.values_list("pk", "status")) == {
        started.pk: status, yesterday.pk: status, future.pk: "confirmed",
    }
    assert not OutboxMessage.objects.exists()
    assert messages_of(response)[0].startswith("2 appointments marked")
    assert "1 left as it was" in messages_of(response)[0]


def test_a_visit_that_is_over_cannot_be_confirmed_or_cancelled(desk_client, visit_type, provider):
    over = make_appointment(
        visit_type=visit_type, provider=provider, status=Appointment.Status.REQUESTED,
        starts_at=timezone.now() - timedelta(days=1),
    )

    run_appointment_action(desk_client, "confirm", [over])
    run_appointment_action(desk_client, "cancel", [over])

    over.refresh_from_db()
    assert over.status == Appointment.Status.REQUESTED
    assert not OutboxMessage.objects.exists()


# --- The change form ---------------------------------------------------------------------


def change_form(appointment, **overrides):
    local = timezone.localtime(appointment.starts_at)
    data = {
        "provider": str(appointment.provider_id),
        "visit_type": str(appointment.visit_type_id),
        "modality": appointment.modality,
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "coverage": appointment.coverage,
        "insurance_plan": appointment.insurance_plan_id or "",
        "insurance_plan_name": appointment.insurance_plan_name,
    }
    data.update(overrides)
    return data


def test_patient_details_cannot_be_changed_by_staff(desk_client, visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider, last_name="Quigley", email="rq@example.com")
    url = f"/admin/appointments/appointment/{appointment.pk}/change/"
    assert "Quigley" in desk_client.get(url).content.decode()

    response = desk_client.post(url, change_form(appointment, last_name="Changed", email="other@example.com", status="cancelled"))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.last_name, appointment.email, appointment.status) == ("Quigley", "rq@example.com", "confirmed")
    assert not OutboxMessage.objects.exists()


def test_staff_move_a_visit_to_a_free_time_and_the_patient_is_told(desk_client, visit_type, provider):
    monday = next_monday()
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))

    response = desk_client.post(
        f"/admin/appointments/appointment/{appointment.pk}/change/", change_form(appointment, starts_at_1="14:00:00")
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.ends_at) == (at(monday, 14), at(monday, 14, 30))
    assert "patient_rescheduled" in OutboxMessage.objects.values_list("kind", flat=True)


def test_saving_a_visit_unchanged_keeps_its_length_after_the_visit_type_got_longer(desk_client, visit_type, provider):
    monday = next_monday()
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))
    make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10, 30))
    visit_type.duration_minutes = 60
    visit_type.save()

    response = desk_client.post(f"/admin/appointments/appointment/{appointment.pk}/change/", change_form(appointment))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.ends_at == at(monday, 10, 30)


def test_moving_a_visit_onto_another_is_refused(desk_client, visit_type, provider):
    monday = next_monday()
    appointment = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))
    other = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 14))

    response = desk_client.post(
        f"/admin/appointments/appointment/{appointment.pk}/change/", change_form(appointment, starts_at_1="14:15:00")
    )

    assert response.status_code == 200
    assert other.reference in response.context["adminform"].form.errors["starts_at"][0]
    appointment.refresh_from_db()
    assert appointment.starts_at == at(monday, 10)
    assert not OutboxMessage.objects.exists()


# --- Staff booking -----------------------------------------------------------------------


def booking_form(provider, visit_type, starts_at, **overrides):
    local = timezone.localtime(starts_at)
    data = {
        "provider": str(provider.pk),
        "visit_type": str(visit_type.pk),
        "modality": "in_office",
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "first_name": "Rosalind",
        "last_name": "Quigley",
        "date_of_birth": "1958-07-14",
        "phone": "(301) 555-0188",
        "email": "rosalind.quigley@example.com",
        "is_new_patient": "on",
        "reason": "",
        "consent_to_contact": "on",
        "coverage": "insurance",  # asked on the phone: a plan not on the list, typed as on the card
        "insurance_plan_name": "Acme Health PPO",
    }
    data.update(overrides)
    return data


def test_staff_book_a_free_time_even_too_soon_for_online_booking(desk_client, visit_type, provider):
    # Online booking needs two hours' notice and the 15-minute grid; staff do not.
    starts_at = at(next_monday(), 9, 10)

    response = desk_client.post(ADD_URL, booking_form(provider, visit_type, starts_at))

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.starts_at, appointment.ends_at) == (starts_at, starts_at + timedelta(minutes=30))
    assert (appointment.status, appointment.source) == ("confirmed", "staff")
    assert appointment.phone == "+13015550188"
    assert appointment.manage_nonce
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_confirmed"]


def test_staff_booking_over_another_visit_is_a_form_error_and_nothing_is_saved(desk_client, visit_type, provider):
    monday = next_monday()
    existing = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))

    response = desk_client.post(ADD_URL, booking_form(provider, visit_type, at(monday, 10, 20)))

    assert response.status_code == 200
    assert form_errors(response)["starts_at"] == [
        f"{provider} already has appointment {existing.reference} from 10:00 to 10:30."
    ]
    assert response.context["adminform"].form["last_name"].value() == "Quigley"
    assert Appointment.objects.count() == 1
    assert not OutboxMessage.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_time_another_desk_books_meanwhile_is_a_form_error_and_nothing_is_saved(desk_client, visit_type, provider):
    # Two desks book the same time at once. The other desk's transaction has inserted its visit and
    # commits a second later; this desk's form is sent in that second. On SQLite this desk's
    # transaction waits for the other's commit and its check sees the clash; on PostgreSQL the check
    # cannot see the uncommitted visit, the insert waits on the exclusion constraint and is refused,
    # and the form is checked again.
    monday = next_monday()
    other_desks_visit = []
    inserted = threading.Event()

    def book_at_the_other_desk():
        try:
            with transaction.atomic():
                other_desks_visit.append(make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10)))
                inserted.set()
                time.sleep(1)
        finally:
            inserted.set()
            connection.close()

    other_desk = threading.Thread(target=book_at_the_other_desk)
    other_desk.start()
    assert inserted.wait(timeout=30)

    response = desk_client.post(ADD_URL, booking_form(provider, visit_type, at(monday, 10)))

    other_desk.join(timeout=30)
    [existing] = other_desks_visit
    assert response.status_code == 200
    assert form_errors(response)["starts_at"] == [
        f"{provider} already has appointment {existing.reference} from 10:00 to 10:30."
    ]
    assert response.context["adminform"].form["last_name"].value() == "Quigley"
    assert list(Appointment.objects.all()) == [existing]
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "case, expected_field, expected_start",
    [
        ("holiday", "starts_at", "The office is closed on"),
        ("lunch", "starts_at", "The office is open 09:00–12:00 and 13:00–17:00"),
        ("saturday", "starts_at", "The office is closed on"),
        ("time off", "starts_at", "Dana Whitfield, MD has time off then."),
        ("past", "starts_at", "That time has passed."),
        ("not offered", "provider", "Pat"),
        ("not by video", "modality", "“Follow-up visit” is not offered this way."),
        ("bad phone", "phone", "Enter a full phone number"),
        ("future birth", "date_of_birth", "The date of birth must be in the past."),
    ],
)
def test_staff_booking_obeys_the_office_and_provider_rules(desk_client, visit_type, provider, case, expected_field, expected_start):
    monday = next_monday()
    starts_at, overrides, chosen_provider = at(monday, 10), {}, provider
    if case == "holiday":
        make_holiday(first_day=monday)
    elif case == "lunch":
        starts_at = at(monday, 11, 45)
    elif case == "saturday":
        starts_at = at(monday + timedelta(days=5), 10)
    elif case == "time off":
        TimeOff.objects.create(provider=provider, starts_at=at(monday, 8), ends_at=at(monday, 12))
    elif case == "past":
        starts_at = timezone.now() - timedelta(hours=1)
    elif case == "not offered":
        chosen_provider = make_provider(name="Pat Other")
    elif case == "not by video":
        visit_type.by_video = False
        visit_type.save()
        overrides["modality"] = "video"
    elif case == "bad phone":
        overrides["phone"] = "555"
    elif case == "future birth":
        overrides["date_of_birth"] = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = desk_client.post(ADD_URL, booking_form(chosen_provider, visit_type, starts_at, **overrides))

    assert response.status_code == 200
    assert form_errors(response)[expected_field][0].startswith(expected_start), form_errors(response)
    assert not Appointment.objects.exists()


# --- Roles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        LIST_URL,
        ADD_URL,
        DAY_URL,
        "/admin/appointments/workinghours/",
        "/admin/appointments/timeoff/",
        "/admin/appointments/visittype/add/",
        "/admin/appointments/outboxmessage/",
        "/admin/appointments/bookingsettings/",
    ],
)
def test_content_editors_cannot_open_anything_about_appointments_but_visit_prices(client, url):
    # Editors open the visit types only to change self-pay prices (tests/appointments/test_insurance.py).
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    assert client.get(url).status_code == 403


def test_content_editors_cannot_open_one_appointment_or_run_actions(client, visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))

    assert client.get(f"/admin/appointments/appointment/{appointment.pk}/change/").status_code == 403
    assert client.post(LIST_URL, {"action": "cancel", ACTION_CHECKBOX_NAME: [appointment.pk]}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


@pytest.mark.parametrize(
    "url",
    ["/admin/appointments/workinghours/add/", "/admin/appointments/timeoff/add/", "/admin/appointments/visittype/add/"],
)
def test_the_front_desk_may_open_the_forms_to_add_working_hours_time_off_and_visit_types(desk_client, url):
    assert desk_client.get(url).status_code == 200


# --- Day schedule ------------------------------------------------------------------------


def test_the_day_schedule_lists_one_providers_active_visits_in_time_order(desk_client, visit_type, provider):
    monday = next_monday()
    afternoon = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 14), first_name="Ana", phone="+13015550142")
    morning = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 9), status=Appointment.Status.REQUESTED)
    cancelled = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 11), status=Appointment.Status.CANCELLED)
    next_day = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday + timedelta(days=1), 9))
    someone_else = make_appointment(starts_at=at(monday, 10))

    response = desk_client.get(DAY_URL, {"provider": provider.pk, "date": monday.isoformat()})

    assert response.status_code == 200
    [(shown_provider, rows)] = response.context["schedules"]
    assert shown_provider == provider
    assert [row.reference for row in rows] == [morning.reference, afternoon.reference]
    html = response.content.decode()
    assert "14:00–14:30" in html and "(301) 555-0142" in html and f"Ana {afternoon.last_name}" in html
    for hidden in (cancelled, next_day, someone_else):
        assert hidden.reference not in html
    assert "/static/css/admin_day_schedule." in html and 'style="' not in html


def test_the_day_schedule_without_a_provider_shows_everyone_working_that_day(desk_client, visit_type, provider):
    monday = next_monday()
    own = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 9))
    other = make_appointment(starts_at=at(monday, 9))

    response = desk_client.get(DAY_URL, {"date": monday.isoformat()})

    assert [(who, [row.reference for row in rows]) for who, rows in response.context["schedules"]] == sorted(
        [(provider, [own.reference]), (other.provider, [other.reference])], key=lambda item: (item[0].order, item[0].name)
    )


def test_a_bad_date_on_the_day_schedule_is_a_message_not_an_error_page(desk_client):
    response = desk_client.get(DAY_URL, {"date": "not-a-day", "provider": "999999"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"date", "provider"}


def test_the_appointment_list_links_to_the_day_schedule(desk_client):
    assert f'href="{DAY_URL}"' in desk_client.get(LIST_URL).content.decode()


# --- Holiday and time-off warnings -------------------------------------------------------


def test_closing_the_office_on_a_day_with_visits_warns_and_links_them(client, visit_type, provider):
    monday = next_monday()
    booked = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))
    make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 11), status=Appointment.Status.CANCELLED)
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))

    response = client.post(
        "/admin/clinic/holidayhours/add/",
        {"label": "Staff day", "first_day": monday.isoformat(), "last_day": "", "is_closed": "on", "opens": "", "closes": "", "note": ""},
        follow=True,
    )

    [warning] = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert str(warning).startswith("1 booked visit falls when the office is now closed.")
    # The editor may not open appointments: the list of visits names them without links (tests/appointments/test_closures.py).
    assert [visit.reference for visit in response.context["visits"]] == [booked.reference]
    assert f"{booked.reference} — Mon" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "confirmed"


def test_special_holiday_hours_warn_only_about_visits_outside_them(client, visit_type, provider):
    monday = next_monday()
    inside = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 9))
    outside = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 14))
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))

    response = client.post(
        "/admin/clinic/holidayhours/add/",
        {"label": "Short day", "first_day": monday.isoformat(), "last_day": "", "is_closed": "", "opens": "09:00", "closes": "12:00", "note": ""},
        follow=True,
    )

    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    listed = [visit.reference for visit in response.context["visits"]]
    assert outside.reference in listed and inside.reference not in listed


def test_a_holiday_on_a_day_without_visits_saves_quietly(client, practice):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    response = client.post(
        "/admin/clinic/holidayhours/add/",
        {"label": "Staff day", "first_day": next_monday().isoformat(), "last_day": "", "is_closed": "on", "opens": "", "closes": "", "note": ""},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_time_off_over_booked_visits_warns_and_lists_them(desk_client, visit_type, provider):
    monday = next_monday()
    booked = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))

    response = desk_client.post(
        "/admin/appointments/timeoff/add/",
        {"provider": str(provider.pk), "starts_at_0": monday.isoformat(), "starts_at_1": "08:00", "ends_at_0": monday.isoformat(), "ends_at_1": "12:00", "note": "Conference"},
        follow=True,
    )

    [warning] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert booked.reference in warning
    assert TimeOff.objects.count() == 1


# --- Schedules, settings and the outbox ---------------------------------------------------


def test_overlapping_working_hours_are_refused(desk_client, provider):
    response = desk_client.post(
        "/admin/appointments/workinghours/add/", {"provider": str(provider.pk), "weekday": "0", "starts": "12:00", "ends": "18:00"}
    )
    assert response.status_code == 200
    assert "already works 09:00–17:00 on Mondays" in str(response.context["adminform"].form.non_field_errors())
    assert WorkingHours.objects.filter(provider=provider, weekday=0).count() == 1


def test_the_booking_settings_list_opens_the_one_row_or_the_form_to_create_it(desk_client):
    response = desk_client.get("/admin/appointments/bookingsettings/")
    assert response.status_code == 302 and response["Location"].endswith("/admin/appointments/bookingsettings/add/")
    add_form = desk_client.get(response["Location"]).context["adminform"].form
    assert add_form["minimum_notice_minutes"].value() == 120  # the defaults that apply until staff save
    assert add_form["change_grace_minutes"].value() == 30 and str(add_form["reminder_time"].value()) == "10:00:00"
    page = desk_client.get(response["Location"]).content.decode()
    assert "minutes after booking" in page and "Reminders go out at this time the day before" in page
    assert not BookingSettings.objects.exists()  # looking wrote nothing

    set_booking_settings()
    response = desk_client.get("/admin/appointments/bookingsettings/")
    assert response.status_code == 302 and response["Location"].endswith("/admin/appointments/bookingsettings/1/change/")


def test_the_front_desk_sees_the_outbox_without_recipients_or_bodies(client, visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    message = OutboxMessage.objects.create(
        kind="patient_confirmed", appointment=appointment, to="rosalind.quigley@example.com", subject="Appointment confirmed",
        body="Dear Rosalind", status=OutboxMessage.Status.FAILED, attempts=3, last_error="Connection refused",
    )
    client.force_login(make_staff("desk", group=FRONT_DESK))

    listing = client.get("/admin/appointments/outboxmessage/").content.decode()
    detail = client.get(f"/admin/appointments/outboxmessage/{message.pk}/change/").content.decode()

    for html in (listing, detail):
        assert appointment.reference in html and "Connection refused" in html and "patient_confirmed" in html
        assert "rosalind.quigley@example.com" not in html and "Dear Rosalind" not in html
    assert client.get("/admin/appointments/outboxmessage/add/").status_code == 403
    assert client.post(f"/admin/appointments/outboxmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403

    client.force_login(make_staff("boss", superuser=True))
    detail = client.get(f"/admin/appointments/outboxmessage/{message.pk}/change/").content.decode()
    assert "rosalind.quigley@example.com" in detail and "Dear Rosalind" in detail


def test_retrying_failed_messages_makes_them_due_now(desk_client, visit_type, provider):
    later = timezone.now() + timedelta(hours=1)
    failed = OutboxMessage.objects.create(kind="patient_confirmed", to="a@example.com", subject="s", body="b",
                                          status=OutboxMessage.Status.FAILED, next_attempt_at=later)
    sent = OutboxMessage.objects.create(kind="patient_confirmed", to="a@example.com", subject="s", body="b",
                                        status=OutboxMessage.Status.SENT, next_attempt_at=later)

    desk_client.post("/admin/appointments/outboxmessage/", {"action": "retry_now", ACTION_CHECKBOX_NAME: [failed.pk, sent.pk]})

    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.next_attempt_at <= timezone.now() < sent.next_attempt_at


def test_every_field_staff_fill_in_has_help_text(desk_client, visit_type, provider):
    appointment = make_appointment(visit_type=visit_type, provider=provider)
    for url in (ADD_URL, f"/admin/appointments/appointment/{appointment.pk}/change/"):
        response = desk_client.get(url)
        for fieldset in response.context["adminform"]:
            for line in fieldset:
                for field in line:
                    help_text = field.field.help_text if not field.is_readonly else field.field["help_text"]
                    label = field.field.label if not field.is_readonly else field.field["label"]
                    assert help_text, f"{url}: {label}"


def test_staff_booking_by_phone_must_ask_how_the_visit_is_paid(desk_client, visit_type, provider):
    starts_at = at(next_monday(), 10)

    response = desk_client.post(ADD_URL, booking_form(provider, visit_type, starts_at, coverage="", insurance_plan_name=""))

    assert response.status_code == 200
    assert "Ask the patient how they will pay" in form_errors(response)["coverage"][0]
    assert not Appointment.objects.exists()
