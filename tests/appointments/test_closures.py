"""Closures by the front desk: the receptionist who hears "snow day, we're closed" posts it; the
visits it hits are listed to whoever saved it, with links that work for them (none for those who
may not open appointments); the front desk may cancel them and notify the patients, or notify
only (emails through the outbox); the front desk address gets an alert with a count and a link,
never a patient's details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, OutboxMessage
from clinic.models import HolidayHours
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import at, deliver_outbox, make_appointment, make_staff, next_monday
from tests.pages import messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_and_mail")]

ADD_URL = "/admin/clinic/holidayhours/add/"
FRONT_DESK_EMAIL = "frontdesk@clinic.test"  # tests/appointments/conftest.py site_and_mail


def closure_form(day, **overrides):
    data = {"label": "Snow day", "first_day": day.isoformat(), "last_day": "", "is_closed": "on", "opens": "", "closes": "", "note": ""}
    data.update(overrides)
    return data


def affected_url(holiday):
    return f"/admin/clinic/holidayhours/{holiday.pk}/affected/"


def sign_in(client, role):
    user = make_staff(role, group=FRONT_DESK if role == "desk" else CONTENT_EDITORS)
    client.force_login(user)
    return client


@pytest.fixture
def snowed_in(visit_type, provider):
    """Three visits next Monday: two booked, one already cancelled."""
    monday = next_monday()
    return {
        "day": monday,
        "booked": [
            make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10), first_name="Sofía"),
            make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 14), first_name="Bartholomew"),
        ],
        "cancelled": make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 11), status=Appointment.Status.CANCELLED),
    }


def post_closure(client, day, **overrides):
    return client.post(ADD_URL, closure_form(day, **overrides), follow=True)


def test_the_front_desk_posts_a_closure_and_sees_the_visits_it_hits_with_working_links(client, snowed_in):
    sign_in(client, "desk")

    response = post_closure(client, snowed_in["day"])

    holiday = HolidayHours.objects.get()
    assert response.redirect_chain[-1][0] == affected_url(holiday)
    assert [visit.reference for visit in response.context["visits"]] == [a.reference for a in snowed_in["booked"]]
    assert any(message.startswith("2 booked visits fall when the office is now closed") for message in messages_of(response))
    page = response.content.decode()
    for appointment in snowed_in["booked"]:
        assert f'href="{appointment.get_admin_url()}"' in page
        assert client.get(appointment.get_admin_url()).status_code == 200  # the link works for them
    assert snowed_in["cancelled"].reference not in page
    assert "Cancel these visits and notify the patients" in page and "Notify only" in page
    assert "Sofía" not in page and "Bartholomew" not in page  # references, times and providers only


def test_the_front_desk_is_alerted_with_the_count_and_a_link_and_no_patient_details(client, snowed_in):
    sign_in(client, "desk")
    post_closure(client, snowed_in["day"])
    holiday = HolidayHours.objects.get()

    [alert] = [email for email in deliver_outbox() if email.to == [FRONT_DESK_EMAIL]]

    assert "2 booked visits" in alert.subject and "2 booked visits" in alert.body
    assert f"https://clinic.test{affected_url(holiday)}" in alert.body
    for appointment in snowed_in["booked"]:
        for detail in (appointment.first_name, appointment.last_name, appointment.email, appointment.phone[-4:]):
            assert detail not in alert.subject + alert.body
    assert OutboxMessage.objects.filter(to=FRONT_DESK_EMAIL).count() == 1


def test_an_editor_sees_the_references_without_links_and_no_actions(client, snowed_in):
    sign_in(client, "editor")

    response = post_closure(client, snowed_in["day"])

    page = response.content.decode()
    for appointment in snowed_in["booked"]:
        assert appointment.reference in page
        assert f'href="{appointment.get_admin_url()}"' not in page  # would answer 403 for them
        assert client.get(appointment.get_admin_url()).status_code == 403
    assert "Notify only" not in page
    assert "the front desk was emailed" in page
    holiday = HolidayHours.objects.get()
    refs = [a.reference for a in snowed_in["booked"]]
    assert client.post(affected_url(holiday), {"action": "cancel", "reference": refs}).status_code == 403
    assert not Appointment.objects.filter(status=Appointment.Status.CANCELLED).exclude(pk=snowed_in["cancelled"].pk).exists()
    assert [email.to for email in deliver_outbox()] == [[FRONT_DESK_EMAIL]]  # the front desk is told


def test_cancel_and_notify_cancels_each_visit_and_emails_each_patient_kindly(client, snowed_in):
    sign_in(client, "desk")
    post_closure(client, snowed_in["day"], note="Roads are closed by the county.")
    holiday = HolidayHours.objects.get()
    refs = [a.reference for a in snowed_in["booked"]]

    response = client.post(affected_url(holiday), {"action": "cancel", "reference": refs}, follow=True)

    assert "2 visits cancelled; each patient is emailed a kind note with a link to book again." in messages_of(response)
    assert response.context["visits"] == []
    emails = deliver_outbox()
    for appointment in snowed_in["booked"]:
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        [email] = [email for email in emails if email.to == [appointment.email]]
        assert "the office is closed" in email.subject
        assert "Snow day" in email.body and "Roads are closed by the county." in email.body
        assert "https://clinic.test/book/" in email.body
        assert "no charge" in email.body
        [(name, content, _)] = email.attachments
        assert "METHOD:CANCEL" in str(content)
    assert OutboxMessage.objects.filter(kind="patient_closure_cancelled").count() == 2


def test_notify_only_emails_each_patient_and_leaves_the_visits_booked(client, snowed_in):
    sign_in(client, "desk")
    post_closure(client, snowed_in["day"])
    holiday = HolidayHours.objects.get()
    refs = [a.reference for a in snowed_in["booked"]]

    response = client.post(affected_url(holiday), {"action": "notify", "reference": refs}, follow=True)

    assert any(message.startswith("2 patients are emailed that the office is closed") for message in messages_of(response))
    emails = deliver_outbox()
    for appointment in snowed_in["booked"]:
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CONFIRMED
        [email] = [email for email in emails if email.to == [appointment.email]]
        assert "closed on the day of your appointment" in email.subject
        assert appointment.manage_url() in email.body  # their link to choose a new time
        assert "(301) 555-0142" in email.body
    assert OutboxMessage.objects.filter(to=snowed_in["cancelled"].email).count() == 0


def test_notify_only_inside_the_cut_off_asks_the_patient_to_call_not_to_use_the_link(client, visit_type, provider):
    # A visit in five hours, booked days ago: the snow day is tomorrow morning, past the online cut-off.
    soon = make_appointment(visit_type=visit_type, provider=provider, starts_at=timezone.now() + timedelta(hours=5))
    Appointment.objects.filter(pk=soon.pk).update(created_at=timezone.now() - timedelta(days=3))
    sign_in(client, "desk")
    post_closure(client, timezone.localtime(soon.starts_at).date())

    client.post(affected_url(HolidayHours.objects.get()), {"action": "notify", "reference": [soon.reference]})

    [email] = [email for email in deliver_outbox() if email.to == [soon.email]]
    assert "Please call us at (301) 555-0142" in email.body and "too close to the visit to move it online" in email.body
    assert "Please choose a new time online" not in email.body


def test_only_the_visits_shown_are_acted_on(client, snowed_in, visit_type, provider):
    sign_in(client, "desk")
    post_closure(client, snowed_in["day"])
    holiday = HolidayHours.objects.get()
    elsewhere = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(next_monday() + timedelta(days=1), 10))
    first = snowed_in["booked"][0]

    client.post(affected_url(holiday), {"action": "cancel", "reference": [first.reference, snowed_in["cancelled"].reference, "NOPE", ""]})

    first.refresh_from_db()
    assert first.status == Appointment.Status.CANCELLED
    assert Appointment.objects.get(pk=snowed_in["booked"][1].pk).status == Appointment.Status.CONFIRMED
    assert Appointment.objects.get(pk=elsewhere.pk).status == Appointment.Status.CONFIRMED


def test_special_hours_list_only_the_visits_outside_them(client, snowed_in):
    sign_in(client, "desk")

    response = post_closure(client, snowed_in["day"], label="Short day", is_closed="", opens="09:00", closes="12:00")

    assert [visit.reference for visit in response.context["visits"]] == [snowed_in["booked"][1].reference]


def test_a_closure_without_visits_saves_quietly_and_alerts_no_one(client, practice):
    sign_in(client, "desk")

    response = post_closure(client, next_monday())

    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert response.redirect_chain[-1][0] == "/admin/clinic/holidayhours/"
    deliver_outbox()
    assert not OutboxMessage.objects.exists()


def test_the_affected_page_answers_odd_requests_without_an_error(client, snowed_in):
    sign_in(client, "desk")
    post_closure(client, snowed_in["day"])
    holiday = HolidayHours.objects.get()

    assert client.get("/admin/clinic/holidayhours/999999/affected/").status_code == 302
    assert client.get("/admin/clinic/holidayhours/abc/affected/").status_code == 302
    response = client.post(affected_url(holiday), {"action": "explode"}, follow=True)
    assert response.status_code == 200
    assert client.post(affected_url(holiday), {"action": "cancel"}, follow=True).status_code == 200
    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == 2


def test_notify_only_twice_tells_each_patient_once_and_the_list_says_who_was_told(client, snowed_in):
    sign_in(client, "desk")
    post_closure(client, snowed_in["day"])
    holiday = HolidayHours.objects.get()
    first, second = snowed_in["booked"]
    client.post(affected_url(holiday), {"action": "notify", "reference": [first.reference]})

    page = client.get(affected_url(holiday))
    assert page.context["notified"] == {first.reference}
    assert "Patient emailed about the closure" in page.content.decode() and "Not told yet" in page.content.decode()
    response = client.post(affected_url(holiday), {"action": "notify", "reference": [first.reference, second.reference]}, follow=True)

    assert any(message.startswith("1 patient is emailed") for message in messages_of(response))
    assert OutboxMessage.objects.filter(kind="patient_closure_notice", appointment=first).count() == 1
    assert OutboxMessage.objects.filter(kind="patient_closure_notice", appointment=second).count() == 1
    again = client.post(affected_url(holiday), {"action": "notify", "reference": [first.reference, second.reference]}, follow=True)
    assert "Every patient listed was already emailed about this closure." in messages_of(again)
    assert OutboxMessage.objects.filter(kind="patient_closure_notice").count() == 2
