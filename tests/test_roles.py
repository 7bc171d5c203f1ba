"""Who may open what in the admin: every page and the key actions, for a superuser, the
front desk, content editors and a visitor who is not signed in.

Content editors also write the legal notices and language taglines; the front desk reads them.
A notice version that has taken effect is read-only for everyone, superusers included.

Front desk: appointments, telehealth requests, requests for help, good faith estimates (and the
expected items of visit types they list), schedules and time off (plus visit types, booking
settings and reading the outbox); they may read practice details, hours, notices, the team and
the insurance plans to answer the phone. Content editors: practice details, hours, holiday
hours, announcements, treatments, conditions, the team, the telehealth page text, the insurance
plans and visit types' self-pay prices; nothing about patients. The audit trail (with the list
pages viewed and the trail of one patient) and user accounts: superusers only.
"""

from datetime import date, timedelta
from typing import NamedTuple

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from appointments import estimates
from appointments.models import Appointment, GoodFaithEstimate, OutboxMessage, PatientListView, TelehealthPage, TimeOff
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import (
    set_booking_settings,
    make_announcement,
    make_appointment,
    make_condition,
    make_estimate_item,
    make_help_request,
    make_holiday,
    make_insurance_plan,
    make_legal_notice,
    make_notice_version,
    make_office_hours,
    make_practice,
    make_provider,
    make_service,
    make_staff,
    make_tagline,
    make_telehealth_request,
    make_visit_type,
    make_working_hours,
)

pytestmark = pytest.mark.django_db

OK = "ok"  # 200, and a change page lets them save
READ_ONLY = "read-only"  # 200, a change page without a save button (or an inline they cannot edit)
NOT_SHOWN = "not shown"  # 200, the page without that inline at all
FORBIDDEN = "forbidden"  # 403
LOGIN = "login"  # 302 to /admin/login/?next=...


def goes_to(url):
    return f"→ {url}"


class Page(NamedTuple):
    name: str
    url: str
    superuser: str
    front_desk: str
    editors: str
    anonymous: str
    inline: str = ""  # judge the inline of this model on the page instead of the page itself


A = "/admin/appointments"
C = "/admin/clinic"
S = "/admin/services"

# fmt: off
PAGES = [
    #    page                             url                                          superuser   front desk  editors     anonymous
    Page("admin home",                    "/admin/",                                   OK,         OK,         OK,         LOGIN),
    # Patients' appointments: the front desk's.
    Page("appointments",                  f"{A}/appointment/",                         OK,         OK,         FORBIDDEN,  LOGIN),
    Page("appointment: book",             f"{A}/appointment/add/",                     OK,         OK,         FORBIDDEN,  LOGIN),
    Page("appointment",                   f"{A}/appointment/{{appointment}}/change/",  OK,         OK,         FORBIDDEN,  LOGIN),
    Page("appointment: delete",           f"{A}/appointment/{{appointment}}/delete/",  OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("day schedule",                  f"{A}/appointment/day/",                     OK,         OK,         FORBIDDEN,  LOGIN),
    Page("calendar",                      f"{A}/appointment/calendar/",                OK,         OK,         FORBIDDEN,  LOGIN),
    Page("calendar: one day, one provider", f"{A}/appointment/calendar/?view=day&provider={{provider}}",
                                                                                       OK,         OK,         FORBIDDEN,  LOGIN),
    Page("book from a free time",         f"{A}/appointment/add/?provider={{provider}}&visit_type={{visit_type}}&starts_at=2030-01-07T10:00",
                                                                                       OK,         OK,         FORBIDDEN,  LOGIN),
    Page("book from a telehealth request", f"{A}/appointment/add/?telehealth_request={{telehealth_request}}",
                                                                                       OK,         OK,         FORBIDDEN,  LOGIN),
    # Patient records: the front desk finds, adds and corrects them; only superusers delete one.
    Page("patients",                      f"{A}/patient/",                             OK,         OK,         FORBIDDEN,  LOGIN),
    Page("patients: a search",            f"{A}/patient/?q=555-0199",                  OK,         OK,         FORBIDDEN,  LOGIN),
    Page("patient: add",                  f"{A}/patient/add/",                         OK,         OK,         FORBIDDEN,  LOGIN),
    Page("patient",                       f"{A}/patient/{{patient}}/change/",          OK,         OK,         FORBIDDEN,  LOGIN),
    Page("patient: delete",               f"{A}/patient/{{patient}}/delete/",          OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("appointment: book for a patient", f"{A}/appointment/add/?patient={{patient}}", OK,       OK,         FORBIDDEN,  LOGIN),
    Page("telehealth requests",           f"{A}/telehealthrequest/",                   OK,         OK,         FORBIDDEN,  LOGIN),
    Page("telehealth request: add",       f"{A}/telehealthrequest/add/",               FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("telehealth request",            f"{A}/telehealthrequest/{{telehealth_request}}/change/",
                                                                                       OK,         OK,         FORBIDDEN,  LOGIN),
    Page("telehealth request: delete",    f"{A}/telehealthrequest/{{telehealth_request}}/delete/",
                                                                                       OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    # Good faith estimates hold patient details: the front desk's, who send them. Nobody adds or deletes
    # one by hand (they come from bookings and requests, and are records once sent).
    Page("good faith estimates",          f"{A}/goodfaithestimate/",                   OK,         OK,         FORBIDDEN,  LOGIN),
    Page("good faith estimates: overdue", f"{A}/goodfaithestimate/?due=overdue",       OK,         OK,         FORBIDDEN,  LOGIN),
    Page("good faith estimate",           f"{A}/goodfaithestimate/{{estimate}}/change/", OK,       OK,         FORBIDDEN,  LOGIN),
    Page("good faith estimate: add",      f"{A}/goodfaithestimate/add/",               FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("good faith estimate: delete",   f"{A}/goodfaithestimate/{{estimate}}/delete/", FORBIDDEN, FORBIDDEN, FORBIDDEN,  LOGIN),
    Page("expected items (on the visit type)", f"{A}/visittype/{{visit_type}}/change/", OK,        OK,         NOT_SHOWN,  LOGIN,
         inline="estimateitem"),
    Page("help requests",                 f"{A}/helprequest/",                         OK,         OK,         FORBIDDEN,  LOGIN),
    Page("help request: add",             f"{A}/helprequest/add/",                     FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("help request",                  f"{A}/helprequest/{{help_request}}/change/", OK,         OK,         FORBIDDEN,  LOGIN),
    Page("help request: delete",          f"{A}/helprequest/{{help_request}}/delete/", OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    # What makes times bookable: the front desk's.
    Page("working hours",                 f"{A}/workinghours/",                        OK,         OK,         FORBIDDEN,  LOGIN),
    Page("working hours: add",            f"{A}/workinghours/add/",                    OK,         OK,         FORBIDDEN,  LOGIN),
    Page("working hours: one block",      f"{A}/workinghours/{{working_hours}}/change/", OK,       OK,         FORBIDDEN,  LOGIN),
    Page("time off",                      f"{A}/timeoff/",                             OK,         OK,         FORBIDDEN,  LOGIN),
    Page("time off: add",                 f"{A}/timeoff/add/",                         OK,         OK,         FORBIDDEN,  LOGIN),
    Page("time off: one",                 f"{A}/timeoff/{{time_off}}/change/",         OK,         OK,         FORBIDDEN,  LOGIN),
    # Editors open visit types for their self-pay prices (and wording) only: the rest is read-only to them.
    Page("visit types",                   f"{A}/visittype/",                           OK,         OK,         OK,         LOGIN),
    Page("visit type: add",               f"{A}/visittype/add/",                       OK,         OK,         FORBIDDEN,  LOGIN),
    Page("visit type",                    f"{A}/visittype/{{visit_type}}/change/",     OK,         OK,         OK,         LOGIN),
    Page("booking settings",              f"{A}/bookingsettings/",                     goes_to(f"{A}/bookingsettings/1/change/"),
                                                                                                   goes_to(f"{A}/bookingsettings/1/change/"),
                                                                                                               FORBIDDEN,  LOGIN),
    Page("booking settings: the row",     f"{A}/bookingsettings/1/change/",            OK,         OK,         FORBIDDEN,  LOGIN),
    Page("booking settings: add",         f"{A}/bookingsettings/add/",                 FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("outbox",                        f"{A}/outboxmessage/",                       OK,         OK,         FORBIDDEN,  LOGIN),
    Page("outbox: one message",           f"{A}/outboxmessage/{{outbox_message}}/change/", READ_ONLY, READ_ONLY, FORBIDDEN,  LOGIN),
    Page("outbox: add",                   f"{A}/outboxmessage/add/",                   FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    # The practice and its content: the editors'; the front desk reads what it needs on the phone.
    Page("practice",                      f"{C}/practice/",                            goes_to(f"{C}/practice/{{practice}}/change/"),
                                                                                                   goes_to(f"{C}/practice/{{practice}}/change/"),
                                                                                                               goes_to(f"{C}/practice/{{practice}}/change/"),
                                                                                                                           LOGIN),
    Page("practice: details",             f"{C}/practice/{{practice}}/change/",        OK,         READ_ONLY,  OK,         LOGIN),
    Page("practice: add a second",        f"{C}/practice/add/",                        FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("office hours (on the practice)", f"{C}/practice/{{practice}}/change/",       OK,         READ_ONLY,  OK,         LOGIN,
         inline="officehours"),
    Page("holiday hours",                 f"{C}/holidayhours/",                        OK,         OK,         OK,         LOGIN),
    # The front desk posts closures too ("snow day, we're closed") and acts on the visits they hit.
    Page("holiday hours: add",            f"{C}/holidayhours/add/",                    OK,         OK,         OK,         LOGIN),
    Page("holiday hours: one",            f"{C}/holidayhours/{{holiday}}/change/",     OK,         OK,         OK,         LOGIN),
    Page("holiday hours: visits it hits", f"{C}/holidayhours/{{holiday}}/affected/",   OK,         OK,         OK,         LOGIN),
    Page("announcements",                 f"{C}/announcement/",                        OK,         OK,         OK,         LOGIN),
    Page("announcement: add",             f"{C}/announcement/add/",                    OK,         FORBIDDEN,  OK,         LOGIN),
    Page("announcement",                  f"{C}/announcement/{{announcement}}/change/", OK,        READ_ONLY,  OK,         LOGIN),
    # The notices the law requires: the editors'; a version that has taken effect is read-only for everyone.
    Page("legal notices",                 f"{C}/legalnotice/",                         OK,         OK,         OK,         LOGIN),
    Page("legal notice",                  f"{C}/legalnotice/{{legal_notice}}/change/", OK,         READ_ONLY,  OK,         LOGIN),
    Page("legal notice: add",             f"{C}/legalnotice/add/",                     OK,         FORBIDDEN,  OK,         LOGIN),
    Page("notice versions",               f"{C}/legalnoticeversion/",                  OK,         OK,         OK,         LOGIN),
    Page("notice version: add",           f"{C}/legalnoticeversion/add/",              OK,         FORBIDDEN,  OK,         LOGIN),
    Page("notice version: scheduled",     f"{C}/legalnoticeversion/{{scheduled_version}}/change/",
                                                                                       OK,         READ_ONLY,  OK,         LOGIN),
    Page("notice version: taken effect",  f"{C}/legalnoticeversion/{{effective_version}}/change/",
                                                                                       READ_ONLY,  READ_ONLY,  READ_ONLY,  LOGIN),
    Page("notice version: delete a scheduled one", f"{C}/legalnoticeversion/{{scheduled_version}}/delete/",
                                                                                       OK,         FORBIDDEN,  OK,         LOGIN),
    Page("notice version: delete one that took effect", f"{C}/legalnoticeversion/{{effective_version}}/delete/",
                                                                                       FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("language taglines",             f"{C}/languagetagline/",                     OK,         OK,         OK,         LOGIN),
    Page("language tagline: add",         f"{C}/languagetagline/add/",                 OK,         FORBIDDEN,  OK,         LOGIN),
    Page("language tagline",              f"{C}/languagetagline/{{tagline}}/change/",  OK,         READ_ONLY,  OK,         LOGIN),
    Page("team",                          f"{C}/provider/",                            OK,         OK,         OK,         LOGIN),
    Page("team: add a provider",          f"{C}/provider/add/",                        OK,         FORBIDDEN,  OK,         LOGIN),
    Page("team: a provider",              f"{C}/provider/{{provider}}/change/",        OK,         READ_ONLY,  OK,         LOGIN),
    Page("licences (on the provider)",    f"{C}/provider/{{provider}}/change/",        OK,         READ_ONLY,  OK,         LOGIN,
         inline="providerlicence"),
    Page("treatments",                    f"{S}/service/",                             OK,         FORBIDDEN,  OK,         LOGIN),
    Page("treatment: add",                f"{S}/service/add/",                         OK,         FORBIDDEN,  OK,         LOGIN),
    Page("treatment",                     f"{S}/service/{{service}}/change/",          OK,         FORBIDDEN,  OK,         LOGIN),
    Page("conditions",                    f"{S}/condition/",                           OK,         FORBIDDEN,  OK,         LOGIN),
    Page("condition: add",                f"{S}/condition/add/",                       OK,         FORBIDDEN,  OK,         LOGIN),
    Page("condition",                     f"{S}/condition/{{condition}}/change/",      OK,         FORBIDDEN,  OK,         LOGIN),
    Page("insurance plans",               f"{A}/insuranceplan/",                       OK,         OK,         OK,         LOGIN),
    Page("insurance plan: add",           f"{A}/insuranceplan/add/",                   OK,         FORBIDDEN,  OK,         LOGIN),
    Page("insurance plan",                f"{A}/insuranceplan/{{insurance_plan}}/change/", OK,     READ_ONLY,  OK,         LOGIN),
    Page("telehealth page text",          f"{A}/telehealthpage/",                      goes_to(f"{A}/telehealthpage/1/change/"),
                                                                                                   FORBIDDEN,  goes_to(f"{A}/telehealthpage/1/change/"),
                                                                                                                           LOGIN),
    Page("telehealth page text: the row", f"{A}/telehealthpage/1/change/",             OK,         FORBIDDEN,  OK,         LOGIN),
    Page("telehealth page text: add",     f"{A}/telehealthpage/add/",                  FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    # Superusers only.
    Page("audit trail",                   "/admin/auditlog/logentry/",                 OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("audit trail: one entry",        "/admin/auditlog/logentry/{log_entry}/change/", READ_ONLY, FORBIDDEN, FORBIDDEN,  LOGIN),
    Page("audit trail: add",              "/admin/auditlog/logentry/add/",             FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("list pages viewed",             f"{A}/patientlistview/",                     OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("list pages viewed: one",        f"{A}/patientlistview/{{list_view}}/change/", READ_ONLY, FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("list pages viewed: add",        f"{A}/patientlistview/add/",                 FORBIDDEN,  FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("list pages viewed: delete",     f"{A}/patientlistview/{{list_view}}/delete/", FORBIDDEN, FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("audit trail for a patient",     f"{A}/patientlistview/patient/{{patient}}/", OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("users",                         "/admin/auth/user/",                         OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("user: add",                     "/admin/auth/user/add/",                     OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("user",                          "/admin/auth/user/{superuser}/change/",      OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
    Page("groups",                        "/admin/auth/group/",                        OK,         FORBIDDEN,  FORBIDDEN,  LOGIN),
]
# fmt: on

ROLES = ["superuser", "front_desk", "editors", "anonymous"]


@pytest.fixture
def objects():
    """One row of everything, and a user for each role; their ids fill in the URLs above."""
    practice = make_practice()
    make_office_hours(practice)
    provider = make_provider()
    working_hours = make_working_hours(provider)[0]
    visit_type = make_visit_type(providers=[provider])
    make_estimate_item(visit_type)
    appointment = make_appointment(visit_type=visit_type, provider=provider, status=Appointment.Status.REQUESTED)
    estimate = estimates.create_for_request({
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": date(1958, 3, 27), "email": "robin@example.com",
        "phone": "", "visit_type": visit_type, "expected_date": None, "coverage": Appointment.Coverage.UNINSURED,
    })
    time_off = TimeOff.objects.create(provider=provider, starts_at=appointment.starts_at, ends_at=appointment.ends_at)
    set_booking_settings()
    TelehealthPage.objects.create(intro="<p>Video visits.</p>")
    effective_version = make_notice_version(make_legal_notice(), timezone.localdate() - timedelta(days=1))
    scheduled_version = make_notice_version(effective_version.notice, timezone.localdate() + timedelta(days=7))
    users = {
        "superuser": make_staff("boss", superuser=True),
        "front_desk": make_staff("desk", group=FRONT_DESK),
        "editors": make_staff("editor", group=CONTENT_EDITORS),
    }
    return {
        "users": users,
        "ids": {
            "practice": practice.pk,
            "provider": provider.pk,
            "working_hours": working_hours.pk,
            "visit_type": visit_type.pk,
            "appointment": appointment.pk,
            "patient": appointment.patient_id,
            "estimate": estimate.pk,
            "time_off": time_off.pk,
            "telehealth_request": make_telehealth_request().pk,
            "outbox_message": OutboxMessage.objects.create(kind="patient_confirmed", to="a@example.com", subject="s", body="b").pk,
            "holiday": make_holiday().pk,
            "announcement": make_announcement().pk,
            "service": make_service().pk,
            "condition": make_condition().pk,
            "insurance_plan": make_insurance_plan(not_taken_for=[visit_type]).pk,
            "help_request": make_help_request().pk,
            "log_entry": LogEntry.objects.get_for_object(appointment).first().pk,
            "list_view": PatientListView.objects.create(username="desk", page="Appointment list", path=f"{A}/appointment/").pk,
            "superuser": users["superuser"].pk,
            "legal_notice": effective_version.notice.pk,
            "effective_version": effective_version.pk,
            "scheduled_version": scheduled_version.pk,
            "tagline": make_tagline().pk,
        },
    }


def sign_in_as(client, objects, role):
    client.logout()
    if role != "anonymous":
        client.force_login(objects["users"][role])


def outcome(response, inline=""):
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 302:
        location = response["Location"]
        return LOGIN if location.startswith("/admin/login/?next=") else goes_to(location)
    if response.status_code != 200:
        return f"status {response.status_code}"
    context = response.context
    if inline:
        formsets = [f for f in context["inline_admin_formsets"] if f.opts.model._meta.model_name == inline]
        if not formsets:
            return NOT_SHOWN
        [formset] = formsets
        return OK if formset.has_change_permission and formset.has_add_permission else READ_ONLY
    if "adminform" in context and not context["has_change_permission"] and not context["add"]:
        return READ_ONLY
    return OK


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_who_may_open_each_admin_page(client, objects, page):
    url = page.url.format(**objects["ids"])
    seen = {}
    for role in ROLES:
        sign_in_as(client, objects, role)
        seen[role] = outcome(client.get(url), page.inline)

    expected = {role: getattr(page, role).format(**objects["ids"]) for role in ROLES}
    assert seen == expected


START_PAGE_SHOWN, START_PAGE_NOT_SHOWN = "start page", "no start page"
# The admin home is the front desk's start page (today's visits, bookings to confirm, calls to make): it shows patients.
START_PAGE = {"superuser": START_PAGE_SHOWN, "front_desk": START_PAGE_SHOWN, "editors": START_PAGE_NOT_SHOWN, "anonymous": LOGIN}


def test_who_gets_the_front_desks_start_page_on_the_admin_home(client, objects):
    appointment = Appointment.objects.get(pk=objects["ids"]["appointment"])
    seen = {}
    for role in ROLES:
        sign_in_as(client, objects, role)
        response = client.get("/admin/")
        result = outcome(response)
        if result == OK:
            html = response.content.decode()
            shown = "Bookings to confirm" in html and appointment.last_name in html
            result = START_PAGE_SHOWN if shown else START_PAGE_NOT_SHOWN
            if not shown:
                assert appointment.reference not in html and appointment.last_name not in html
        seen[role] = result

    assert seen == START_PAGE


# --- Actions ----------------------------------------------------------------------------------

DONE = "done"
NOT_OFFERED = "not offered"  # Django leaves out actions a user may not run: the list comes back, nothing changed


class Action(NamedTuple):
    name: str
    changelist: str
    action: str
    target: str  # which object (by its key in `objects`) is selected
    superuser: str
    front_desk: str
    editors: str
    anonymous: str


# fmt: off
ACTIONS = [
    #      action                               changelist                                  action          target                superuser  front desk  editors    anonymous
    Action("confirm an appointment",            f"{A}/appointment/?when=all",               "confirm",      "appointment",        DONE,      DONE,       FORBIDDEN, LOGIN),
    Action("cancel an appointment",             f"{A}/appointment/?when=all",               "cancel",       "appointment",        DONE,      DONE,       FORBIDDEN, LOGIN),
    Action("schedule a telehealth request",     f"{A}/telehealthrequest/",                  "schedule",     "telehealth_request", DONE,      DONE,       FORBIDDEN, LOGIN),
    Action("send a good faith estimate",        f"{A}/goodfaithestimate/",                  "send_now",     "estimate",           DONE,      DONE,       FORBIDDEN, LOGIN),
    Action("send an outbox message again",      f"{A}/outboxmessage/",                      "retry_now",    "outbox_message",     DONE,      DONE,       FORBIDDEN, LOGIN),
    Action("delete a holiday (Django's action)", f"{C}/holidayhours/",                      "delete_selected", "holiday",         DONE,      NOT_OFFERED, DONE,     LOGIN),
]
# fmt: on


def action_done(action, objects):
    """Whether the action had its effect on the selected row."""
    pk = objects["ids"][action.target]
    if action.action == "confirm":
        return Appointment.objects.get(pk=pk).status == Appointment.Status.CONFIRMED
    if action.action == "cancel":
        return Appointment.objects.get(pk=pk).status == Appointment.Status.CANCELLED
    if action.action == "send_now":
        return GoodFaithEstimate.objects.get(pk=pk).status == GoodFaithEstimate.Status.SENT
    if action.action == "retry_now":
        return OutboxMessage.objects.get(pk=pk).next_attempt_at > objects["outbox_due_before"]
    if action.action == "delete_selected":
        from clinic.models import HolidayHours

        return not HolidayHours.objects.filter(pk=pk).exists()
    return None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_who_may_run_each_admin_action(client, objects, action, role):
    objects["outbox_due_before"] = OutboxMessage.objects.get(pk=objects["ids"]["outbox_message"]).next_attempt_at
    sign_in_as(client, objects, role)
    data = {"action": action.action, ACTION_CHECKBOX_NAME: [objects["ids"][action.target]], "index": "0"}
    if action.action == "delete_selected":
        data["post"] = "yes"  # the confirmation page's answer

    response = client.post(action.changelist, data)

    expected = getattr(action, role)
    result = outcome(response)
    if action.action == "schedule" and result.startswith("→"):
        # Scheduling opens the booking form for that request rather than changing anything.
        assert result == goes_to(f"{A}/appointment/add/?telehealth_request={objects['ids']['telehealth_request']}")
        result = DONE
    elif result.startswith("→"):
        result = DONE if action_done(action, objects) else "redirected, nothing changed"
    elif result == OK:
        result = NOT_OFFERED
    assert result == expected
    if expected != DONE and action.action != "schedule":
        assert not action_done(action, objects)


# --- Buttons on pages (issue 14): the appointment's daily actions and a closure's visits ------------


class PageAction(NamedTuple):
    name: str
    superuser: str
    front_desk: str
    editors: str
    anonymous: str


# fmt: off
PAGE_ACTIONS = [
    #          action                                        superuser  front desk  editors    anonymous
    PageAction("appointment page: confirm",                  DONE,      DONE,       FORBIDDEN, LOGIN),
    PageAction("appointment page: check in",                 DONE,      DONE,       FORBIDDEN, LOGIN),
    PageAction("appointment page: move to a free time",      DONE,      DONE,       FORBIDDEN, LOGIN),
    PageAction("closure: cancel and notify the patients",    DONE,      DONE,       FORBIDDEN, LOGIN),
    PageAction("closure: notify only",                       DONE,      DONE,       FORBIDDEN, LOGIN),
]
# fmt: on


def page_action(action, objects):
    """(address, data, has it been done?) of a button, on its own rows."""
    from clinic.models import HolidayHours
    from tests.factories import at, weekday_after

    appointment = Appointment.objects.get(pk=objects["ids"]["appointment"])
    if action.name == "appointment page: confirm":
        return (f"{A}/appointment/{appointment.pk}/do/confirm/", {},
                lambda: Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CONFIRMED)
    if action.name == "appointment page: check in":
        today = make_appointment(visit_type=appointment.visit_type, provider=appointment.provider, starts_at=timezone.now())
        return (f"{A}/appointment/{today.pk}/do/check_in/", {},
                lambda: Appointment.objects.get(pk=today.pk).checked_in_at is not None)
    if action.name == "appointment page: move to a free time":
        target = at(weekday_after(4), 14)
        return (f"{A}/appointment/{appointment.pk}/move-to/", {"starts_at": target.isoformat()},
                lambda: Appointment.objects.get(pk=appointment.pk).starts_at == target)
    day = timezone.localtime(appointment.starts_at).date()
    holiday = HolidayHours.objects.create(label="Snow day", first_day=day, last_day=day, is_closed=True)
    data = {"reference": [appointment.reference], "action": "cancel" if "cancel" in action.name else "notify"}
    if data["action"] == "cancel":
        return (f"{C}/holidayhours/{holiday.pk}/affected/", data,
                lambda: Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CANCELLED)
    return (f"{C}/holidayhours/{holiday.pk}/affected/", data,
            lambda: OutboxMessage.objects.filter(appointment=appointment, kind="patient_closure_notice").exists())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", PAGE_ACTIONS, ids=[action.name for action in PAGE_ACTIONS])
def test_who_may_press_each_button_on_a_page(client, objects, action, role):
    url, data, done = page_action(action, objects)
    sign_in_as(client, objects, role)

    result = outcome(client.post(url, data))

    if result.startswith("→"):
        result = DONE if done() else "redirected, nothing changed"
    assert result == getattr(action, role)
    if result != DONE:
        assert not done()
