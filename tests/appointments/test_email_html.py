"""Every email goes out as plain text and as HTML in the practice's brand (appointments.email_design):
the practice's name and colour, the same links as the text, nothing fetched from another site; the
outbox stores both parts and sends them as multipart/alternative; a message queued before HTML
parts existed still goes out as plain text."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.core import mail

from appointments import booking, email_design, notifications, outbox, waitlist
from appointments.models import Appointment, GoodFaithEstimate, OutboxMessage
from clinic.branding import Palette, contrast_ratio, darkest_passing_shade, palette_for, validate_brand_colour
from clinic.seams import Closure
from tests.factories import (
    at,
    deliver_outbox,
    make_appointment,
    make_estimate_item,
    make_filled_intake,
    make_help_request,
    make_provider,
    make_telehealth_request,
    next_monday,
    weekday_after,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_and_mail")]

BRAND = "#7a1f5c"
PRACTICE_NAME = "Pain, Spine & Rehab Associates"
JOIN_LINK = "https://meet.example/room-7f3a?pwd=a&b=c"
CLOSURE = Closure(label="Snow day", dates="Tuesday, January 12", note="Roads are closed <for now>.")
KINDS = {value for name, value in vars(notifications).items() if re.fullmatch(r"(PATIENT|STAFF)_[A-Z_]+", name)}


class Anchors(HTMLParser):
    """Every link (href) and every address anything would be fetched from (src, srcset, background)."""

    def __init__(self):
        super().__init__()
        self.links, self.fetched, self.tags = [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name == "href":
                self.links.append(value)
            elif name in ("src", "srcset", "background", "poster", "data"):
                self.fetched.append(value)


def parse(html) -> Anchors:
    anchors = Anchors()
    anchors.feed(html)
    return anchors


def links_in_text(text) -> set[str]:
    return {link.rstrip(".,;:)") for link in re.findall(r"https?://\S+", text)}


def html_part(email) -> str:
    assert [mimetype for _, mimetype in email.alternatives] == ["text/html"]
    return email.alternatives[0][0]


@pytest.fixture
def every_kind(practice, visit_type, provider, second_provider):
    """One of every email the site sends, queued as the booking, telehealth, estimate and closure
    functions queue them, with a visit by video (a join link) and one self-paid (an estimate)."""
    practice.name, practice.brand_colour = PRACTICE_NAME, BRAND
    practice.save()
    make_estimate_item(visit_type)
    patient = {
        "first_name": "Rosalind", "last_name": "O'Hara <Quigley>", "date_of_birth": date(1958, 7, 14), "phone": "+13015550188",
        "email": "rosalind@example.com", "is_new_patient": True, "reason": "", "consent_to_contact": True,
        "coverage": Appointment.Coverage.UNINSURED,
    }
    self_paid = booking.book_for_staff(
        provider=provider, visit_type=visit_type, modality=Appointment.Modality.IN_OFFICE,
        starts_at=at(next_monday(), 10), patient=patient, now=at(next_monday(), 8),
    ).appointment  # confirmed, with its estimate
    estimate = GoodFaithEstimate.objects.get(appointment=self_paid)
    day = weekday_after(4)
    requested = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(day, 9), status=Appointment.Status.REQUESTED,
                                 first_name="Rosalind", is_new_patient=True)
    video = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(day, 11), modality=Appointment.Modality.VIDEO,
                             video_link=JOIN_LINK)
    notifications.queue_booking_received(requested)
    notifications.queue_confirmed(video)
    notifications.queue_rescheduled(video, by_patient=True, previous_provider=second_provider)
    notifications.queue_reminder(video)
    notifications.queue_video_link_changed(video)
    notifications.queue_new_manage_link(requested)
    notifications.queue_intake_link(requested)
    notifications.queue_closure_notice(requested, CLOSURE)
    notifications.queue_cancelled_for_closure(requested, CLOSURE)
    notifications.queue_cancelled(self_paid, by_patient=True)
    notifications.queue_closure_alert(2, CLOSURE, "/admin/clinic/holidayhours/1/visits/")
    notifications.queue_estimate_requested(estimate)
    notifications.queue_telehealth_request_received(make_telehealth_request())
    notifications.queue_help_request_received(make_help_request())
    intake = make_filled_intake(make_appointment(visit_type=visit_type, provider=provider, starts_at=at(day, 14), is_new_patient=True))
    notifications.queue_intake_needs_review(intake)
    notifications.queue_intake_no_longer_needs_review(intake)
    notifications.queue_intake_call_patient(intake)
    # The waitlist: joining it, and a freed time offered (links made when sent, as every other).
    contact = {name: value for name, value in patient.items() if name != "coverage"}
    entry = waitlist.join(wish=waitlist.Wish(visit_type, provider, day, day, True, True, "0123456"), patient=contact)
    waitlist.offer_by_hand([entry], provider=provider, starts_at=at(day, 15))
    deliver_outbox()
    messages = list(OutboxMessage.objects.all())
    by_message_id = {email.extra_headers["Message-ID"]: email for email in mail.outbox}
    return [(message, by_message_id[outbox.message_id_header(message)]) for message in messages]


def test_every_kind_of_email_is_stored_and_sent_with_an_html_part(every_kind):
    assert {message.kind for message, _ in every_kind} == KINDS
    for message, email in every_kind:
        assert message.status == OutboxMessage.Status.SENT
        assert message.html_body.startswith("<!DOCTYPE html>"), message.kind
        assert html_part(email).startswith("<!DOCTYPE html>"), message.kind
        assert email.subject == message.subject


def test_every_html_part_carries_the_practice_name_and_brand_colour(every_kind):
    for message, email in every_kind:
        html = html_part(email)
        assert f"background-color: {BRAND}" in html, message.kind
        assert "Pain, Spine &amp; Rehab Associates" in html, message.kind
        assert PRACTICE_NAME in email.body or message.kind.startswith("staff_"), message.kind


def test_the_html_part_has_exactly_the_links_of_the_plain_text(every_kind):
    links_seen = set()
    for message, email in every_kind:
        links = set(parse(html_part(email)).links)
        assert links == links_in_text(email.body), message.kind
        links_seen |= links
    # The links that matter are there, filled in as the plain text has them.
    assert JOIN_LINK in links_seen
    assert any("/appointments/manage/" in link and link.endswith("/intake/") for link in links_seen)
    assert any(link.endswith("/estimate/") for link in links_seen)
    assert "https://clinic.test/legal/language-help/" in links_seen
    assert not any("[[" in link for link in links_seen)


def test_the_html_part_fetches_nothing_from_anywhere(every_kind):
    for message, email in every_kind:
        html = html_part(email)
        anchors = parse(html)
        assert anchors.fetched == [], message.kind
        assert not anchors.tags & {"img", "link", "script", "style", "iframe", "object", "video", "audio", "picture"}, message.kind
        assert "url(" not in html and "@import" not in html and "@font-face" not in html, message.kind


def test_what_the_patient_or_staff_typed_is_escaped_in_the_html_part(every_kind):
    closure_notice = next(email for message, email in every_kind if message.kind == notifications.PATIENT_CLOSURE_NOTICE)
    assert "Roads are closed &lt;for now&gt;." in html_part(closure_notice)
    assert "Roads are closed <for now>." in closure_notice.body


def test_the_html_part_says_what_the_text_says_about_the_visit(every_kind):
    """The same visit, reference and actions in both parts (the words are written twice; this holds them together)."""
    for message, email in every_kind:
        if message.appointment is None or message.kind.startswith("staff_") or message.kind == notifications.PATIENT_ESTIMATE:
            continue
        html = html_part(email)
        assert message.appointment.reference in html and message.appointment.reference in email.body, message.kind
        assert f"Hello {message.appointment.first_name}," in html, message.kind


def test_the_email_with_a_calendar_file_is_text_and_html_alternatives_plus_the_attachment(every_kind):
    message, email = next((message, email) for message, email in every_kind if message.kind == notifications.PATIENT_CONFIRMED)
    sent = email.message()
    assert sent.get_content_type() == "multipart/mixed"
    alternative, calendar = sent.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in alternative.get_payload()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert "https://meet.example/room-7f3a?pwd=a&amp;b=c" in alternative.get_payload()[1].get_payload(decode=True).decode()


def test_a_message_queued_as_plain_text_only_still_goes_out_as_plain_text(practice):
    """Rows saved before HTML parts existed have no html_body: they are sent exactly as before."""
    appointment = make_appointment()
    outbox.queue([OutboxMessage(kind=notifications.PATIENT_NEW_LINK, appointment=appointment, to=appointment.email,
                                subject="Your new appointment link", body=f"Your link: {outbox.MANAGE_LINK_PLACEHOLDER}\n")])
    [email] = deliver_outbox()
    assert email.alternatives == []
    assert email.message().get_content_type() == "text/plain"
    assert email.body == f"Your link: {appointment.manage_url()}\n"
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_a_link_that_can_no_longer_be_made_is_replaced_by_the_words_asking_to_call_in_both_parts(practice):
    appointment = make_appointment()
    notifications.queue_new_manage_link(appointment)
    appointment.delete()  # the message's appointment is gone (SET_NULL) before the worker sends it
    [email] = deliver_outbox()
    html = html_part(email)
    assert outbox.NO_MANAGE_LINK in email.body and outbox.NO_MANAGE_LINK in html
    assert "[[" not in html and "/appointments/manage/" not in html
    assert set(parse(html).links) == links_in_text(email.body)


def test_the_stored_html_part_never_holds_the_manage_link(practice):
    appointment = make_appointment()
    notifications.queue_new_manage_link(appointment)
    message = OutboxMessage.objects.get()
    assert f'href="{outbox.MANAGE_LINK_PLACEHOLDER}"' in message.html_body
    assert appointment.manage_token() not in message.html_body


def test_a_practice_not_yet_entered_gets_the_default_colour(visit_type):
    appointment = make_appointment(visit_type=visit_type, provider=make_provider())
    notifications.queue_new_manage_link(appointment)
    [email] = deliver_outbox()
    assert f"background-color: {palette_for(None).brand}" in html_part(email)


@pytest.mark.parametrize("brand", ["#0b5670", BRAND, darkest_passing_shade("#3fa7d6"), darkest_passing_shade("#f2c14e")])
def test_every_colour_pairing_of_the_emails_passes_wcag_aa_for_any_colour_the_practice_may_save(brand):
    validate_brand_colour(brand)  # a colour the admin accepts
    for where, foreground, background, minimum in email_design.colour_pairs(Palette(brand)):
        assert contrast_ratio(foreground, background) >= minimum, (brand, where)


def test_the_text_is_large_enough_for_older_readers_on_phones():
    style = email_design.styles(palette_for(None))
    sizes = {name: int(size) for name, value in style.items() for size in re.findall(r"font-size: (\d+)px", value)}
    assert min(sizes.values()) >= 16 and sizes["p"] >= 18 and sizes["button"] >= 18
    assert "max-width: 600px" in style["card"]
