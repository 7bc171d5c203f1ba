import json
import re
from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_holiday, make_office_hours, make_practice

pytestmark = pytest.mark.django_db


def json_ld(response):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


@pytest.fixture
def practice():
    practice = make_practice()
    make_office_hours(practice)
    return practice


def test_the_hours_page_lists_upcoming_holidays_not_past_ones(client, practice):
    today = timezone.localdate()
    make_holiday(label="Long Ago Day", first_day=today - timedelta(days=10))
    make_holiday(label="Coming Up Day", first_day=today + timedelta(days=40))
    html = client.get("/hours/").content.decode()
    assert "Coming Up Day" in html
    assert "Long Ago Day" not in html


def test_holiday_hours_appear_on_every_page_in_the_two_weeks_before(client, practice):
    today = timezone.localdate()
    make_holiday(label="Soon Day", first_day=today + timedelta(days=10))
    make_holiday(label="Far Day", first_day=today + timedelta(days=30))
    for page in ["/", "/hours/"]:
        notice = re.search(r'<div class="holiday-notice">(.*?)</div>', client.get(page).content.decode(), re.S)
        assert notice and "Soon Day" in notice.group(1), page
        assert "Far Day" not in notice.group(1), page


def test_a_closed_day_is_closed_on_the_hours_page_and_in_json_ld(client, practice):
    today = timezone.localdate()
    closed_day = today + timedelta(days=2)
    make_holiday(label="Closure Day", first_day=closed_day, is_closed=True)
    response = client.get("/hours/")
    html = response.content.decode()
    assert re.search(r"<strong>Closure Day</strong><br>\s*[^<]+:\s*<span[^>]*>Closed</span>", html)
    specials = json_ld(response)["specialOpeningHoursSpecification"]
    assert {
        "@type": "OpeningHoursSpecification",
        "name": "Closure Day",
        "validFrom": closed_day.isoformat(),
        "validThrough": closed_day.isoformat(),
        "opens": "00:00",
        "closes": "00:00",
    } in specials


def test_special_hours_are_in_json_ld_and_this_weeks_table(client, practice):
    tomorrow = timezone.localdate() + timedelta(days=1)
    make_holiday(label="Short Day", first_day=tomorrow, is_closed=False, opens=time(8, 30), closes=time(12))
    response = client.get("/hours/")
    spec = [s for s in json_ld(response)["specialOpeningHoursSpecification"] if s["name"] == "Short Day"]
    assert spec[0]["opens"] == "08:30" and spec[0]["closes"] == "12:00"
    assert "8:30 AM – 12:00 PM" in response.content.decode()


def test_weekly_hours_are_in_json_ld(client, practice):
    data = json_ld(client.get("/"))
    assert data["@type"] == "MedicalClinic"
    assert data["telephone"] == "+13015550142"
    assert data["address"]["addressLocality"] == "Gaithersburg"
    monday = [s for s in data["openingHoursSpecification"] if s["dayOfWeek"].endswith("/Monday")]
    assert [(s["opens"], s["closes"]) for s in monday] == [("09:00", "12:00"), ("13:00", "17:00")]
    assert not [s for s in data["openingHoursSpecification"] if s["dayOfWeek"].endswith("/Sunday")]


def test_today_is_the_practice_date(client, practice, monkeypatch):
    """At 02:00 UTC on Nov 27 it is still Nov 26 in Gaithersburg."""
    from datetime import datetime, timezone as dt_timezone

    make_holiday(label="Thursday Closure", first_day=date(2026, 11, 26))
    make_holiday(label="Friday Closure", first_day=date(2026, 11, 27))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 27, 2, tzinfo=dt_timezone.utc))
    html = client.get("/hours/").content.decode()
    today_row = re.search(r'<tr class="today">(.*?)</tr>', html, re.S).group(1)
    assert "Thursday Closure" in today_row
