"""Spam and abuse on the booking form: the honeypot, the signed time-trap and the per-address limit."""

import re

import pytest

from appointments import antispam
from appointments.models import Appointment
from tests.factories import at, backdated, browser, details_form, stamp_issued, weekday_after
from tests.pages import DETAILS, assert_refused_with, form_stamp_in

pytestmark = pytest.mark.django_db


def test_a_filled_in_honeypot_is_refused(client, clinic):
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), website="http://spam.example"))
    assert_refused_with(response, antispam.REFUSED)


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, clinic):
    html = client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": at(weekday_after(3), 10).isoformat()}).content.decode()
    block = re.search(r'<div class="booking-extra" aria-hidden="true">(.*?)</div>', html, re.S).group(1)
    assert re.search(r'<input type="text" name="website" tabindex="-1" autocomplete="off"[^>]*>', block)
    assert ".booking-extra{width:1px;height:1px;position:absolute;left:-10000px;overflow:hidden}" in html  # the inlined stylesheet


def test_a_form_sent_back_too_fast_asks_to_press_again_then_books_on_the_next_try(client, clinic):
    # Autofill fills the form in at once: no refusal, a plain next step, everything kept.
    day = weekday_after(3)
    response = client.post(DETAILS, details_form(clinic.needling, at(day, 10), form_stamp=stamp_issued(0)))
    next_step = "Nothing is booked yet: please check your details and press ‘Book this appointment’ to confirm."
    html = assert_refused_with(response, next_step)
    assert antispam.TOO_FAST not in html and "Please check the following" not in html
    assert html.count(next_step) == 2  # at the top, and next to the button
    assert re.search(r'<div class="alert alert-warning confirm-notice" role="alert"', html)
    assert re.search(r'<p class="confirm-next-step" id="confirm-next-step">.*?</p>\s*<button type="submit"[^>]*aria-describedby="confirm-next-step">Book this appointment</button>', html, re.S)
    assert re.search(r'name="consent_to_contact"[^>]*checked', html)
    assert response.context["form"].needs_confirming and not response.context["form"].errors.get("email")
    # The page keeps the original stamp, so once a few seconds have passed the same form goes through.
    kept = form_stamp_in(html)
    assert antispam.read_stamp(kept, browser()).problem == antispam.TOO_FAST
    assert client.post(DETAILS, details_form(clinic.needling, at(day, 10), form_stamp=backdated(kept, 5))).status_code == 302
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("stamp", ["", "garbage", "booking-form:1:forged", "TAMPER", stamp_issued(3 * 60 * 60)])
def test_a_missing_tampered_or_stale_stamp_is_refused_and_replaced(client, clinic, stamp):
    if stamp == "TAMPER":
        good = stamp_issued(10)
        stamp = good[:-1] + ("A" if good[-1] != "A" else "B")
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), form_stamp=stamp))
    html = assert_refused_with(response, antispam.STALE)
    fresh = form_stamp_in(html)
    assert fresh != stamp and antispam.read_stamp(fresh, browser()).problem == antispam.TOO_FAST


def test_booking_posts_are_limited_per_address(client, clinic, settings):
    settings.BOOKING_RATE_LIMIT = 3
    settings.BOOKING_RATE_WINDOW_SECONDS = 600
    day = weekday_after(3)
    for attempt in range(3):
        response = client.post(DETAILS, details_form(clinic.needling, at(day, 10), email="not-an-email"))
        assert response.status_code == 200, attempt
    response = client.post(DETAILS, details_form(clinic.needling, at(day, 10)))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a few minutes" in html and "Nothing was booked" in html
    assert 'href="tel:+13015550142"' in html
    assert 0 < int(response["Retry-After"]) <= 601
    assert "no-store" in response["Cache-Control"]
    assert not Appointment.objects.exists()
    # Another address is not affected, and reading pages is never limited.
    assert client.post(DETAILS, details_form(clinic.needling, at(day, 10)), REMOTE_ADDR="192.0.2.7").status_code == 302
    assert client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": at(day, 11).isoformat()}).status_code == 200


def test_the_limit_counts_the_client_behind_our_own_proxy(client, clinic, settings):
    settings.BOOKING_RATE_LIMIT = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client connects from 127.0.0.1, as nginx on the app server
    data = details_form(clinic.needling, at(weekday_after(3), 10), email="not-an-email")
    assert client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # A forged left-hand entry does not give a fresh allowance.
    assert client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1").status_code == 429
    assert client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_a_forged_forwarded_header_from_a_direct_connection_gets_no_fresh_allowance(client, clinic, settings):
    settings.BOOKING_RATE_LIMIT = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    data = details_form(clinic.needling, at(weekday_after(3), 10), email="not-an-email")
    direct = {"REMOTE_ADDR": "203.0.113.50"}  # the app port reached without nginx
    assert client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="198.51.100.1", **direct).status_code == 200
    assert client.post(DETAILS, data, HTTP_X_FORWARDED_FOR="198.51.100.2", **direct).status_code == 429
    assert client.post(DETAILS, data, **direct).status_code == 429


def test_a_form_with_mistakes_is_not_also_told_it_was_too_fast(client, clinic):
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), email="", form_stamp=stamp_issued(0)))
    assert response.context["form"].errors == {"email": ["Please enter your email address."]}
    assert not Appointment.objects.exists()
