"""Issue 12 through the test client: a video booking asks where the patient will be before any
time, offers only clinicians licensed there, names the clinician and their licence type, needs
the consent to telehealth and records it; a patient elsewhere is told kindly, with the phone
number and the call-back form; a new patient choosing a treatment that starts with a
consultation is shown the way to it; the admin's side of all this."""

import re
from html import unescape

import pytest
from django.utils import timezone

from appointments import consent
from appointments.models import Appointment, OutboxMessage
from clinic.models import ProviderLicence
from clinic.roles import CONTENT_EDITORS
from tests.factories import (
    STAFF_VIDEO,
    at,
    details_form,
    make_staff,
    make_visit_type,
    next_monday,
    video_details,
    weekday_after,
)
from tests.pages import BOOK_TIME, DETAILS, assert_nothing_booked, time_buttons, without_stylesheet

pytestmark = pytest.mark.django_db

PRACTICE_PHONE = "(301) 555-0142"  # make_practice's number, as patients read it
CALL_BACK = "/telehealth/request/"


@pytest.fixture
def video(clinic):
    """A follow-up by video with Dana (licensed in MD, VA and DC) and Marcus (MD only)."""
    return make_visit_type([clinic.dana, clinic.marcus], name="Video follow-up", slug="video-follow-up", in_office=True, by_video=True)


def time_page(client, **params):
    return client.get(BOOK_TIME, {"visit": "video-follow-up", "mode": "video", **params})


def provider_options(html):
    return re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)


# --- Where will you be? --------------------------------------------------------------------------

def test_a_video_booking_asks_where_the_patient_will_be_before_any_time(client, video):
    response = time_page(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Where will you be during the video visit?</h1>" in html
    assert '<select name="state" id="id_state"' in html
    assert len(re.findall(r'<option value="[A-Z]{2}"', html)) == 51  # every state and DC
    assert '<option value="PA">Pennsylvania</option>' in html
    assert 'is-invalid' not in without_stylesheet(html)  # not an error: not asked yet
    assert time_buttons(html) == []
    assert '<form method="get" action="/book/time/"' in html  # the state travels in the address (README: Patient data)


def test_sending_no_state_asks_again_with_the_reason(client, video):
    html = time_page(client, state="").content.decode()
    assert "Please choose the state you will be in during the video visit." in html
    assert 'aria-invalid="true"' in html and time_buttons(html) == []


def test_a_patient_in_another_state_is_told_kindly_with_the_phone_number_and_the_call_back_form(client, video):
    response = time_page(client, state="PA")
    html = " ".join(unescape(response.content.decode()).split())
    assert response.status_code == 200
    assert "<h1>We cannot see you by video in Pennsylvania</h1>" in html
    assert "our clinicians are licensed to see patients by video only while they are in Maryland, Virginia and the District of Columbia" in html
    assert f'<a href="tel:+13015550142">{PRACTICE_PHONE}</a>' in html
    assert f'<a href="{CALL_BACK}">ask us to call you back</a>' in html
    assert time_buttons(html) == []
    assert "Will you be somewhere else during the visit?" in html


def test_only_clinicians_licensed_in_the_state_are_offered_with_their_times(client, clinic, video):
    day = weekday_after(3)
    html = time_page(client, state="VA", week=day.isoformat()).content.decode()
    assert "video visit from Virginia" in html
    assert [name for _, name in provider_options(html)] == ["Dana Whitfield, MD"]
    assert '<input type="hidden" name="state" value="VA">' in html
    assert at(day, 9).isoformat() in time_buttons(html)
    assert "&amp;state=VA&amp;week=" in html  # the week links keep the state

    html = time_page(client, state="MD", week=day.isoformat()).content.decode()
    assert [name for _, name in provider_options(html)] == ["Dana Whitfield, MD", "Marcus Ellery, MD"]


def test_a_clinician_not_licensed_in_the_state_cannot_be_chosen(client, clinic, video):
    response = time_page(client, state="VA", provider=clinic.marcus.pk)
    assert response.status_code == 400
    assert "Marcus Ellery is not licensed in Virginia" in unescape(response.content.decode())


def test_the_time_page_by_video_runs_at_most_fourteen_queries(client, clinic, video, django_assert_max_num_queries):
    for params in ({"provider": "any"}, {"provider": clinic.dana.pk}):
        # With nothing cached, the availability version, settings and hours under it first (appointments.booking_pages).
        with django_assert_max_num_queries(14):
            response = time_page(client, state="MD", **params)
        assert response.status_code == 200


# --- The details page: who, as what, and the consent ---------------------------------------------

def test_the_details_page_names_the_clinician_and_their_licence_and_asks_for_consent(client, clinic, video):
    day = weekday_after(3)
    response = client.get(DETAILS, {"visit": "video-follow-up", "mode": "video", "provider": "any", "state": "VA", "start": at(day, 9).isoformat()})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    # "First available" becomes the clinician the patient is told about, and the form books with them.
    assert f'<input type="hidden" name="provider" value="{clinic.dana.pk}">' in html
    assert "Your clinician: <strong>Dana Whitfield</strong>, licensed in Virginia as a physician (MD)." in html
    assert f'You can reach them through the practice at <a href="tel:+13015550142">{PRACTICE_PHONE}</a>.' in html
    ProviderLicence.objects.filter(provider=clinic.dana, state="VA").update(number="0102-123456")
    html = unescape(client.get(DETAILS, {
        "visit": "video-follow-up", "mode": "video", "provider": "any", "state": "VA", "start": at(day, 9).isoformat(),
    }).content.decode())
    assert "licensed in Virginia as a physician (MD) (licence number 0102-123456)." in html
    for paragraph in consent.TELEHEALTH_CONSENT_TEXT:
        assert f"<p>{paragraph}</p>" in html
    assert f'<input type="hidden" name="consent_version" value="{consent.TELEHEALTH_CONSENT_VERSION}">' in html
    assert re.search(r'<input type="checkbox" name="telehealth_consent"[^>]*required', html)
    assert "Video visit, while you are in Virginia" in html
    assert '<input type="hidden" name="state" value="VA">' in html


def test_an_office_visit_asks_no_consent(client, clinic, video):
    html = client.get(DETAILS, {"visit": "video-follow-up", "mode": "in_office", "provider": "any", "start": at(weekday_after(3), 9).isoformat()}).content.decode()
    assert "telehealth_consent" not in html and "Your clinician:" not in html


def test_a_video_visit_is_booked_with_the_state_the_consent_time_and_its_version(client, clinic, video):
    before = timezone.now()
    response = client.post(DETAILS, details_form(video, at(weekday_after(3), 9), mode="video", provider=str(clinic.marcus.pk), **video_details("MD")))
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.provider, appointment.modality, appointment.patient_state) == (clinic.marcus, "video", "MD")
    assert before <= appointment.telehealth_consent_at <= timezone.now()
    assert appointment.telehealth_consent_version == consent.TELEHEALTH_CONSENT_VERSION


def test_without_the_consent_nothing_is_booked_and_the_box_says_why(client, clinic, video):
    data = details_form(video, at(weekday_after(3), 9), mode="video", provider=str(clinic.dana.pk), **video_details("MD"))
    del data["telehealth_consent"]
    response = client.post(DETAILS, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"telehealth_consent": [consent.NOT_GIVEN]}
    assert f'<a href="#id_telehealth_consent">{consent.NOT_GIVEN}</a>' in unescape(response.content.decode())
    assert_nothing_booked()


def test_a_form_sent_with_an_older_wording_is_asked_again(client, clinic, video):
    data = details_form(video, at(weekday_after(3), 9), mode="video", provider=str(clinic.dana.pk), **video_details("MD"))
    data["consent_version"] = "2020-01-old"
    response = client.post(DETAILS, data)
    assert response.context["form"].errors == {"telehealth_consent": [consent.WORDING_CHANGED]}
    assert_nothing_booked()


@pytest.mark.parametrize("state, provider, message", [
    ("VA", "marcus", "Marcus Ellery is not licensed in Virginia"),
    ("PA", "dana", "can see you by video only while you are in Maryland, Virginia and the District of Columbia"),
    ("", "dana", "Please choose the state you will be in during the video visit."),
])
def test_a_tampered_state_or_clinician_books_nothing(client, clinic, video, state, provider, message):
    data = details_form(video, at(weekday_after(3), 9), mode="video", provider=str(getattr(clinic, provider).pk), **video_details(state))
    response = client.post(DETAILS, data)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert_nothing_booked()


def test_the_state_posted_is_kept_out_of_error_reports(client, clinic, video):
    data = details_form(video, at(weekday_after(3), 9), mode="video", provider=str(clinic.dana.pk), **video_details("MD"))
    request = client.post(DETAILS, data).wsgi_request
    assert "state" in request.sensitive_post_parameters


# --- New patients: a consultation first -------------------------------------------------------------

@pytest.fixture
def consultation(clinic):
    clinic.needling.new_patients_may_book = False
    clinic.needling.save()
    return make_visit_type(
        [clinic.dana, clinic.marcus], name="New patient consultation", slug="new-patient-consultation", new_patients_only=True,
        by_video=True, order=0,
    )


def test_a_new_patient_choosing_dry_needling_is_guided_to_the_consultation(client, clinic, consultation):
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), is_new_patient="yes"))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    [message] = response.context["form"].errors["is_new_patient"]
    assert message.startswith("New patients start with a new patient consultation")
    url = "/book/time/?visit=new-patient-consultation&mode=in_office&provider=any"
    assert f'<a class="btn btn-primary" href="{url.replace("&", "&amp;")}">Book a new patient consultation instead</a>' in response.content.decode()
    assert f'<a href="#id_is_new_patient_0">{message}</a>' in html  # next to the field, from the summary
    assert_nothing_booked()
    assert client.get(url).status_code == 200


def test_a_returning_patient_books_it(client, clinic, consultation):
    response = client.post(DETAILS, details_form(clinic.needling, at(weekday_after(3), 10), is_new_patient="no"))
    assert response.status_code == 302 and Appointment.objects.get().visit_type == clinic.needling


def test_the_first_steps_say_new_patients_start_with_a_consultation(client, clinic, consultation):
    html = client.get("/book/").content.decode()
    assert "in the office only, for returning patients (new patients book a consultation first)." in html
    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office"}).content.decode()
    assert "<strong>New patient?</strong> New patients start with a new patient consultation" in html
    assert 'href="/book/time/?visit=new-patient-consultation&amp;mode=in_office&amp;provider=any">Book a new patient consultation</a>' in html
    html = client.get(BOOK_TIME, {"visit": "follow-up-visit", "mode": "in_office"}).content.decode()
    assert "New patient?" not in html


# --- The admin -------------------------------------------------------------------------------------

@pytest.fixture
def desk_client(client):
    from clinic.roles import FRONT_DESK

    client.force_login(make_staff("desk", group=FRONT_DESK))
    return client


def staff_booking(provider, visit_type, **overrides):
    local = timezone.localtime(at(next_monday(), 10))
    data = {
        "provider": str(provider.pk), "visit_type": str(visit_type.pk), "modality": "video",
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"), "video_link": "",
        "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": "1958-07-14", "phone": "(301) 555-0188",
        "email": "rosalind.quigley@example.com", "reason": "", **STAFF_VIDEO,
        "coverage": "insurance", "insurance_plan_name": "Acme Health PPO",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


ADD_URL = "/admin/appointments/appointment/add/"


def test_the_staff_booking_form_shows_the_consent_to_read_out(desk_client, video):
    html = unescape(desk_client.get(ADD_URL).content.decode())
    assert "Video visit: where the patient will be, and their consent" in html
    assert consent.TELEHEALTH_CONSENT_TEXT[0] in html
    assert consent.STAFF_CONFIRMS in html


@pytest.mark.parametrize("overrides, field, words", [
    ({"patient_state": None}, "patient_state", "Choose the state the patient will be in"),
    ({"patient_state": "VA"}, "provider", "not licensed in Virginia"),
    ({"telehealth_consent": None}, "telehealth_consent", "consent to telehealth"),
])
def test_staff_booking_by_video_needs_the_state_a_licence_there_and_the_consent(desk_client, clinic, video, overrides, field, words):
    response = desk_client.post(ADD_URL, staff_booking(clinic.marcus, video, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert words in errors[field][0]
    assert not Appointment.objects.exists() and not OutboxMessage.objects.exists()


def test_staff_booking_by_video_records_the_state_and_the_consent_shown_read_only(desk_client, clinic, video):
    response = desk_client.post(ADD_URL, staff_booking(clinic.marcus, video))
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient_state, appointment.telehealth_consent_version) == ("MD", consent.TELEHEALTH_CONSENT_VERSION)
    assert appointment.telehealth_consent_at is not None

    response = desk_client.get(f"/admin/appointments/appointment/{appointment.pk}/change/")
    form = response.context["adminform"].form
    assert not {"patient_state", "telehealth_consent_at", "telehealth_consent_version"} & set(form.fields)  # read-only
    html = unescape(response.content.decode())
    assert "Maryland" in html and f"Version {consent.TELEHEALTH_CONSENT_VERSION}:" in html
    assert consent.TELEHEALTH_CONSENT_TEXT[-1] in html


def test_staff_book_an_office_visit_without_a_state_or_consent(desk_client, clinic, video):
    response = desk_client.post(ADD_URL, staff_booking(clinic.marcus, video, modality="in_office", patient_state=None, telehealth_consent=None))
    assert response.status_code == 302
    assert Appointment.objects.get().telehealth_consent_at is None


def test_content_editors_edit_a_clinicians_licences_on_their_page(client, clinic):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    url = f"/admin/clinic/provider/{clinic.marcus.pk}/change/"
    html = client.get(url).content.decode()
    assert "licences (video visits are offered only to patients in these states)" in html.lower()
    marcus = clinic.marcus
    [licence] = marcus.licences.all()
    data = {
        "name": marcus.name, "slug": marcus.slug, "credentials": marcus.credentials, "role": marcus.role, "bio": "",
        "photo_alt": "", "offers_telehealth": "on", "is_active": "on", "order": "2", "languages": "English",
        "licences-TOTAL_FORMS": "2", "licences-INITIAL_FORMS": "1", "licences-MIN_NUM_FORMS": "0", "licences-MAX_NUM_FORMS": "1000",
        "licences-0-id": str(licence.pk), "licences-0-provider": str(marcus.pk), "licences-0-state": "MD",
        "licences-0-licence_type": "DO", "licences-0-number": "",
        "licences-1-id": "", "licences-1-provider": str(marcus.pk), "licences-1-state": "VA",
        "licences-1-licence_type": "DO", "licences-1-number": "0102-123456",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert sorted(marcus.licences.values_list("state", "licence_type")) == [("MD", "DO"), ("VA", "DO")]
    assert "MD, VA" in client.get("/admin/clinic/provider/").content.decode()


def test_staff_choose_per_visit_type_whether_new_patients_book_it_directly(client, clinic):
    client.force_login(make_staff("boss", superuser=True))
    html = client.get(f"/admin/appointments/visittype/{clinic.needling.pk}/change/").content.decode()
    assert 'name="new_patients_may_book"' in html and "New patients may book it directly" in html

