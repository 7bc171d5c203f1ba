"""Whole-page caching never shows a patient something stale or meant for staff."""

import gzip
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from clinic.models import Announcement, HolidayHours
from clinic.page_cache import page_key
from tests.factories import make_announcement, make_holiday, make_office_hours, make_practice, make_service, make_staff

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


# --- Validators and 304 (issue 16) ------------------------------------------------------


def test_a_repeat_visit_with_the_etag_answers_304_without_a_body(client):
    make_practice()
    first = client.get("/hours/")
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert first["Cache-Control"] == "no-cache"  # the browser keeps it but asks every time
    again = client.get("/hours/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_page_staff_changed_answers_200_with_a_new_etag(client):
    make_practice()
    service = make_service(title="Dry needling")
    first = client.get(service.get_absolute_url())
    assert client.get(service.get_absolute_url(), headers={"If-None-Match": first["ETag"]}).status_code == 304
    service.title = "Dry needling for neck pain"
    service.save()  # what the admin's Save does
    after = client.get(service.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200
    assert b"Dry needling for neck pain" in after.content
    assert after["ETag"] != first["ETag"]


def test_a_change_to_the_practice_changes_the_etag_of_every_page(client):
    practice = make_practice()
    etag = client.get("/").get("ETag")
    practice.phone = "+13015550199"
    practice.save()
    after = client.get("/", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert b"(301) 555-0199" in after.content


def test_the_etag_is_the_same_on_another_server_that_rendered_the_page_itself(client):
    """A hash of the bytes, not of when or where it was stored: after the cached copy is gone
    (evicted, another app server, a Redis restart), an unchanged page still answers 304."""
    make_practice()
    etag = client.get("/hours/")["ETag"]
    cache.clear()
    assert client.get("/hours/", headers={"If-None-Match": etag}).status_code == 304


def test_the_page_is_gzipped_for_browsers_that_take_it_and_plain_for_others(client):
    make_practice()
    plain = client.get("/")
    assert "Content-Encoding" not in plain
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 3
    assert int(zipped["Content-Length"]) == len(zipped.content)
    assert {"Accept-Encoding", "Cookie"} <= {name.strip() for name in zipped["Vary"].split(",")}
    assert zipped["ETag"] == plain["ETag"]


def test_signed_in_staff_get_a_fresh_page_no_cache_may_keep(client):
    make_practice()
    etag = client.get("/hours/")["ETag"]
    client.force_login(make_staff())
    response = client.get("/hours/", headers={"If-None-Match": etag})
    assert response.status_code == 200  # never a 304 against the patients' copy
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "ETag" not in response


def test_a_page_with_a_form_token_is_compressed_with_random_padding(client):
    """BREACH: pages with a CSRF token are never stored; Django's gzip pads each answer at random,
    so the same page compresses to a different length from one answer to the next."""
    make_practice()
    lengths = set()
    for _ in range(6):
        response = client.get("/admin/login/", headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert b"csrfmiddlewaretoken" in gzip.decompress(response.content)
        lengths.add(len(response.content))
    assert len(lengths) > 1
