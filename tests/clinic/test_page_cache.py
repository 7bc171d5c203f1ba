"""Whole-page caching never shows a patient something stale or meant for staff."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from clinic.models import Announcement, HolidayHours
from clinic.page_cache import page_key
from tests.factories import make_announcement, make_holiday, make_office_hours, make_practice, make_staff

pytestmark = pytest.mark.django_db


def test_a_staff_preview_is_never_served_to_patients(client):
    draft = make_announcement(message="Not ready yet.", is_published=False)
    staff = make_staff()
    client.force_login(staff)
    assert b"Preview for staff" in client.get(draft.get_absolute_url()).content
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_staff_browsing_a_draft_does_not_leave_the_preview_banner_behind_once_it_is_published(client, rf):
    notice = make_announcement(is_published=False)
    client.force_login(make_staff())
    assert b"Preview for staff" in client.get(notice.get_absolute_url()).content
    assert cache.get(page_key(rf.get(notice.get_absolute_url()))) is None
    # Published without a save, so no new content generation: only a page stored for staff could still show.
    Announcement.objects.filter(pk=notice.pk).update(is_published=True)
    client.logout()
    response = client.get(notice.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview for staff" not in response.content


def test_saving_holiday_hours_or_practice_details_shows_on_the_next_request(client):
    practice = make_practice()
    make_office_hours(practice)
    client.get("/")
    make_holiday(label="Snow Day", first_day=timezone.localdate() + timedelta(days=1))
    assert b"Snow Day" in client.get("/").content
    practice.phone = "+13015550199"
    practice.save()
    assert b"(301) 555-0199" in client.get("/").content
    HolidayHours.objects.get().delete()
    assert b"Snow Day" not in client.get("/").content


def test_the_week_moves_on_at_midnight_in_new_york(client, monkeypatch):
    make_office_hours(make_practice())
    evening = timezone.localtime().replace(hour=23, minute=59)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    first = client.get("/hours/").content.decode()
    monkeypatch.setattr(timezone, "now", lambda: evening + timedelta(minutes=2))
    second = client.get("/hours/").content.decode()
    tomorrow = (evening + timedelta(days=1)).date()
    assert f"{tomorrow:%a %b} {tomorrow.day}" in first  # tomorrow's row has its date...
    assert f"{tomorrow:%a %b} {tomorrow.day}" not in second  # ...and is "Today" after midnight


def test_each_host_gets_its_own_canonical_link(client, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    client.get("/", headers={"Host": "a.example"})
    html = client.get("/", headers={"Host": "b.example"}).content.decode()
    assert '<link rel="canonical" href="http://b.example/">' in html


def test_a_query_string_is_rendered_fresh_and_not_stored(client, rf):
    make_practice()
    client.get("/?utm_source=x")
    assert cache.get(page_key(rf.get("/"))) is None
    client.get("/")
    assert cache.get(page_key(rf.get("/"))) is not None
