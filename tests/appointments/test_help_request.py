"""Asking for help or an accommodation (/accessibility/ask/): stored for the front desk, who is
alerted with a reference and an admin link only; the patient forms' protections."""

import re
from html import unescape

import pytest
from auditlog.models import LogEntry

from appointments.models import HelpRequest, OutboxMessage
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import deliver_outbox, make_practice, make_staff, stamp_issued
from tests.pages import references_in

pytestmark = pytest.mark.django_db

ASK = "/accessibility/ask/"
SENT = "/accessibility/ask/sent/"
# Unusual values, to look for where they must never be.
REQUEST = {
    "name": "Ottoline Brackenbury",
    "phone": "(240) 555-0163",
    "email": "ottoline.b@example.org",
    "kinds": ["interpreter", "large_print"],
    "language": "Amharic",
    "visit_reference": "k7mq2pxr",
    "message": "My daughter usually comes with me",
    "website": "",
}
TRACES = ["Ottoline", "Brackenbury", "555-0163", "5550163", "ottoline.b", "Amharic", "K7MQ2PXR", "daughter"]


@pytest.fixture
def practice():
    return make_practice()


def form(**overrides) -> dict:
    data = {**REQUEST, "form_stamp": stamp_issued(10)}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_asks_what_help_and_how_to_reach_them(client, practice):
    html = unescape(client.get(ASK).content.decode())

    assert html.count("<h1") == 1
    for kind in ("interpreter", "sign_language", "large_print", "other"):
        assert f'name="kinds" value="{kind}"' in html
    assert 'name="form_stamp"' in html and 'name="website"' in html
    assert "(301) 555-0142" in html


def test_a_request_is_stored_for_the_front_desk_and_the_thank_you_page_gives_the_reference(client, practice, site_and_mail):
    response = client.post(ASK, form())

    assert response.status_code == 302 and response["Location"] == SENT
    help_request = HelpRequest.objects.get()
    assert (help_request.name, help_request.phone, help_request.email) == ("Ottoline Brackenbury", "+12405550163", "ottoline.b@example.org")
    assert help_request.kinds == "interpreter,large_print" and help_request.language == "Amharic"
    assert help_request.visit_reference == "K7MQ2PXR" and help_request.status == HelpRequest.Status.NEW
    assert help_request.reference in client.get(SENT).content.decode()


def test_the_front_desk_alert_carries_only_the_reference_and_an_admin_link(client, practice, site_and_mail):
    client.post(ASK, form())
    help_request = HelpRequest.objects.get()

    [alert] = deliver_outbox()

    assert alert.to == ["frontdesk@clinic.test"]
    assert help_request.reference in alert.subject
    assert f"https://clinic.test/admin/appointments/helprequest/{help_request.pk}/change/" in alert.body
    text = (alert.subject + alert.body).lower()
    assert [trace for trace in TRACES if trace.lower() in text] == []


def test_nothing_of_the_request_is_in_the_audit_trail(client, practice, site_and_mail):
    client.post(ASK, form())

    changes = " ".join(str(entry.changes) for entry in LogEntry.objects.all())
    assert LogEntry.objects.exists()
    assert [trace for trace in TRACES if trace.lower() in changes.lower()] == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Please enter your name."),
        ({"phone": "", "email": ""}, "phone", "Please give a phone number or an email address"),
        ({"phone": "555-01"}, "phone", "Enter a full phone number with area code"),
        ({"email": "ottoline@"}, "email", "Enter an email address like name@example.com."),
        ({"kinds": None}, "kinds", "Please tick the help you need."),
        ({"kinds": ["teleport"]}, "kinds", "Please tick only the choices shown."),
        ({"language": ""}, "language", "Please tell us which language you need an interpreter for."),
        ({"name": "Ottoline\nBrackenbury"}, "name", "one line"),
        ({"message": "x" * 1001}, "message", "1,000 characters or fewer"),
        ({"visit_reference": "R" * 21}, "visit_reference", "at most 20 characters"),
        ({"name": "Ottoline \u202eeniloB"}, "name", "hidden characters that turn the text around"),
        ({"message": "Please ring \x07 twice"}, "message", "control characters that cannot be shown"),
        ({"message": "Reversed: \u2067abc\u2069"}, "message", "hidden characters that turn the text around"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_box_everything_kept_and_nothing_saved(client, practice, overrides, field, message):
    response = client.post(ASK, form(**overrides))

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert message in html
    assert re.search(rf'href="#id_{field}(_0)?"', html)
    if field != "name":
        assert 'value="Ottoline Brackenbury"' in html
    assert not HelpRequest.objects.exists() and not OutboxMessage.objects.exists()


def test_a_filled_honeypot_saves_nothing(client, practice):
    response = client.post(ASK, form(website="https://spam.example"))

    assert response.status_code == 200
    assert not HelpRequest.objects.exists()


def test_a_form_sent_back_too_fast_is_shown_again_then_sent(client, practice, site_and_mail):
    response = client.post(ASK, form(form_stamp=stamp_issued(0)))
    html = unescape(response.content.decode())
    assert response.status_code == 200 and not HelpRequest.objects.exists()
    assert "Nothing is sent yet: please check your request" in html and 'value="Ottoline Brackenbury"' in html

    assert client.post(ASK, form(form_stamp=stamp_issued(10))).status_code == 302
    assert HelpRequest.objects.count() == 1


def test_the_same_form_sent_twice_is_stored_once(client, practice, site_and_mail):
    data = form()

    client.post(ASK, data)
    client.post(ASK, data)

    assert HelpRequest.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_posts_are_limited_per_address(client, practice, settings, site_and_mail):
    settings.BOOKING_RATE_LIMIT = 2
    for _ in range(2):
        client.post(ASK, form(form_stamp=stamp_issued(10)))

    assert client.post(ASK, form(form_stamp=stamp_issued(10))).status_code == 429
    assert HelpRequest.objects.count() == 2


def test_the_thank_you_page_needs_a_request_from_this_session(client, practice):
    response = client.get(SENT)

    assert response.status_code == 302 and response["Location"] == ASK


def test_the_front_desk_works_through_requests_and_editors_never_see_them(client, practice, site_and_mail):
    client.post(ASK, form())
    help_request = HelpRequest.objects.get()
    url = f"/admin/appointments/helprequest/{help_request.pk}/change/"

    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    assert client.get("/admin/appointments/helprequest/").status_code == 403
    assert client.get(url).status_code == 403

    client.force_login(make_staff("desk", group=FRONT_DESK))
    assert references_in(client.get("/admin/appointments/helprequest/")) == [help_request.reference]
    assert "Amharic" in client.get(url).content.decode()
    assert client.get("/admin/appointments/helprequest/add/").status_code == 403
    response = client.post(url, {"status": "handled", "notes": "Interpreter booked for Tuesday."})

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.HANDLED and help_request.notes == "Interpreter booked for Tuesday."
    assert references_in(client.get("/admin/appointments/helprequest/")) == []  # new ones only, unless asked
    assert references_in(client.get("/admin/appointments/helprequest/?status=all")) == [help_request.reference]
