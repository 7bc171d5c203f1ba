"""A content editor posts holiday hours and a COVID-19 notice in the admin; a patient sees both."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import Announcement, HolidayHours
from clinic.roles import CONTENT_EDITORS
from tests.factories import make_office_hours, make_practice, make_staff

HOLIDAY_LABEL = "Staff retreat"
NOTICE_TITLE = "Flu and COVID-19 visits this winter"
NOTICE_SLUG = "flu-and-covid-19-visits-this-winter"
NOTICE_MESSAGE = "If you have a fever or a new cough, call us before you come in: we will offer a video visit."


def open_add_form(page, model_name, add_link_name):
    """From the admin index, through the model's list, to its "add" form, as staff click it."""
    page.get_by_role("link", name="Practice website — staff").click()  # the header, on every admin page
    page.locator("#content-main").get_by_role("link", name=model_name, exact=True).click()
    page.get_by_role("link", name=add_link_name).click()


def add_holiday_hours(page, day):
    open_add_form(page, "Holiday hours", "Add holiday hours")
    page.get_by_label("Label").fill(HOLIDAY_LABEL)
    page.get_by_label("First day").fill(day.isoformat())
    page.get_by_label("Last day").fill(day.isoformat())
    page.get_by_label("Closed all day").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator("#result_list")).to_contain_text(HOLIDAY_LABEL)


def add_covid_announcement(page):
    open_add_form(page, "Announcements", "Add announcement")
    # Typed key by key: the admin's prepopulate script fills the slug on keyup.
    page.get_by_label("Title").press_sequentially(NOTICE_TITLE)
    expect(page.get_by_label("Slug")).to_have_value(NOTICE_SLUG)
    page.get_by_label("Kind").select_option(label="COVID-19")
    page.get_by_label("Bar message").fill(NOTICE_MESSAGE)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator("#result_list")).to_contain_text(NOTICE_TITLE)


def test_content_editor_posts_holiday_hours_and_covid_notice_that_patients_see(live_site, open_page, console, sign_in):
    practice = make_practice()
    make_office_hours(practice)
    make_staff("editor", group=CONTENT_EDITORS)
    day = timezone.localdate() + timedelta(days=5)  # TIME_ZONE is America/New_York

    staff = open_page()
    sign_in(staff, "editor")
    add_holiday_hours(staff, day)
    add_covid_announcement(staff)

    holiday = HolidayHours.objects.get(label=HOLIDAY_LABEL)
    assert (holiday.first_day, holiday.last_day, holiday.is_closed) == (day, day, True)
    notice = Announcement.objects.get(slug=NOTICE_SLUG)
    assert notice.title == NOTICE_TITLE
    assert notice.kind == Announcement.Kind.COVID
    assert notice.message == NOTICE_MESSAGE
    assert notice.is_live(), f"starts_at {notice.starts_at} should be now, when the editor saved"

    patient = open_page()
    patient.goto(f"{live_site}/")
    holiday_notice = patient.locator(".holiday-notice")
    expect(holiday_notice).to_contain_text(HOLIDAY_LABEL)
    expect(holiday_notice).to_contain_text(f"{day:%A, %B} {day.day}: closed")
    bar = patient.locator(".announcement-bar")
    expect(bar).to_contain_text(f"COVID-19: {NOTICE_MESSAGE}")
    read_more = bar.get_by_role("link", name=f"Read more about {NOTICE_TITLE}")
    expect(read_more).to_have_attribute("href", f"/notices/{NOTICE_SLUG}/")
    read_more.click()
    expect(patient.get_by_role("heading", level=1)).to_have_text(NOTICE_TITLE)

    admin_csp = console.about_csp(under="/admin/")
    patient_csp = [message for message in console.about_csp() if message not in admin_csp]
    assert patient_csp == [], "CSP messages on patient pages:\n" + "\n".join(map(str, patient_csp))
    # The admin's change forms (date widgets, prepopulated slug) and changelists run under the same policy.
    assert admin_csp == [], "CSP messages on admin pages:\n" + "\n".join(map(str, admin_csp))


def test_sign_in_keeps_the_secure_host_cookies_on_http_loopback(page, sign_in):
    """The production cookie settings (Secure, __Host- names) work on the plain-http live server."""
    make_staff("editor", group=CONTENT_EDITORS)
    sign_in(page, "editor")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert {"__Host-sessionid", "__Host-csrftoken"} <= cookies.keys()
    assert all(cookie["secure"] and cookie["httpOnly"] for cookie in cookies.values())
