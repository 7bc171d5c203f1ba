"""A patient's details stay out of logs, addresses and the front desk's email.

One complete booking through the test client (a form sent with a mistake, then booked,
confirmed, moved and cancelled from the manage link), with every logger recording at
DEBUG; then the records, every address requested or redirected to, and the front desk's
alerts are searched for the patient's name, date of birth, phone, email and reason.
"""

import logging

import pytest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from appointments.models import Appointment
from appointments.models import CONTACT_FIELDS as PATIENT_FIELDS
from tests.factories import TRACED_PATIENT, TRACED_PAYMENT, deliver_outbox, stamp_issued, weekday_after
from tests.pages import DETAILS, MANAGE_LINK, leaks, time_buttons

pytestmark = pytest.mark.django_db

VISIT = "dry-needling-session"


class Journey:
    """The test client, remembering every address asked for and every redirect, and every response."""

    def __init__(self, client, capture_on_commit):
        self.client = client
        self.capture_on_commit = capture_on_commit
        self.urls = []
        self.responses = []

    def _record(self, response):
        self.urls.append(response.wsgi_request.get_full_path())
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        if getattr(response, "url", None):
            self.urls.append(response.url)
        self.responses.append(response)
        return response

    def get(self, path, params=None):
        return self._record(self.client.get(path, params or {}))

    def post(self, path, data=None):
        # Whatever runs after the transaction commits runs, as on the live site; then the
        # outbox worker does its round.
        with self.capture_on_commit(execute=True):
            response = self._record(self.client.post(path, data or {}))
        deliver_outbox()
        return response


@pytest.fixture
def every_logger_at_debug(caplog):
    """caplog's handler hears every logger at DEBUG, also those that do not propagate to the root (e.g. "django")."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    detached = [logger for logger in loggers if not logger.propagate]
    for logger in detached:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


def everything_in(record):
    """A log record as any handler could write it: its message, arguments, extras and traceback."""
    formatted = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    return "\n".join([formatted, repr(record.msg), repr(record.args), repr(vars(record))])


@pytest.fixture
def front_desk(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    if not settings.FRONT_DESK_EMAIL:  # the Makefile's test environment sets it
        settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    return settings.FRONT_DESK_EMAIL


def book_move_and_cancel(journey, mailoutbox):
    """The whole journey; returns the appointment."""
    assert journey.get("/book/dry-needling/").status_code == 200
    day = weekday_after(3)  # past the 24-hour cut-off, so the patient can still move and cancel online
    choice = {"visit": VISIT, "mode": "in_office", "provider": "any"}
    html = journey.get("/book/time/", {**choice, "week": day.isoformat()}).content.decode()
    starts = time_buttons(html)
    assert len(starts) >= 2
    html = journey.get(DETAILS, {**choice, "start": starts[0]}).content.decode()
    assert 'name="form_stamp"' in html

    # A first try with a mistake: the details come back in the page, never in an address.
    form = {**choice, "start": starts[0], **TRACED_PATIENT, **TRACED_PAYMENT, "website": "", "form_stamp": stamp_issued(10)}
    response = journey.post(DETAILS, {**form, "email": "zebedee.q@example"})
    assert response.status_code == 200 and "Enter an email address like name@example.com." in response.content.decode()
    assert not Appointment.objects.exists()

    response = journey.post(DETAILS, form)
    assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    appointment = Appointment.objects.get()
    assert appointment.first_name == "Zebedee" and appointment.date_of_birth.isoformat() == "1961-07-19"
    assert appointment.insurance_plan_name == TRACED_PAYMENT["plan_name"]
    assert appointment.reference in journey.get("/book/confirmed/").content.decode()

    [received] = [message for message in mailoutbox if message.to == [TRACED_PATIENT["email"]]]
    manage = MANAGE_LINK.search(received.body).group(1)
    assert journey.get(manage).status_code == 200
    html = journey.get(manage + "reschedule/", {"week": day.isoformat()}).content.decode()
    new_start = [start for start in time_buttons(html) if start != starts[0]][0]
    response = journey.post(manage + "reschedule/", {"start": new_start})
    assert response.status_code == 302 and response["Location"] == manage
    assert journey.get(manage).status_code == 200
    response = journey.post(manage + "cancel/")
    assert response.status_code == 302 and response["Location"] == manage
    assert "Your appointment is cancelled." in journey.get(manage).content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    return appointment


def test_no_personal_detail_reaches_logs_addresses_or_the_front_desk(
    client, clinic, every_logger_at_debug, mailoutbox, front_desk, settings, django_capture_on_commit_callbacks
):
    journey = Journey(client, django_capture_on_commit_callbacks)
    appointment = book_move_and_cancel(journey, mailoutbox)

    records = every_logger_at_debug.records
    assert any("outbox message" in record.getMessage() for record in records), "the capture heard nothing"
    logged = {f"{record.name}: {record.getMessage()}": leaks(everything_in(record)) for record in records}
    assert {line: found for line, found in logged.items() if found} == {}

    assert {url: leaks(url) for url in journey.urls if leaks(url)} == {}
    # Every address asked for or redirected to is in the list (a sanity check of the recording).
    assert any(url.startswith("/book/time/?") for url in journey.urls) and "/book/confirmed/" in journey.urls

    alerts = [message for message in mailoutbox if message.to == [front_desk]]
    assert [message.subject for message in alerts] == [
        f"New online booking {appointment.reference} — please confirm",
        f"Moved online: {appointment.reference}",
        f"Cancelled online: {appointment.reference}",
    ]
    admin_link = f"{settings.SITE_URL}/admin/appointments/appointment/{appointment.pk}/change/"
    for alert in alerts:
        parts = [alert.subject, alert.body, *(str(part) for part in alert.attachments), *(body for body, _ in getattr(alert, "alternatives", ()))]
        text = "\n".join(parts)
        assert leaks(text) == [], alert.subject
        assert appointment.reference in alert.body and admin_link in alert.body
        assert not alert.attachments
    # The patient's own emails carry their details in the body only, never in the subject.
    patient_emails = [message for message in mailoutbox if message.to == [TRACED_PATIENT["email"]]]
    assert len(patient_emails) == 3
    assert [message.subject for message in patient_emails if leaks(message.subject)] == []


def test_booking_and_manage_pages_are_never_stored(client, clinic, mailoutbox, front_desk, django_capture_on_commit_callbacks):
    journey = Journey(client, django_capture_on_commit_callbacks)
    book_move_and_cancel(journey, mailoutbox)
    # Step 1 carries no form token and nothing of the patient's: it is a cached public page.
    checked = [response for response in journey.responses if response.wsgi_request.path != "/book/dry-needling/"]
    assert len(checked) == len(journey.responses) - 1
    not_stored = {
        f"{response.wsgi_request.method} {response.wsgi_request.path} {response.status_code}": response.get("Cache-Control", "")
        for response in checked
    }
    assert {page: header for page, header in not_stored.items() if "no-store" not in header} == {}
    methods_and_pages = {(response.wsgi_request.method, response.wsgi_request.path.split("/")[1]) for response in checked}
    assert {("GET", "book"), ("POST", "book"), ("GET", "appointments"), ("POST", "appointments")} <= methods_and_pages


def test_the_details_form_hides_the_patients_details_from_error_reports(client, clinic):
    day = weekday_after(3)
    choice = {"visit": clinic.needling.slug, "mode": "in_office", "provider": "any"}
    starts = time_buttons(client.get("/book/time/", {**choice, "week": day.isoformat()}).content.decode())
    form = {**choice, "start": starts[0], **TRACED_PATIENT, **TRACED_PAYMENT, "website": "", "form_stamp": stamp_issued(10)}
    for data in ({**form, "email": "zebedee.q@example"}, form):  # a page with a mistake, then a booking
        request = client.post(DETAILS, data).wsgi_request

        assert {*PATIENT_FIELDS, *TRACED_PAYMENT} <= set(request.sensitive_post_parameters)
        masked = SafeExceptionReporterFilter().get_post_parameters(request)
        substitute = SafeExceptionReporterFilter.cleansed_substitute
        assert {name: masked[name] for name in PATIENT_FIELDS} == dict.fromkeys(PATIENT_FIELDS, substitute)
        assert masked["visit"] == clinic.needling.slug  # the rest stays readable for whoever debugs

        # The report Django would email or show for an error in this request.
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            report = ExceptionReporter(request, type(error), error, error.__traceback__)
            text = report.get_traceback_text()
        assert "boom" in text and "/book/details/" in text
        assert leaks(text) == []
