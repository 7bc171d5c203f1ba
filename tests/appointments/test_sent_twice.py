"""A patient form sent twice (a double click, a re-send after a lost connection) saves once and
answers with what it saved; a form's stamp works only in the browser it was shown to, so a
replayed stamp saves nothing (appointments.antispam)."""

import pytest
from django.test import Client

from appointments import antispam
from appointments.models import Appointment, OutboxMessage, TelehealthRequest
from tests.factories import PATIENT, at, details_form, license_in, make_practice, make_provider, stamp_issued, weekday_after
from tests.pages import DETAILS

pytestmark = pytest.mark.django_db

TELEHEALTH_FORM = "/telehealth/request/"


def test_a_booking_form_sent_twice_books_once_and_shows_the_first_booking_again(client, clinic):
    form = details_form(clinic.needling, at(weekday_after(3), 10))
    first = client.post(DETAILS, form)
    again = client.post(DETAILS, form, follow=True)

    assert first.status_code == 302 and first["Location"] == "/book/confirmed/"
    [appointment] = Appointment.objects.all()
    assert again.redirect_chain == [("/book/confirmed/", 302)]
    assert again.context["appointment"] == appointment
    assert OutboxMessage.objects.filter(kind="patient_received").count() == 1


def test_a_booking_form_sent_again_with_first_available_books_no_second_provider(client, clinic):
    # Dana and Marcus both do dry needling: a second booking would find Marcus free.
    form = details_form(clinic.needling, at(weekday_after(3), 10), provider="any")
    client.post(DETAILS, form)
    client.post(DETAILS, form)
    assert Appointment.objects.count() == 1


def test_a_stamp_from_another_browser_is_refused_and_nothing_is_saved(client, clinic):
    somebody_elses = stamp_issued(10, shown_to=antispam.key_of_secret("AnotherBrowserSecret0123456789ab"))
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), form_stamp=somebody_elses))
    assert response.status_code == 200
    assert antispam.OTHER_BROWSER in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_browser_without_a_csrf_cookie_gets_the_form_back_with_a_stamp_for_the_cookie_it_is_given(clinic, settings):
    browser = Client()
    form = details_form(clinic.needling, at(weekday_after(3), 10))
    response = browser.post(DETAILS, form)
    assert antispam.OTHER_BROWSER in response.content.decode()
    assert not Appointment.objects.exists()
    # The page set a cookie and a stamp for it; the patient presses the button again a moment later.
    stamp = response.context["form_stamp"]
    signer_value = antispam.signing.TimestampSigner(salt=antispam.SALT).unsign(stamp)
    assert signer_value.endswith("." + antispam.key_of_secret(browser.cookies[settings.CSRF_COOKIE_NAME].value))


def test_a_replayed_stamp_saves_nothing_for_another_browser(client, clinic, settings):
    form = details_form(clinic.needling, at(weekday_after(3), 10))
    assert client.post(DETAILS, form).status_code == 302
    bot = Client()
    bot.cookies[settings.CSRF_COOKIE_NAME] = "ABotsOwnSecret0123456789abcdefgh"
    replay = bot.post(DETAILS, {**form, "start": at(weekday_after(3), 14).isoformat()})
    assert replay.status_code == 200 and antispam.OTHER_BROWSER in replay.content.decode()
    assert Appointment.objects.count() == 1


def test_a_telehealth_request_sent_twice_is_saved_once(client, settings, django_capture_on_commit_callbacks):
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    make_practice()
    license_in(make_provider(offers_telehealth=True), "MD", "VA", "DC")  # where a clinician sees patients by video
    form = {**PATIENT, "state": "MD", "website": "", "form_stamp": stamp_issued(10)}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(TELEHEALTH_FORM, form)
        again = client.post(TELEHEALTH_FORM, form, follow=True)
    assert first.status_code == 302
    [request] = TelehealthRequest.objects.all()
    assert again.context["telehealth_request"] == request
    assert OutboxMessage.objects.count() == 2  # the patient's acknowledgement and the front desk's alert, once


def test_back_after_booking_and_the_form_sent_again_shows_the_booking_not_nothing_is_booked(client, clinic):
    """The browser's Back shows the details page afresh (a new form, a new stamp): sent again by the
    same browser for the same time and email, it is the confirmation of what was booked, once."""
    starts_at = at(weekday_after(3), 10)
    assert client.post(DETAILS, details_form(clinic.needling, starts_at))["Location"] == "/book/confirmed/"
    again = client.post(DETAILS, details_form(clinic.needling, starts_at, form_stamp=stamp_issued(5)))
    assert again.status_code == 302 and again["Location"] == "/book/confirmed/"
    assert Appointment.objects.count() == 1


def test_back_after_a_telehealth_request_and_the_form_sent_again_makes_no_second_request(client, settings):
    """A new form (Back shows it afresh, with a new stamp) sent by the same browser for the same email
    while the first request waits: its thank-you page again, one request, one pair of emails. Another
    browser with the same email still sends its own (nothing is told about anyone else's request)."""
    make_practice()
    license_in(make_provider(offers_telehealth=True), "MD")
    client.post(TELEHEALTH_FORM, {**PATIENT, "state": "MD", "website": "", "form_stamp": stamp_issued(10)})
    again = client.post(TELEHEALTH_FORM, {**PATIENT, "state": "MD", "website": "", "form_stamp": stamp_issued(5)}, follow=True)
    [request] = TelehealthRequest.objects.all()
    assert again.context["telehealth_request"] == request
    other = Client()
    other.cookies[settings.CSRF_COOKIE_NAME] = client.cookies[settings.CSRF_COOKIE_NAME].value
    other.post(TELEHEALTH_FORM, {**PATIENT, "state": "MD", "website": "", "form_stamp": stamp_issued(6)})
    assert TelehealthRequest.objects.count() == 2


def test_a_parent_asking_for_two_children_from_one_browser_sends_two_requests(client):
    """The same browser and email, another name: another person's request, not the first one again."""
    make_practice()
    license_in(make_provider(offers_telehealth=True), "MD")
    form = {**PATIENT, "state": "MD", "website": "", "email": "parent@example.com"}
    client.post(TELEHEALTH_FORM, {**form, "first_name": "Ada", "form_stamp": stamp_issued(10)})
    client.post(TELEHEALTH_FORM, {**form, "first_name": "Ben", "date_of_birth": "02/03/2015", "form_stamp": stamp_issued(5)})
    assert sorted(TelehealthRequest.objects.values_list("first_name", flat=True)) == ["Ada", "Ben"]
