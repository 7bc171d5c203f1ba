"""The appointment's page does the front desk's daily actions: confirm, check in, completed,
no-show and cancel as buttons (each through its function in appointments.booking, with its
email), staff's own notes (never in an email, masked in the audit trail), and moving the visit
by picking one of the provider's free times (one click, the patient emailed)."""

from datetime import datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from appointments import booking
from appointments.booking import BookingRefused
from appointments.models import Appointment, OutboxMessage
from tests.factories import at, deliver_outbox, make_appointment, weekday_after
from tests.pages import messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_and_mail")]

NOTE = "Prefers afternoon calls; brings the MRI disc from Holy Cross"


def page_url(appointment):
    return f"/admin/appointments/appointment/{appointment.pk}/change/"


def action_url(appointment, action):
    return f"/admin/appointments/appointment/{appointment.pk}/do/{action}/"


def move_url(appointment):
    return f"/admin/appointments/appointment/{appointment.pk}/move-to/"


def offered_actions(response):
    return [action.name for action, _ in response.context.get("daily_actions", [])]


def change_form_data(appointment, **overrides):
    local = timezone.localtime(appointment.starts_at)
    data = {
        "provider": str(appointment.provider_id),
        "visit_type": str(appointment.visit_type_id),
        "modality": appointment.modality,
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M:%S"),
        "video_link": appointment.video_link,
        "staff_notes": appointment.staff_notes,
        "coverage": appointment.coverage,
    }
    data.update(overrides)
    return data


@pytest.fixture
def later_visit(visit_type):
    """A confirmed visit with Dana Whitfield three weekdays ahead at 10:00."""
    return make_appointment(visit_type=visit_type, starts_at=at(weekday_after(3), 10))


@pytest.fixture
def visit_now(visit_type):
    """A confirmed visit that starts this minute (today, whatever the time)."""
    return make_appointment(visit_type=visit_type, starts_at=timezone.now().replace(second=0, microsecond=0))


# --- The buttons ---------------------------------------------------------------------------


def test_a_request_offers_confirm_and_cancel_but_not_check_in(desk_client, visit_type):
    request = make_appointment(visit_type=visit_type, starts_at=at(weekday_after(3), 10), status=Appointment.Status.REQUESTED)

    response = desk_client.get(page_url(request))

    assert offered_actions(response) == ["confirm", "cancel"]
    assert f'action="{action_url(request, "confirm")}"' in response.content.decode()


def test_confirming_from_the_page_confirms_and_emails_the_patient(desk_client, visit_type):
    request = make_appointment(visit_type=visit_type, starts_at=at(weekday_after(3), 10), status=Appointment.Status.REQUESTED)

    response = desk_client.post(action_url(request, "confirm"), follow=True)

    request.refresh_from_db()
    assert request.status == Appointment.Status.CONFIRMED
    assert f"Appointment {request.reference} is confirmed: the patient is emailed." in messages_of(response)
    [email] = [m for m in deliver_outbox() if m.to == [request.email]]
    assert "confirmed" in email.subject.lower()


def test_checking_in_a_confirmed_visit_on_its_day_records_the_time_and_shows_it(desk_client, visit_now):
    assert "check_in" in offered_actions(desk_client.get(page_url(visit_now)))

    response = desk_client.post(action_url(visit_now, "check_in"), follow=True)

    visit_now.refresh_from_db()
    assert visit_now.checked_in_at is not None
    assert visit_now.status == Appointment.Status.CONFIRMED
    assert f"Appointment {visit_now.reference} is checked in." in messages_of(response)
    assert "check_in" not in offered_actions(response)  # once only
    listed = desk_client.get("/admin/appointments/appointment/?when=today").content.decode()
    assert f"Checked in {timezone.localtime(visit_now.checked_in_at):%H:%M}" in listed
    deliver_outbox()
    assert not OutboxMessage.objects.exists()  # the patient is here: no email


def test_check_in_is_refused_for_a_request_another_day_or_twice(visit_type, visit_now, later_visit):
    now = timezone.now()
    request = make_appointment(visit_type=visit_type, starts_at=at(weekday_after(5), 11), status=Appointment.Status.REQUESTED)
    with pytest.raises(BookingRefused, match="Only confirmed visits"):
        booking.check_in(request, now=now)
    with pytest.raises(BookingRefused, match="only on its day"):
        booking.check_in(later_visit, now=now)
    booking.check_in(visit_now, now=now)
    with pytest.raises(BookingRefused, match="already checked in"):
        booking.check_in(visit_now, now=now)
    later_visit.refresh_from_db()
    assert later_visit.checked_in_at is None


def test_check_in_refused_meanwhile_is_a_message_not_an_error(desk_client, later_visit):
    response = desk_client.post(action_url(later_visit, "check_in"), follow=True)

    assert response.status_code == 200
    assert any("only on its day" in message for message in messages_of(response))
    later_visit.refresh_from_db()
    assert later_visit.checked_in_at is None


@pytest.mark.parametrize("action, status", [("completed", Appointment.Status.COMPLETED), ("no_show", Appointment.Status.NO_SHOW)])
def test_a_started_visit_is_marked_completed_or_no_show_from_its_page(desk_client, visit_now, action, status):
    assert {"completed", "no_show"} <= set(offered_actions(desk_client.get(page_url(visit_now))))

    desk_client.post(action_url(visit_now, action))

    visit_now.refresh_from_db()
    assert visit_now.status == status
    deliver_outbox()
    assert not OutboxMessage.objects.exists()


def test_a_visit_not_started_offers_no_outcome(desk_client, later_visit):
    assert offered_actions(desk_client.get(page_url(later_visit))) == ["cancel"]
    desk_client.post(action_url(later_visit, "no_show"))
    later_visit.refresh_from_db()
    assert later_visit.status == Appointment.Status.CONFIRMED


def test_cancelling_from_the_page_cancels_and_emails_the_patient(desk_client, later_visit):
    response = desk_client.post(action_url(later_visit, "cancel"), follow=True)

    later_visit.refresh_from_db()
    assert later_visit.status == Appointment.Status.CANCELLED
    assert offered_actions(response) == []
    assert "free_times" not in response.context  # a cancelled visit is not moved
    [email] = [m for m in deliver_outbox() if m.to == [later_visit.email]]
    assert "cancelled" in email.subject.lower()


def test_the_action_addresses_answer_odd_requests_without_an_error(desk_client, later_visit):
    assert desk_client.get(action_url(later_visit, "cancel")).status_code == 302  # a GET changes nothing
    assert desk_client.post(action_url(later_visit, "explode")).status_code == 302
    missing = desk_client.post("/admin/appointments/appointment/999999/do/cancel/")
    assert missing.status_code == 302 and missing["Location"].endswith("/admin/appointments/appointment/")
    assert desk_client.post("/admin/appointments/appointment/x%00y/do/cancel/").status_code in (302, 404)
    assert desk_client.post(move_url(later_visit), {"starts_at": "tomorrow-ish"}).status_code == 302
    assert desk_client.post(move_url(later_visit), {"starts_at": "2030-01-01T10:00"}).status_code == 302  # no time zone
    for far in ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1900-01-01T10:00:00+00:00"]:
        assert desk_client.post(move_url(later_visit), {"starts_at": far}).status_code == 302, far
    assert desk_client.get(page_url(later_visit) + "?times_from=garbage").status_code == 200
    assert desk_client.get(page_url(later_visit) + "?times_from=99999-01-01").status_code == 200
    later_visit.refresh_from_db()
    assert later_visit.status == Appointment.Status.CONFIRMED
    assert later_visit.starts_at == at(weekday_after(3), 10)


# --- Staff's notes ---------------------------------------------------------------------------


def test_staff_notes_are_saved_on_the_page_and_masked_in_the_audit_trail(desk_client, later_visit):
    response = desk_client.post(page_url(later_visit), change_form_data(later_visit, staff_notes=NOTE))

    assert response.status_code == 302
    later_visit.refresh_from_db()
    assert later_visit.staff_notes == NOTE
    entry = LogEntry.objects.get_for_object(later_visit).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.changes_dict["staff_notes"][1] == "[hidden]"
    assert NOTE not in str(entry.changes) and "MRI" not in str(entry.changes)
    assert not OutboxMessage.objects.exists()  # saving notes emails no one


def test_staff_notes_too_long_are_refused_next_to_the_field_and_kept(desk_client, later_visit):
    too_long = "x" * 2001
    response = desk_client.post(page_url(later_visit), change_form_data(later_visit, staff_notes=too_long))

    assert response.status_code == 200
    assert "staff_notes" in response.context["adminform"].form.errors
    assert too_long in response.content.decode()
    later_visit.refresh_from_db()
    assert later_visit.staff_notes == ""


def test_a_note_is_in_no_email_whatever_happens_to_the_visit(desk_client, visit_type):
    request = make_appointment(visit_type=visit_type, starts_at=at(weekday_after(3), 10), status=Appointment.Status.REQUESTED)
    booking.save_staff_notes(request, NOTE)
    booking.confirm(request)
    booking.send_new_manage_link(request)
    booking.move(request, starts_at=at(weekday_after(3), 14), by_patient=False)
    request.refresh_from_db()
    booking.cancel(request, by_patient=False)

    emails = deliver_outbox()

    assert len(emails) >= 4
    for email in emails:
        text = " ".join([email.subject, email.body, *(str(content) for _, content, _ in email.attachments)])
        assert "Holy Cross" not in text and "afternoon calls" not in text, email.subject


# --- Moving by picking a free time -------------------------------------------------------------


def test_the_page_shows_the_providers_free_times_and_one_click_moves_the_visit(desk_client, later_visit):
    response = desk_client.get(page_url(later_visit))
    days = response.context["free_times"]
    assert days, "no free times shown"
    values = [datetime.fromisoformat(value) for _, times in days for value, _ in times]
    assert later_visit.starts_at not in values  # its own time is not offered
    target = at(weekday_after(3), 14, 15)
    assert target in values
    assert "2:15 PM" in response.content.decode()

    moved = desk_client.post(move_url(later_visit), {"starts_at": target.isoformat()}, follow=True)

    later_visit.refresh_from_db()
    assert later_visit.starts_at == at(weekday_after(3), 14, 15)
    assert any("moved to" in message and "2:15 PM" in message for message in messages_of(moved))
    [email] = [m for m in deliver_outbox() if m.to == [later_visit.email]]
    assert "2:15 PM" in email.body


def test_pressing_the_same_free_time_again_moves_nothing_and_emails_no_one_twice(desk_client, later_visit):
    target = at(weekday_after(3), 14, 15)
    desk_client.post(move_url(later_visit), {"starts_at": target.isoformat()})
    emails_after_the_move = OutboxMessage.objects.count()

    again = desk_client.post(move_url(later_visit), {"starts_at": target.isoformat()}, follow=True)

    assert any("already at that time: nothing was changed" in message for message in messages_of(again))
    assert OutboxMessage.objects.count() == emails_after_the_move


def test_a_free_time_taken_meanwhile_is_a_message_and_the_visit_stays(desk_client, visit_type, later_visit):
    target = at(weekday_after(3), 14, 15)
    make_appointment(visit_type=visit_type, starts_at=target)  # another desk booked it in between

    response = desk_client.post(move_url(later_visit), {"starts_at": target.isoformat()}, follow=True)

    assert any("already has appointment" in message for message in messages_of(response))
    later_visit.refresh_from_db()
    assert later_visit.starts_at == at(weekday_after(3), 10)


def test_later_free_times_are_a_link_away(desk_client, later_visit):
    first_day = timezone.localdate() + timedelta(days=7)
    response = desk_client.get(page_url(later_visit) + f"?times_from={first_day:%Y-%m-%d}")

    days = response.context["free_times"]
    assert days
    first_shown = min(timezone.localtime(datetime.fromisoformat(times[0][0])).date() for _, times in days)
    assert first_shown >= first_day
    assert response.context["earlier_times_query"]


def test_the_time_can_be_typed_as_the_front_desk_says_it(desk_client, later_visit):
    response = desk_client.post(page_url(later_visit), change_form_data(later_visit, starts_at_1="2:15 PM"))

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    later_visit.refresh_from_db()
    assert later_visit.starts_at == at(weekday_after(3), 14, 15)
    for typed, hour, minute in [("9:15 AM", 9, 15), ("11am", 11, 0)]:
        desk_client.post(page_url(later_visit), change_form_data(later_visit, starts_at_1=typed))
        later_visit.refresh_from_db()
        assert later_visit.starts_at == at(weekday_after(3), hour, minute), typed


def test_checking_in_a_visit_whose_forms_wait_for_a_clinician_warns_the_front_desk(desk_client, visit_now):
    from appointments.models import Intake

    Intake.objects.create(appointment=visit_now, kind="new", sections_done=["medicines"], review=Intake.Review.NEEDS_REVIEW)

    response = desk_client.post(action_url(visit_now, "check_in"), follow=True)

    assert (f"Before the treatment: the forms of {visit_now.reference} say “Needs clinician review”. Tell the clinician now."
            in messages_of(response))


def test_checking_in_a_visit_with_reviewed_forms_says_nothing_more(desk_client, visit_now):
    from appointments.models import Intake

    Intake.objects.create(appointment=visit_now, kind="new", sections_done=["medicines"], review=Intake.Review.OK)

    response = desk_client.post(action_url(visit_now, "check_in"), follow=True)

    assert not any("Before the treatment" in message for message in messages_of(response))
