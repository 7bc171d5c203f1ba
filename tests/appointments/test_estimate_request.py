"""Asking for a good faith estimate without booking (/estimates/ask/): saved for the front
desk, due in 3 business days, acknowledged to the patient, an alert to the front desk with
a reference and an admin link only; bad input keeps everything typed with the message next
to the box and saves nothing; the front desk sends it and the patient opens it by its own link."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from appointments.models import GoodFaithEstimate, OutboxMessage
from clinic.hours import day_window
from tests.factories import deliver_outbox, estimate_request_form, make_estimate_item, stamp_issued
from tests.pages import form_stamp_in

pytestmark = pytest.mark.django_db

FORM = "/estimates/ask/"
SENT = "/estimates/ask/sent/"


@pytest.fixture(autouse=True)
def mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://clinic.test"
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"


def send(client, capture_on_commit, data):
    with capture_on_commit(execute=True):
        response = client.post(FORM, {**data, "form_stamp": data.get("form_stamp") or stamp_issued(10)})
    return response


def third_weekday_after_today():
    """The practice fixture is open Monday to Friday, with no holidays."""
    day, found = timezone.localdate(), 0
    while found < 3:
        day += timedelta(days=1)
        found += day.weekday() < 5
    return day


def test_asking_for_an_estimate_saves_it_for_the_front_desk_due_in_3_business_days(client, practice, visit_type,
                                                                                     django_capture_on_commit_callbacks):
    html = client.get(FORM).content.decode()
    assert form_stamp_in(html) and 'name="website"' in html

    response = send(client, django_capture_on_commit_callbacks, estimate_request_form(visit_type, phone="(301) 555-0177"))

    assert response.status_code == 302 and response["Location"] == SENT
    estimate = GoodFaithEstimate.objects.get()
    assert estimate.source == GoodFaithEstimate.Source.REQUEST and estimate.status == GoodFaithEstimate.Status.TO_PREPARE
    assert (estimate.first_name, estimate.last_name, estimate.phone, estimate.coverage) == ("Robin", "Selfpay", "+13015550177", "uninsured")
    assert estimate.visit_type == visit_type and estimate.appointment is None
    assert estimate.due_at == day_window(third_weekday_after_today())[1]

    emails = deliver_outbox()
    [alert] = [email for email in emails if email.to == ["frontdesk@clinic.test"]]
    assert estimate.reference in alert.subject and f"https://clinic.test/admin/appointments/goodfaithestimate/{estimate.pk}/change/" in alert.body
    assert "Robin" not in alert.body and "Selfpay" not in alert.body and "1958" not in alert.body
    [acknowledgement] = [email for email in emails if email.to == ["robin@example.com"]]
    assert estimate.reference in acknowledgement.body

    thanks = client.get(SENT).content.decode()
    assert estimate.reference in thanks and third_weekday_after_today().strftime("%B %-d") in thanks
    assert "Robin" not in thanks


@pytest.mark.parametrize("field, value, message", [
    ("visit_type", "", "Please choose the visit the estimate is for."),
    ("visit_type", "999999", "Please choose one of the visits listed."),
    ("date_of_birth", "13/45/1958", "Enter your date of birth as month/day/year"),
    ("email", "robin-at-example", "Enter an email address like name@example.com."),
    ("coverage", "insurance", "Please tell us how you will pay."),
    ("expected_date", "01/02/2001", "The date has passed"),
    ("expected_date", "01/02/9999", "Please check the year."),
    ("phone", "12", "phone"),
    ("consent_to_contact", "", "Please tick this box so that we can send you your estimate."),
    ("last_name", "Self\u202epay", "hidden characters that turn the text around"),
])
def test_bad_input_keeps_what_was_typed_shows_the_message_by_the_box_and_saves_nothing(
    client, practice, visit_type, django_capture_on_commit_callbacks, field, value, message
):
    data = {**estimate_request_form(visit_type, phone="(301) 555-0177"), field: value}
    if not value:
        data.pop(field)

    response = send(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert message.lower() in " ".join(form.errors[field]).lower()
    html = response.content.decode()
    assert 'value="Robin"' in html and 'value="Self' in html and 'value="robin' in html
    assert not GoodFaithEstimate.objects.exists() and not OutboxMessage.objects.exists()


def test_a_bot_filling_the_hidden_box_saves_nothing(client, practice, visit_type, django_capture_on_commit_callbacks):
    response = send(client, django_capture_on_commit_callbacks, estimate_request_form(visit_type, website="http://spam.example"))
    assert response.status_code == 200 and "could not take this request online" in response.content.decode()
    assert not GoodFaithEstimate.objects.exists()


def test_the_same_form_sent_twice_asks_once(client, practice, visit_type, django_capture_on_commit_callbacks):
    data = estimate_request_form(visit_type, form_stamp=stamp_issued(10))
    send(client, django_capture_on_commit_callbacks, data)
    send(client, django_capture_on_commit_callbacks, data)
    assert GoodFaithEstimate.objects.count() == 1


def test_the_front_desk_sends_it_and_the_patient_opens_it_by_its_own_link_only(client, desk_client, practice, visit_type,
                                                                                 django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks, estimate_request_form(visit_type))
    estimate = GoodFaithEstimate.objects.get()
    make_estimate_item(visit_type)
    deliver_outbox()

    desk_client.post("/admin/appointments/goodfaithestimate/", {"action": "send_now", ACTION_CHECKBOX_NAME: [estimate.pk], "index": "0"})

    [email] = [email for email in deliver_outbox() if "Your good faith estimate" in email.subject]
    url = email.body.split("https://clinic.test", 1)[1].split()[0]
    assert url.startswith("/estimates/") and estimate.reference not in url and "robin" not in url.lower()
    client.logout()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Robin Selfpay" in html and "$95.00" in html and "not scheduled yet" in html
    assert client.get(url[:-3] + "xx/").status_code == 404
    assert client.get(f"/estimates/{estimate.reference}/").status_code == 404
