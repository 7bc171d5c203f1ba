"""The booking page and the contact boxes promise only what the practice can keep: what it says
about referrals is the practice's own text, and patients agree only to phone calls and emails."""

import pytest

from appointments.forms.booking import PatientDetailsForm
from appointments.forms.telehealth import TelehealthRequestForm
from clinic.models import SAMPLE_REFERRAL_NOTE, Practice
from tests.factories import at, make_practice, weekday_after
from tests.pages import DETAILS

pytestmark = pytest.mark.django_db


def test_it_shows_the_referral_text_as_staff_set_it(client):
    make_practice(referral_note="Most plans need no referral.\n\nHMO members: ask your primary care office for one first.")
    html = client.get("/book/").content.decode()
    assert '<p class="referral-note">Most plans need no referral.</p>' in html
    assert '<p class="referral-note">HMO members: ask your primary care office for one first.</p>' in html
    assert "You do not need a referral" not in html


def test_it_says_nothing_about_referrals_when_the_text_is_empty(client):
    make_practice(referral_note="")
    html = client.get("/book/").content.decode()
    assert "referral" not in html.lower()
    assert "New patients are welcome" in html


def test_a_change_to_the_referral_text_shows_at_once_on_the_cached_page(client):
    make_practice(referral_note="First wording.")
    assert "First wording." in client.get("/book/").content.decode()
    practice = Practice.objects.get()
    practice.referral_note = "Second wording."
    practice.save()
    html = client.get("/book/").content.decode()
    assert "Second wording." in html and "First wording." not in html


def test_the_sample_referral_text_does_not_promise_that_no_referral_is_needed():
    assert Practice().referral_note == SAMPLE_REFERRAL_NOTE
    assert "do not need a referral" not in SAMPLE_REFERRAL_NOTE
    assert "HMO" in SAMPLE_REFERRAL_NOTE and "Medicaid" in SAMPLE_REFERRAL_NOTE


def test_the_contact_consent_promises_no_text_messages(client, clinic):
    booking_form, request_form = PatientDetailsForm(), TelehealthRequestForm(allowed_states=["MD"])
    for form in (booking_form, request_form):
        consent = str(form.fields["consent_to_contact"].label)
        assert "text" not in consent.lower() and "phone and email" in consent
        assert "text" not in str(form.fields["phone"].help_text).lower()
    query = {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": at(weekday_after(3), 10).isoformat()}
    html = client.get(DETAILS, query).content.decode()
    assert "You may contact me by phone and email about this appointment." in html
    assert "text" not in html.split('name="consent_to_contact"')[1].split("</label>")[0]
