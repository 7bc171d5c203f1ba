"""The telehealth page and the telehealth request form through the test client: a request
sent and acknowledged, the state the patient will be in, every bad input (the message
next to the box, everything typed kept, nothing saved, nothing emailed), the spam traps
and the per-address limit, the emails, and the page that shows the reference."""

import re
from html import unescape

import pytest

from appointments import antispam, notifications
from appointments.forms.telehealth import CHOOSE_A_STATE, REQUEST_REFUSED
from clinic.models import ProviderLicence
from appointments.models import BookingSettings, OutboxMessage, TelehealthPage, TelehealthRequest
from tests.factories import (
    MAIL_SERVER_DOWN,
    TRACED_PATIENT,
    browser,
    deliver_outbox,
    license_in,
    make_practice,
    make_provider,
    make_visit_type,
    stamp_issued,
    TypedDate,
    typed,
)
from tests.pages import form_stamp_in, leaks

pytestmark = pytest.mark.django_db

PAGE = "/telehealth/"
FORM = "/telehealth/request/"
SENT = "/telehealth/request/sent/"
PRACTICE_PHONE = "(301) 555-0142"  # make_practice's number, as patients read it

# The patient whose details `leaks` knows in every way they can be written, by video from Virginia.
PATIENT = {
    **TRACED_PATIENT,
    "state": "VA",
    "preferred_days": ["Monday", "Thursday"],
    "preferred_times": ["Morning"],
}


@pytest.fixture
def practice(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    settings.SITE_URL = "https://clinic.test"
    BookingSettings.load()
    # A clinician who sees patients by video, licensed in Maryland, Virginia and DC.
    license_in(make_provider(name="Dana Whitfield", offers_telehealth=True), "MD", "VA", "DC")
    return make_practice()


def request_form(**overrides):
    """What the form posts: the patient's details and a stamp from 10 seconds ago; None leaves a field out."""
    data = {**PATIENT, "website": "", "form_stamp": stamp_issued(10)}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def send(client, capture_on_commit, data):
    # Whatever runs after the transaction commits runs, as on the live site; then the outbox
    # worker does its round.
    with capture_on_commit(execute=True):
        response = client.post(FORM, data)
    deliver_outbox()
    return response


def assert_nothing_saved(mailoutbox=()):
    assert not TelehealthRequest.objects.exists()
    assert not OutboxMessage.objects.exists()
    deliver_outbox()
    assert list(mailoutbox) == []


def assert_typed_values_kept(html, but=()):
    for name in ("first_name", "last_name", "email", "date_of_birth"):
        if name not in but:
            assert f'value="{PATIENT[name]}"' in html, name
    if "phone" not in but:
        assert f'value="{PATIENT["phone"]}"' in html
    if "reason" not in but:
        assert re.search(rf">\s*{PATIENT['reason']}</textarea>", html)
    if "is_new_patient" not in but:
        assert re.search(r'name="is_new_patient" value="yes"[^>]*checked', html)
    if "state" not in but:
        assert '<option value="VA" selected>Virginia</option>' in html
    if "preferred_days" not in but:
        assert re.search(r'name="preferred_days" value="Monday"[^>]*checked', html)
        assert re.search(r'name="preferred_days" value="Thursday"[^>]*checked', html)
        assert not re.search(r'name="preferred_days" value="Tuesday"[^>]*checked', html)
    if "preferred_times" not in but:
        assert re.search(r'name="preferred_times" value="Morning"[^>]*checked', html)
    if "consent_to_contact" not in but:
        assert re.search(r'name="consent_to_contact"[^>]*checked', html)


# --- A request, start to end ----------------------------------------------------

def test_it_saves_a_request_emails_both_and_shows_the_reference(client, practice, mailoutbox, django_capture_on_commit_callbacks):
    html = client.get(FORM).content.decode()
    assert '<form method="post" action="/telehealth/request/"' in html
    stamp = form_stamp_in(html)
    assert antispam.read_stamp(stamp, browser()).problem == antispam.TOO_FAST  # just shown
    assert "Our providers are licensed in Maryland, Virginia and the District of Columbia" in html

    response = send(client, django_capture_on_commit_callbacks, request_form())
    assert response.status_code == 302 and response["Location"] == SENT
    request = TelehealthRequest.objects.get()
    assert (request.first_name, request.last_name, request.date_of_birth.isoformat()) == ("Zebedee", "Quillfeather", "1961-07-19")
    assert request.phone == "+13015550187" and request.email == "zebedee.q@example.com"
    assert request.is_new_patient and request.consent_to_contact
    assert request.state == "VA"
    assert request.preferred_days == "Monday,Thursday" and request.preferred_times == "Morning"
    assert request.reason == "left shoulder knot since March"
    assert request.status == TelehealthRequest.Status.NEW and request.appointment is None
    assert sorted(message.to[0] for message in mailoutbox) == ["frontdesk@clinic.test", "zebedee.q@example.com"]

    html = client.get(SENT).content.decode()
    assert f'<p class="reference-code">{request.reference}</p>' in html
    assert "within one business day, during office hours" in html
    assert "Zebedee" not in html and "1961" not in html and "0187" not in html


def test_preferences_are_optional(client, practice, django_capture_on_commit_callbacks):
    response = send(client, django_capture_on_commit_callbacks, request_form(preferred_days=None, preferred_times=None, reason=""))
    assert response.status_code == 302
    request = TelehealthRequest.objects.get()
    assert (request.preferred_days, request.preferred_times, request.reason) == ("", "", "")


def test_the_request_and_its_emails_are_saved_together_or_not_at_all(client, practice, monkeypatch):
    def fail_after_queueing(telehealth_request):
        OutboxMessage.objects.create(kind="patient_telehealth_request", to="x@example.com", subject="s", body="b")
        raise RuntimeError("the outbox broke")

    monkeypatch.setattr(notifications, "queue_telehealth_request_received", fail_after_queueing)
    with pytest.raises(RuntimeError):
        client.post(FORM, request_form())
    assert_nothing_saved()


# --- The state during the visit --------------------------------------------------

@pytest.mark.parametrize("state", ["MD", "VA", "DC"])
def test_a_patient_in_a_licensed_state_can_send_a_request(client, practice, django_capture_on_commit_callbacks, state):
    assert send(client, django_capture_on_commit_callbacks, request_form(state=state)).status_code == 302
    assert TelehealthRequest.objects.get().state == state


@pytest.mark.parametrize("state", ["NY", "PA", "CA"])
def test_a_patient_in_another_state_is_told_to_call_and_nothing_is_saved(
    client, practice, mailoutbox, django_capture_on_commit_callbacks, state
):
    response = send(client, django_capture_on_commit_callbacks, request_form(state=state))
    assert response.status_code == 200
    message = (
        "Our providers can only see patients in Maryland, Virginia and the District of Columbia by video. "
        f"Please call us at {PRACTICE_PHONE} and we will find another way to see you."
    )
    assert response.context["form"].errors == {"state": [message]}
    html = unescape(response.content.decode())
    assert f'<li><a href="#id_state">{message}</a></li>' in html
    assert re.search(r'id="id_state_error"[^>]*>\s*<p id="error_1_id_state"><strong>Our providers can only see patients', html)
    assert f'<option value="{state}" selected>' in html
    assert_typed_values_kept(html, but=["state"])
    assert_nothing_saved(mailoutbox)


@pytest.mark.parametrize("state", [None, "", "ZZ", "md", "Maryland"])
def test_a_missing_or_unknown_state_is_asked_for(client, practice, mailoutbox, django_capture_on_commit_callbacks, state):
    response = send(client, django_capture_on_commit_callbacks, request_form(state=state))
    assert response.status_code == 200
    assert response.context["form"].errors == {"state": [CHOOSE_A_STATE]}
    assert 'id="id_state_error"' in response.content.decode()
    assert_nothing_saved(mailoutbox)


def test_the_licensed_states_are_where_a_clinician_who_sees_patients_by_video_is_licensed(
    client, practice, mailoutbox, django_capture_on_commit_callbacks,
):
    ProviderLicence.objects.all().delete()
    license_in(make_provider(name="Vera Video", offers_telehealth=True), "MD", "PA")
    # Not counted: a clinician who does not see patients by video, and one who has left.
    license_in(make_provider(name="Olive Office", offers_telehealth=False), "VA")
    license_in(make_provider(name="Lena Left", offers_telehealth=True, is_active=False), "VA")
    assert "Our providers are licensed in Maryland and Pennsylvania" in client.get(FORM).content.decode()
    response = send(client, django_capture_on_commit_callbacks, request_form(state="VA"))
    assert response.context["form"].errors["state"] == [
        f"Our providers can only see patients in Maryland and Pennsylvania by video. Please call us at {PRACTICE_PHONE} "
        "and we will find another way to see you."
    ]
    assert_nothing_saved(mailoutbox)
    assert send(client, django_capture_on_commit_callbacks, request_form(state="PA")).status_code == 302


def test_with_no_licensed_states_every_state_is_told_to_call(client, practice, mailoutbox, django_capture_on_commit_callbacks):
    ProviderLicence.objects.all().delete()
    response = send(client, django_capture_on_commit_callbacks, request_form(state="MD"))
    assert response.context["form"].errors["state"] == [f"We cannot offer video visits at the moment. Please call us at {PRACTICE_PHONE}."]
    assert_nothing_saved(mailoutbox)


# --- Bad details -------------------------------------------------------------------

@pytest.mark.parametrize(
    "field, value, message",
    [
        ("first_name", "", "Please enter your first name."),
        ("last_name", "", "Please enter your last name."),
        ("first_name", "x" * 61, "Ensure this value has at most 60 characters"),
        ("date_of_birth", "", "Please enter your date of birth."),
        ("date_of_birth", TypedDate(), "Your date of birth must be in the past."),
        ("date_of_birth", TypedDate(years=-1), "Your date of birth must be in the past."),
        ("date_of_birth", TypedDate(years=120), "Please check the year of your date of birth."),
        ("date_of_birth", "31/31/1961", "Enter your date of birth as month/day/year"),
        ("phone", "", "Please enter a phone number we can reach you on."),
        ("phone", "555-0187", "Enter a full phone number with area code"),
        ("phone", "not a phone", "Enter a full phone number with area code"),
        ("email", "", "Please enter your email address."),
        ("email", "zebedee@", "Enter an email address like name@example.com."),
        ("is_new_patient", None, "Please tell us whether you are a new or returning patient."),
        ("is_new_patient", "maybe", "Please tell us whether you are a new or returning patient."),
        ("preferred_days", ["Monday", "Sunday"], "Please tick only the days shown."),
        ("preferred_times", ["Evening"], "Please tick only the times shown."),
        ("reason", "x" * 501, "Please shorten this to 500 characters or fewer (it has 501)."),
        ("consent_to_contact", None, "Please tick this box so that we can call you back."),
    ],
)
def test_each_bad_detail_gets_its_message_next_to_the_box_and_nothing_is_saved(
    client, practice, mailoutbox, django_capture_on_commit_callbacks, field, value, message
):
    value = typed(value)
    response = send(client, django_capture_on_commit_callbacks, request_form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert any(message in error for error in errors[field])
    html = unescape(response.content.decode())
    # Next to the box, and in the summary at the top with a link to it.
    grouped = field in ("is_new_patient", "preferred_days", "preferred_times")
    target = f"id_{field}_0" if grouped else f"id_{field}"
    assert f'<li><a href="#{target}">' in html
    if grouped:
        block = re.search(rf'<div id="div_id_{field}".*?</fieldset>', html, re.S).group(0)
        assert message in block
    else:
        assert f'id="id_{field}_error"' in html
    if isinstance(value, str) and value and field not in ("reason", "is_new_patient"):
        assert f'value="{value}"' in html  # the wrong value is shown, to be corrected
    assert_typed_values_kept(html, but=[field])
    assert_nothing_saved(mailoutbox)


def test_an_empty_form_lists_every_required_box(client, practice, mailoutbox):
    response = client.post(FORM, {"form_stamp": stamp_issued(10)})
    assert set(response.context["form"].errors) == {
        "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "state", "consent_to_contact",
    }
    assert_nothing_saved(mailoutbox)


@pytest.mark.parametrize("field", [*PATIENT, "website", "form_stamp"])
@pytest.mark.parametrize("value", ["\x00", "a" * 10000, "<script>alert(1)</script>", "９９", "💥" * 100, ["a", "b"]])
def test_garbage_in_any_field_never_gives_a_500(client, practice, django_capture_on_commit_callbacks, field, value):
    response = send(client, django_capture_on_commit_callbacks, request_form(**{field: value}))
    assert response.status_code in (200, 302)
    assert "<script>alert(1)</script>" not in response.content.decode()
    if field in ("state", "date_of_birth", "phone", "email", "is_new_patient", "preferred_days", "preferred_times", "website"):
        assert response.status_code == 200
        assert not TelehealthRequest.objects.exists()


# --- Spam and abuse ------------------------------------------------------------------

def test_a_filled_in_honeypot_is_refused(client, practice, mailoutbox, django_capture_on_commit_callbacks):
    response = send(client, django_capture_on_commit_callbacks, request_form(website="http://spam.example"))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert f"<li>{REQUEST_REFUSED}</li>" in html
    assert_typed_values_kept(html)
    assert_nothing_saved(mailoutbox)


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, practice):
    html = client.get(FORM).content.decode()
    block = re.search(r'<div class="booking-extra" aria-hidden="true">(.*?)</div>', html, re.S).group(1)
    assert re.search(r'<input type="text" name="website" tabindex="-1" autocomplete="off"[^>]*>', block)


def test_a_form_sent_back_too_fast_is_refused_then_accepted_on_the_next_try(client, practice, mailoutbox, django_capture_on_commit_callbacks):
    response = send(client, django_capture_on_commit_callbacks, request_form(form_stamp=stamp_issued(0)))
    html = unescape(response.content.decode())
    assert "Nothing is sent yet: please check your details and press ‘Send my request’ to confirm." in html
    assert antispam.TOO_FAST not in html and "Please check the following" not in html
    assert_typed_values_kept(html)
    assert_nothing_saved(mailoutbox)
    kept = form_stamp_in(html)
    assert antispam.read_stamp(kept, browser()).problem == antispam.TOO_FAST  # the same stamp, still running
    assert send(client, django_capture_on_commit_callbacks, request_form(form_stamp=stamp_issued(5))).status_code == 302


@pytest.mark.parametrize("stamp", ["", "garbage", "booking-form:1:forged", stamp_issued(3 * 60 * 60)])
def test_a_missing_forged_or_stale_stamp_is_refused_and_replaced(client, practice, mailoutbox, django_capture_on_commit_callbacks, stamp):
    response = send(client, django_capture_on_commit_callbacks, request_form(form_stamp=stamp))
    html = unescape(response.content.decode())
    assert antispam.STALE in html
    assert_nothing_saved(mailoutbox)
    fresh = form_stamp_in(html)
    assert fresh != stamp and antispam.read_stamp(fresh, browser()).problem == antispam.TOO_FAST


def test_request_posts_are_limited_per_address(client, practice, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.BOOKING_RATE_LIMIT = 3
    settings.BOOKING_RATE_WINDOW_SECONDS = 600
    for attempt in range(3):
        response = send(client, django_capture_on_commit_callbacks, request_form(email="not-an-email"))
        assert response.status_code == 200, attempt
    response = send(client, django_capture_on_commit_callbacks, request_form())
    assert response.status_code == 429
    assert 'href="tel:+13015550142"' in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 601
    assert "no-store" in response["Cache-Control"]
    assert_nothing_saved(mailoutbox)
    # Another address is not affected, and reading the form is never limited.
    assert client.get(FORM).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(FORM, request_form(), REMOTE_ADDR="192.0.2.7").status_code == 302


def test_the_form_hides_the_patients_details_from_error_reports(client, practice):
    request = client.post(FORM, request_form(email="zebedee@")).wsgi_request
    assert {"first_name", "last_name", "date_of_birth", "phone", "email", "reason", "state"} <= set(request.sensitive_post_parameters)


# --- The emails ---------------------------------------------------------------------

def test_the_patient_is_told_when_we_will_call_and_given_the_reference(client, practice, mailoutbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks, request_form())
    request = TelehealthRequest.objects.get()
    [email] = [message for message in mailoutbox if message.to == ["zebedee.q@example.com"]]
    assert email.subject == "We have your request — Test Spine Practice"
    assert leaks(email.subject) == [] and "telehealth" not in email.subject.lower()
    assert "Hello Zebedee," in email.body
    assert "within one business day, during office hours" in email.body
    assert f"Reference: {request.reference}" in email.body
    assert "the number ending in 0187" in email.body
    assert "Monday, Thursday, morning" in email.body
    assert f"Questions? Call us at {PRACTICE_PHONE}." in email.body
    assert "shoulder knot" not in email.body  # the reason stays out of email
    assert email.attachments == []
    assert OutboxMessage.objects.get(to="zebedee.q@example.com").kind == "patient_telehealth_request"


def test_the_front_desk_alert_has_only_the_reference_and_an_admin_link(client, practice, mailoutbox, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks, request_form())
    request = TelehealthRequest.objects.get()
    [alert] = [message for message in mailoutbox if message.to == ["frontdesk@clinic.test"]]
    assert alert.subject == f"New telehealth request {request.reference} — please call back"
    assert f"Reference: {request.reference}" in alert.body
    assert f"https://clinic.test/admin/appointments/telehealthrequest/{request.pk}/change/" in alert.body
    text = alert.subject + "\n" + alert.body
    assert leaks(text) == []
    for value in ("Virginia", "Monday", "Thursday", "Morning", "new patient"):
        assert value.lower() not in text.lower(), value
    assert alert.attachments == []
    assert OutboxMessage.objects.get(to="frontdesk@clinic.test").kind == "staff_telehealth_request"


def test_no_staff_alert_is_queued_without_a_front_desk_address(client, practice, settings, django_capture_on_commit_callbacks):
    settings.FRONT_DESK_EMAIL = ""
    assert send(client, django_capture_on_commit_callbacks, request_form()).status_code == 302
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["patient_telehealth_request"]


def test_a_mail_server_that_is_down_loses_nothing(client, practice, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    response = send(client, django_capture_on_commit_callbacks, request_form())
    assert response.status_code == 302
    assert TelehealthRequest.objects.exists()
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count() == 2  # both to be retried


# --- The page with the reference ----------------------------------------------------

def test_the_sent_page_needs_a_request_from_this_session(client, practice, django_capture_on_commit_callbacks):
    response = client.get(SENT)
    assert response.status_code == 302 and response["Location"] == FORM
    response = send(client, django_capture_on_commit_callbacks, request_form())
    assert response["Location"] == SENT  # no identifier in the address
    reference = TelehealthRequest.objects.get().reference
    assert reference in client.get(SENT).content.decode()
    # Someone else, even knowing the address, sees nothing.
    client.logout()
    assert client.get(SENT)["Location"] == FORM


def test_the_sent_page_is_shown_for_two_hours_only(client, practice, django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks, request_form())
    assert client.get(SENT).status_code == 200
    session = client.session
    session["appointments:telehealth-request-id"]["at"] -= 2 * 60 * 60 + 1
    session.save()
    assert client.get(SENT)["Location"] == FORM


def test_request_pages_are_never_stored_by_browsers(client, practice, django_capture_on_commit_callbacks):
    pages = [
        client.get(FORM),
        send(client, django_capture_on_commit_callbacks, request_form(email="not an email")),
        send(client, django_capture_on_commit_callbacks, request_form()),
        client.get(SENT),
    ]
    assert [response.status_code for response in pages] == [200, 200, 302, 200]
    for response in pages:
        assert "no-store" in response["Cache-Control"], response.wsgi_request.path


def test_the_form_answers_get_and_post_only(client, practice):
    assert client.put(FORM).status_code == 405
    assert client.post(SENT).status_code == 405


# --- The telehealth page ---------------------------------------------------------------

def make_telehealth_page():
    return TelehealthPage.objects.create(
        intro="<p>Meet your provider from your <em>own sofa</em>.</p>",
        who_it_suits="<p>Follow-ups suit video; <strong>injections</strong> need the office.</p>",
        what_you_need="<ul><li>A tablet with a camera</li></ul>",
        how_to_join="<p>Open the link in your confirmation email.</p><script>alert(1)</script>",
    )


def test_the_telehealth_page_shows_the_staff_text_in_sections(client, practice):
    make_telehealth_page()
    html = client.get(PAGE).content.decode()
    assert "<h1>Telehealth video visits</h1>" in html
    for heading, text in [
        (None, "<p>Meet your provider from your <em>own sofa</em>.</p>"),
        ("Who a video visit suits", "<p>Follow-ups suit video; <strong>injections</strong> need the office.</p>"),
        ("What you need", "<li>A tablet with a camera</li>"),
        ("How to join", "<p>Open the link in your confirmation email.</p>"),
    ]:
        assert text in html
        if heading:
            assert html.index(f"<h2>{heading}</h2>") < html.index(text)
    assert "<script>alert(1)</script>" not in html


def test_the_telehealth_page_offers_booking_by_video_and_a_request(client, practice):
    make_telehealth_page()
    make_visit_type([make_provider()], name="Follow-up visit", slug="follow-up-visit", by_video=True)
    html = client.get(PAGE).content.decode()
    assert '<a class="btn btn-primary btn-lg" href="/book/?mode=video">Book a video visit</a>' in html
    assert '<a class="btn btn-outline-primary btn-lg" href="/telehealth/request/">Request a telehealth visit</a>' in html
    # The first call to action opens booking with "video visit" chosen.
    assert 'id="mode-video" aria-describedby="mode-video-about" checked>' in client.get("/book/", {"mode": "video"}).content.decode()


def test_the_telehealth_page_has_its_own_words_before_staff_write_any(client, practice):
    html = client.get(PAGE).content.decode()
    assert TelehealthPage.load() is None
    assert "<h2>Who a video visit suits</h2>" in html and "dry needling and trigger point injections" in html
    assert "Book a video visit</a>" in html and "Request a telehealth visit</a>" in html


def test_the_telehealth_page_is_cached_until_staff_change_its_text(client, practice, django_assert_num_queries):
    page = make_telehealth_page()
    assert "own sofa" in client.get(PAGE).content.decode()
    with django_assert_num_queries(0):
        assert "own sofa" in client.get(PAGE).content.decode()
    page.intro = "<p>See us from your kitchen table.</p>"
    page.save()
    html = client.get(PAGE).content.decode()
    assert "kitchen table" in html and "own sofa" not in html
