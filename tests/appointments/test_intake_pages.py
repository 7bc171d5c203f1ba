"""The patient's intake pages behind the manage link: one section per page, in order, errors next to
the field with everything typed kept and nothing saved, the kind "someone will call" note, closed
visits, the offer on the patient's pages and in the emails (never an answer), and no caching."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.utils import timezone

from appointments import booking
from appointments import intake as intakes
from appointments.models import Appointment, ConsentSignature, Intake, OutboxMessage, ScreeningQuestion
from clinic.page_cache import page_key
from tests.factories import deliver_outbox, make_appointment, make_dry_needling_with_screening, make_practice

pytestmark = pytest.mark.django_db

# A valid answer for every section, as the browser sends it.
GOOD = {
    "contacts": {"address": "12 Quince Lane", "city": "Rockville", "state": "MD", "zip_code": "20850",
                 "emergency_name": "Ottoline Brackwater", "emergency_relationship": "sister", "emergency_phone": "(301) 555-0166"},
    "doctors": {"primary_care": "Dr Ferdinand Yallop", "primary_care_phone": "", "referred_by": "", "may_share_reports": "yes"},
    "insurance": {"plan": "Aetna Choice POS II", "member_id": "W123456789", "group_number": "", "subscriber": "self"},
    "history": {"conditions": ["diabetes"], "surgeries": "Knee arthroscopy 2016", "other_conditions": ""},
    "medicines": {"medicines": "Metformin 500 mg", "blood_thinners": "no", "blood_thinner_names": "", "other_allergies": ""},
    "pregnancy-devices": {"pregnancy": "not_applicable", "device_details": ""},
    "pain": {"regions": ["low_back", "leg_left"], "strength": "6", "since": "3_12_months", "how_it_started": "Lifting a box",
             "better": "Walking", "worse": "Sitting"},
}
# Bad input per section: what was typed, the field the message must stand next to, and the message.
BAD = {
    "contacts": ({**GOOD["contacts"], "zip_code": "2085"}, "zip_code", "Enter a 5-digit ZIP code, e.g. 20877."),
    "doctors": ({**GOOD["doctors"], "primary_care_phone": "12"}, "primary_care_phone", None),
    "insurance": ({**GOOD["insurance"], "subscriber": "spouse"}, "subscriber_name", "Please enter the plan holder's name."),
    "history": ({**GOOD["history"], "conditions": ["no_such_condition"]}, "conditions", None),
    "medicines": ({**GOOD["medicines"], "blood_thinners": "yes"}, "blood_thinner_names", "Please tell us which blood thinner you take."),
    "pregnancy-devices": ({**GOOD["pregnancy-devices"], "pregnancy": "", "device_details": "Left hip replacement"}, "pregnancy",
                          "Please answer this question."),
    "pain": ({**GOOD["pain"], "regions": [], "strength": "11"}, "strength", "Please choose a number from 0 to 10."),
}


@pytest.fixture
def needling():
    """A practice, and dry needling with its safety questions and published consent (tests.factories)."""
    make_practice()
    return make_dry_needling_with_screening()


def booked(visit_type, **overrides):
    appointment = make_appointment(visit_type=visit_type, is_new_patient=True, **overrides)
    token = appointment.issue_manage_token()
    appointment.save()
    return appointment, token


def url(token, slug=""):
    return f"/appointments/manage/{token}/intake/" + (f"{slug}/" if slug else "")


def intake_row(appointment):
    return Intake.objects.filter(appointment=appointment).values().first()


def answer_up_to(client, token, slugs):
    for slug in slugs:
        response = client.post(url(token, slug), GOOD[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def error_next_to(html, name, message):
    """The field's message sits in its own block, right after the field (crispy's invalid-feedback)."""
    block = re.search(rf'id="div_id_{re.escape(name)}".*?(?=<div id="div_id_|</form>)', html, re.S)
    assert block, name
    feedback = re.search(r'class="invalid-feedback">(.*?)</div>', block.group(0), re.S)
    assert feedback, f"no message next to {name}"
    if message:
        assert message in unescape(feedback.group(1))
    # ... and the summary at the top links to it
    assert re.search(rf'<a href="#id_{re.escape(name)}(_0)?">', html), f"no summary link to {name}"


def assert_kept(html, data):
    """Everything typed is in the page again: text in its box, the ticks and choices still chosen
    (a value the page does not offer, such as a made-up tick, cannot be shown)."""
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            if not one:
                continue
            boxes = re.findall(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>[^<]*', html)
            options = re.findall(r'<option value="([^"]*)"( selected)?', html) if f'<select name="{name}"' in html else []
            if options:
                assert (one, " selected") in options, (name, one)
            elif any('type="radio"' in box or 'type="checkbox"' in box for box in boxes):
                offered = [box for box in boxes if f'value="{one}"' in box]
                assert all("checked" in box for box in offered) and (offered or one in ("no_such_condition", "11")), (name, one)
            else:
                assert any(f'value="{one}"' in box or (box.startswith("<textarea") and one in box) for box in boxes), (name, one)


def test_the_overview_lists_the_sections_and_starts_with_the_first(client, needling):
    appointment, token = booked(needling)
    response = client.get(url(token))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "It takes about 10 minutes" in html
    assert "What happens with your answers" in html
    assert html.count("not done yet") == 8
    assert f'href="{url(token, "contacts")}">Start' in html
    assert not Intake.objects.exists()  # looking changes nothing


@pytest.mark.parametrize("slug", list(BAD))
def test_bad_input_shows_the_message_next_to_the_field_keeps_everything_and_saves_nothing(client, needling, slug):
    appointment, token = booked(needling, coverage=Appointment.Coverage.INSURANCE)
    before = [section for section in GOOD if section != slug][: list(GOOD).index(slug)]
    answer_up_to(client, token, before)
    row = intake_row(appointment)
    sent = OutboxMessage.objects.count()
    data, field, message = BAD[slug]
    response = client.post(url(token, slug), data)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Please check the following" in html
    error_next_to(html, field, message)
    assert_kept(html, data)
    assert intake_row(appointment) == row
    assert OutboxMessage.objects.count() == sent


def test_bad_screening_and_consent_answers_save_nothing(client, needling):
    appointment, token = booked(needling)
    answer_up_to(client, token, ["contacts", "doctors", "history", "medicines", "pregnancy-devices", "pain"])
    row = intake_row(appointment)
    response = client.post(url(token, "screening"), {})
    html = unescape(response.content.decode())
    assert "Are you afraid of needles?" in html and "Do you take a medicine that thins your blood?" not in html
    question = ScreeningQuestion.objects.get(key="")
    error_next_to(html, f"q{question.pk}", "Please answer this question.")
    assert intake_row(appointment) == row
    client.post(url(token, "screening"), {f"q{question.pk}": "no"})
    row = intake_row(appointment)
    response = client.post(url(token, "consent"), {"signed_name": "Somebody Else"})
    html = unescape(response.content.decode())
    error_next_to(html, "signed_name", f"Please type your own full name, as you booked: {appointment.first_name} {appointment.last_name}.")
    error_next_to(html, "agree", "Please tick the box to agree")
    assert 'value="Somebody Else"' in html
    assert "Dry needling uses thin needles." in html
    assert intake_row(appointment) == row and not ConsentSignature.objects.exists()


def test_a_new_patient_answers_every_section_signs_and_is_done(client, needling):
    appointment, token = booked(needling)
    response = client.get(url(token, "doctors"))
    assert response.status_code == 302 and response["Location"] == url(token, "contacts")  # in order
    response = client.get(url(token, "contacts"))
    assert "Section 1 of 8" in response.content.decode()
    answer_up_to(client, token, ["contacts", "doctors", "history", "medicines", "pregnancy-devices", "pain"])
    response = client.get(url(token, "screening"))
    assert "Section 7 of 8" in response.content.decode()
    question = ScreeningQuestion.objects.get(key="")
    response = client.post(url(token, "screening"), {f"q{question.pk}": "no"})
    assert response["Location"] == url(token, "consent")
    name = f"{appointment.first_name} {appointment.last_name}"
    response = client.post(url(token, "consent"), {"signed_name": name, "agree": "on"})
    assert response["Location"] == url(token, "done")
    intake = Intake.objects.get(appointment=appointment)
    assert intake.is_complete and intake.review == Intake.Review.NOT_NEEDED
    assert ConsentSignature.objects.get(intake=intake).signed_name == name
    html = unescape(client.get(url(token, "done")).content.decode())
    assert "Thank you: your forms are done" in html and "will call" not in html
    # A saved section opens again with its answers.
    html = unescape(client.get(url(token, "contacts")).content.decode())
    assert 'value="12 Quince Lane"' in html


def test_stopping_halfway_and_coming_back_continues_where_the_patient_stopped(client, needling):
    appointment, token = booked(needling)
    answer_up_to(client, token, ["contacts", "doctors"])
    html = unescape(client.get(url(token)).content.decode())
    assert f'href="{url(token, "history")}">Continue' in html
    response = client.get(url(token, "pain"))  # a later section than allowed
    assert response.status_code == 302 and response["Location"] == url(token, "history")
    assert intakes.answers_of(Intake.objects.get())["contacts"]["city"] == "Rockville"


def test_a_blood_thinner_is_flagged_and_the_patient_told_kindly_that_someone_will_call(client, needling):
    appointment, token = booked(needling)
    answer_up_to(client, token, ["contacts", "doctors", "history"])
    client.post(url(token, "medicines"), {**GOOD["medicines"], "blood_thinners": "yes", "blood_thinner_names": "Eliquis 5 mg"})
    intake = Intake.objects.get()
    assert intake.review == Intake.Review.NEEDS_REVIEW
    assert "Someone from the practice will call you before your visit" in unescape(client.get(url(token)).content.decode())
    answer_up_to(client, token, ["pregnancy-devices", "pain"])
    question = ScreeningQuestion.objects.get(key="")
    client.post(url(token, "screening"), {f"q{question.pk}": "no"})
    response = client.post(url(token, "consent"), {"signed_name": f"{appointment.first_name} {appointment.last_name}", "agree": "on"})
    assert response["Location"] == url(token, "done")
    html = unescape(client.get(url(token, "done")).content.decode())
    assert "Someone from the practice will call you before your visit" in html and "your visit stays booked" in html
    intake.refresh_from_db()
    assert intake.is_complete and intake.review == Intake.Review.NEEDS_REVIEW
    alert = OutboxMessage.objects.get(kind="staff_intake_review")
    assert "Eliquis" not in alert.body and appointment.last_name not in alert.body


def test_a_cancelled_visit_gets_a_kind_page_with_the_phone_number(client, needling):
    appointment, token = booked(needling)
    answer_up_to(client, token, ["contacts"])
    booking.cancel(appointment, by_patient=True)
    for address in (url(token), url(token, "doctors"), url(token, "done")):
        response = client.get(address)
        html = unescape(response.content.decode())
        assert response.status_code == 410
        assert "These forms are closed" in html and "(301) 555-0142" in html
    row = intake_row(appointment)
    response = client.post(url(token, "doctors"), GOOD["doctors"])
    assert response.status_code == 410 and intake_row(appointment) == row


def test_without_keys_the_patient_is_told_to_come_early_not_an_error(client, needling, settings):
    appointment, token = booked(needling)
    settings.INTAKE_KEYS = []
    response = client.get(url(token, "contacts"))
    assert response.status_code == 200
    assert "arrive 15 minutes before your visit" in unescape(response.content.decode())
    assert not Intake.objects.exists()


def test_an_unknown_link_or_section_is_not_found(client, needling):
    appointment, token = booked(needling)
    assert client.get(url("nosuchtoken.abc")).status_code == 404
    assert client.get(url("nosuchtoken.abc", "contacts")).status_code == 404
    assert client.get(url(token, "insurance")).status_code == 404  # not insured: no insurance section
    assert client.get(url(token, "no-such-section")).status_code == 404


def test_the_pages_are_never_stored(client, needling):
    appointment, token = booked(needling)
    for address in (url(token), url(token, "contacts")):
        response = client.get(address)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert cache.get(page_key(response.wsgi_request)) is None  # clinic.page_cache keeps no copy
    response = client.post(url(token, "contacts"), GOOD["contacts"])
    assert "no-store" in response["Cache-Control"]
    assert response.status_code == 302 and "Rockville" not in response["Location"]


def test_the_manage_page_offers_the_forms_until_they_are_done(client, needling):
    appointment, token = booked(needling)
    html = unescape(client.get(f"/appointments/manage/{token}/").content.decode())
    assert f'href="{url(token)}">Fill in your forms' in html
    answer_up_to(client, token, ["contacts"])
    html = unescape(client.get(f"/appointments/manage/{token}/").content.decode())
    assert "Continue your forms" in html


def emails_to(mailoutbox, appointment):
    return [message for message in mailoutbox if appointment.email in message.to]


def test_the_booking_emails_carry_the_link_and_no_answer(client, needling, mailoutbox, settings):
    settings.SITE_URL = "https://clinic.test"
    appointment, token = booked(needling, status=Appointment.Status.REQUESTED)
    from appointments import notifications

    notifications.queue_booking_received(appointment)
    deliver_outbox()
    [received] = emails_to(mailoutbox, appointment)
    link = re.search(r"https://clinic\.test(/appointments/manage/[^/\s]+/intake/)", received.body)
    assert link, received.body
    assert "Please fill in your forms online before the visit" in received.body
    assert "15 minutes early to fill in new patient forms" not in received.body
    response = client.get(link.group(1))
    assert response.status_code == 200 and "Your forms before your visit" in response.content.decode()
    # Answered (a blood thinner): the later emails still carry no answer.
    answer_up_to(client, token, ["contacts", "doctors", "history"])
    client.post(url(token, "medicines"), {**GOOD["medicines"], "blood_thinners": "yes", "blood_thinner_names": "Eliquis 5 mg"})
    booking.confirm(appointment)
    deliver_outbox()
    for message in mailoutbox:
        for secret in ("Eliquis", "Quince", "Ottoline", "Metformin", "Yallop", "Rockville"):
            assert secret not in message.body and secret not in message.subject


def test_the_reminder_carries_the_link_only_while_the_forms_are_incomplete(client, needling, mailoutbox, settings):
    settings.SITE_URL = "https://clinic.test"
    from appointments import notifications

    appointment, token = booked(needling)
    notifications.queue_reminder(appointment)
    deliver_outbox()
    assert "/intake/" in emails_to(mailoutbox, appointment)[-1].body
    intake = intakes.open_intake(appointment)
    Intake.objects.filter(pk=intake.pk).update(sections_done=["contacts"], completed_at=timezone.now() - timedelta(minutes=1))
    notifications.queue_reminder(appointment)
    deliver_outbox()
    body = emails_to(mailoutbox, appointment)[-1].body
    assert "/intake/" not in body and "Please arrive 10 minutes early." in body


def test_the_confirmation_page_after_booking_offers_the_forms(client, clinic):
    from tests.factories import details_form
    from tests.pages import BOOK_TIME, time_buttons

    html = client.get(BOOK_TIME, {"visit": "dry-needling-session", "mode": "in_office"}).content.decode()
    response = client.post("/book/details/", details_form(clinic.needling, time_buttons(html)[-1]))
    assert response["Location"] == "/book/confirmed/"
    appointment = Appointment.objects.get()
    response = client.get("/book/confirmed/")
    html = unescape(response.content.decode())
    assert f'href="/appointments/manage/{appointment.manage_token()}/intake/">Fill in your forms' in html
    assert "no-store" in response["Cache-Control"]
    assert client.get(f"/appointments/manage/{appointment.manage_token()}/intake/").status_code == 200


def test_answers_sealed_with_a_key_the_server_lacks_give_kind_pages_and_overwrite_nothing(client, needling, settings):
    from appointments import intake as intakes
    from clinic import encryption
    from clinic.roles import CLINICIANS
    from clinic.models import Provider
    from tests.factories import make_staff

    appointment, token = booked(needling)
    answer_up_to(client, token, ["contacts", "doctors"])
    row = intake_row(appointment)
    settings.INTAKE_KEYS = [encryption.new_key()]  # e.g. restored without the key file

    for address in (url(token), url(token, "history")):
        response = client.get(address)
        assert response.status_code == 200
    assert "arrive 15 minutes before your visit" in unescape(client.get(url(token, "history")).content.decode())
    response = client.post(url(token, "history"), GOOD["history"])
    assert response.status_code == 200 and intake_row(appointment) == row

    clinician = make_staff("drkey", group=CLINICIANS)
    Provider.objects.filter(pk=appointment.provider_id).update(staff_user=clinician)
    client.force_login(clinician)
    intake = Intake.objects.get(appointment=appointment)
    response = client.get(f"/admin/appointments/intake/{intake.pk}/change/")
    assert response.status_code == 200 and "Answers cannot be opened" in response.content.decode()
    with pytest.raises(intakes.IntakeRefused):
        intakes.record_review(intake, Intake.Review.OK, clinician)
    assert intake_row(appointment) == row


def test_with_no_key_at_all_the_summary_says_the_answers_cannot_be_opened(client, needling, settings):
    from clinic.models import Provider
    from clinic.roles import CLINICIANS, FRONT_DESK
    from tests.factories import make_staff

    appointment, token = booked(needling)
    answer_up_to(client, token, ["contacts"])
    settings.INTAKE_KEYS = []
    intake = Intake.objects.get(appointment=appointment)
    clinician = make_staff("drnokey", group=CLINICIANS)
    Provider.objects.filter(pk=appointment.provider_id).update(staff_user=clinician)
    for user in (clinician, make_staff("desknokey", group=FRONT_DESK)):
        client.force_login(user)
        response = client.get(f"/admin/appointments/intake/{intake.pk}/change/")
        assert response.status_code == 200 and "Answers cannot be opened" in response.content.decode()


def test_a_video_visit_signs_the_telehealth_consent_naming_the_clinician_and_licence(client, needling):
    from appointments import consent
    from tests.factories import make_licence

    provider = needling.providers.get()
    make_licence(provider, "MD")
    appointment, token = booked(
        needling, modality="video", patient_state="MD", telehealth_consent_at=timezone.now(),
        telehealth_consent_version=consent.TELEHEALTH_CONSENT_VERSION,
    )
    answer_up_to(client, token, [slug for slug in GOOD if slug != "insurance"])
    client.post(url(token, "screening"), {f"q{question.pk}": "no" for question in ScreeningQuestion.objects.all()})
    html = unescape(client.get(url(token, "consent")).content.decode())
    assert f"Your clinician for this video visit is {provider.display_name}, a physician (MD) licensed in Maryland." in html
    assert consent.TELEHEALTH_CONSENT_TEXT[0] in html
    response = client.post(url(token, "consent"), {"signed_name": f"{appointment.first_name} {appointment.last_name}", "agree": "on"})
    assert response.status_code == 302
    kinds = set(ConsentSignature.objects.filter(intake__appointment=appointment).values_list("kind", "telehealth_version"))
    assert kinds == {("treatment", ""), ("telehealth", consent.TELEHEALTH_CONSENT_VERSION)}
