"""Reading what the site answers in tests: the times offered, the errors and messages shown,
the rows an admin list shows, the patient's details wherever they must not be, and what axe
finds in a browser page. Also the booking pages' addresses and the appointment list's actions."""

import re
from html import unescape
from urllib.parse import unquote_plus

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from tests.factories import PATIENT

BOOK_TIME = "/book/time/"
DETAILS = "/book/details/"
APPOINTMENT_LIST = "/admin/appointments/appointment/"

# The link to the patient's own page, in the emails: the group is its path.
MANAGE_LINK = re.compile(r"https?://[^/\s]+(/appointments/manage/[A-Za-z0-9_.-]+/)")


def without_stylesheet(html: str) -> str:
    """The page without the stylesheet every page inlines in its <head> (clinic.stylesheet), whose
    class names would otherwise match any `"soon-marker" not in html`. Only that one block goes:
    a <style> anywhere else stays, for the tests that look for one."""
    head, end_of_head, body = html.partition("</head>")
    stripped, count = re.subn(r"<style>.*?</style>", "", head, count=1, flags=re.S)
    assert count == 1 and end_of_head, "no inlined stylesheet in the page's <head>"
    return stripped + end_of_head + body


def time_buttons(html: str, name="start") -> list[str]:
    """The values of the time buttons of a page (`new_start` for "the nearest free times")."""
    return [unescape(value) for value in re.findall(rf'name="{name}" value="([^"]+)"', html)]


def form_stamp_in(html: str) -> str:
    """The spam time-trap stamp a patient form carries."""
    return re.search(r'name="form_stamp" value="([^"]+)"', html).group(1)


# --- The booking details page ---------------------------------------------------------------

def assert_nothing_booked():
    from appointments.models import Appointment, OutboxMessage

    assert not Appointment.objects.exists()
    assert not OutboxMessage.objects.exists()


def assert_refused_with(response, message):
    """The details page came back with `message`, nothing booked or queued, and everything
    typed (PATIENT, as `tests.factories.details_form` sends it) still in the boxes. Returns the page."""
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert message in html
    assert_nothing_booked()
    for name in ("first_name", "last_name", "email", "date_of_birth"):
        assert f'value="{PATIENT[name]}"' in html, name
    assert 'value="(301) 555-0188"' in html
    assert re.search(rf">\s*{PATIENT['reason']}</textarea>", html)
    assert re.search(r'name="is_new_patient" value="yes"[^>]*checked', html)
    return html


# --- The admin ----------------------------------------------------------------------------

def messages_of(response) -> list[str]:
    """The messages (Django's messages framework) a page shows."""
    return [str(message) for message in response.context["messages"]]


def form_errors(response):
    """The errors of the form on an admin add or change page, by field (None: the form's own)."""
    return response.context["adminform"].form.errors


def references_in(response) -> list[str]:
    """The references of the rows an admin list shows, in order."""
    return [row.reference for row in response.context["cl"].result_list]


def run_appointment_action(client, action, appointments, query="?when=all"):
    """An action of the appointment list on `appointments`, as staff run it; follows the redirect."""
    return client.post(
        APPOINTMENT_LIST + query,
        {"action": action, ACTION_CHECKBOX_NAME: [appointment.pk for appointment in appointments], "index": "0"},
        follow=True,
    )


# --- The patient's details where they must not be -------------------------------------------

# Each detail of tests.factories.TRACED_PATIENT in the ways it is typed, stored, printed or encoded.
TRACED_PATIENT_WRITTEN = {
    "first name": ["Zebedee"],
    "last name": ["Quillfeather"],
    "date of birth": [
        "07/19/1961", "7/19/1961", "1961-07-19", "07-19-1961", "1961/07/19", "19/07/1961", "19.07.1961",
        "19610719", "07191961", "1961, 7, 19", "July 19, 1961", "Jul 19, 1961", "19 July 1961", "Jul. 19, 1961",
    ],
    "phone": [
        "(301) 555-0187", "301-555-0187", "301.555.0187", "301 555 0187", "3015550187", "+13015550187", "555-0187", "5550187",
    ],
    "email": ["zebedee.q@example.com", "zebedee.q%40example.com", "example.com"],
    "reason": ["left shoulder knot since March", "shoulder knot", "knot since"],
    "insurance plan": ["Quillfeather Mutual Gold", "Mutual Gold"],  # tests.factories.TRACED_PAYMENT
}


def leaks(text: str) -> list[tuple[str, str]]:
    """TRACED_PATIENT's details found in `text` (also once URL-decoded, in any case): [(what, how it was written), ...]."""
    haystacks = [text.lower(), unquote_plus(text).lower()]
    return [
        (what, needle)
        for what, needles in TRACED_PATIENT_WRITTEN.items()
        for needle in needles
        if any(needle.lower() in haystack for haystack in haystacks)
    ]


# --- Accessibility, in the browser tests --------------------------------------------------------

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def wcag_violations(page) -> list[dict]:
    """What axe-core finds against WCAG 2.2 A and AA on a Playwright page (opened with bypass_csp:
    axe is injected as an inline script, which the site's CSP would block)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response["violations"]


def describe(violations) -> str:
    """axe's violations, one line each, with the elements at fault under it."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)
