import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Announcement
from tests.factories import make_announcement, make_practice, make_staff

pytestmark = pytest.mark.django_db

PAGES = ["/", "/hours/", "/does-not-exist/"]


def bar_messages(response):
    html = response.content.decode()
    bar = re.search(r'<div class="announcement-bar">(.*?)</div>\s*</div>', html, re.S)
    return bar.group(1) if bar else ""


def test_it_shows_a_live_announcement_on_every_page_type(client):
    make_practice()
    notice = make_announcement(message="We are open on Saturday.")
    pages = PAGES + [notice.get_absolute_url()]
    for page in pages:
        response = client.get(page)
        assert "We are open on Saturday." in bar_messages(response), page
        assert notice.get_absolute_url() in bar_messages(response), page


@pytest.mark.parametrize(
    "window, shown",
    [
        ({"starts_at": timedelta(hours=1)}, False),  # not started yet
        ({"starts_at": -timedelta(hours=1)}, True),  # live, no end
        ({"starts_at": -timedelta(hours=2), "ends_at": timedelta(hours=1)}, True),
        ({"starts_at": -timedelta(hours=2), "ends_at": -timedelta(minutes=1)}, False),  # ended
    ],
)
def test_it_shows_announcements_only_inside_their_window(client, window, shown):
    now = timezone.now()
    make_announcement(message="Window test.", **{field: now + offset for field, offset in window.items()})
    assert ("Window test." in bar_messages(client.get("/"))) is shown


def test_it_never_shows_an_unpublished_announcement(client):
    notice = make_announcement(message="Draft text.", is_published=False)
    assert "Draft text." not in bar_messages(client.get("/"))
    assert client.get(notice.get_absolute_url()).status_code == 404


def test_a_scheduled_announcement_appears_and_disappears_without_a_save(client, monkeypatch):
    """The cache holds the rows; the time window is checked on every request."""
    now = timezone.now()
    make_announcement(message="Scheduled.", starts_at=now + timedelta(minutes=5), ends_at=now + timedelta(minutes=10))
    assert "Scheduled." not in bar_messages(client.get("/"))  # the content is now cached

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=6))
    assert "Scheduled." in bar_messages(client.get("/"))

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=11))
    assert "Scheduled." not in bar_messages(client.get("/"))


def test_a_change_in_the_admin_shows_on_the_next_request(client):
    notice = make_announcement(message="Old words.")
    assert "Old words." in bar_messages(client.get("/"))
    notice.message = "New words."
    notice.save()
    assert "New words." in bar_messages(client.get("/"))
    notice.delete()
    assert "New words." not in bar_messages(client.get("/"))


def test_it_orders_by_priority_then_newest(client):
    now = timezone.now()
    make_announcement(message="Normal old.", priority=10, starts_at=now - timedelta(days=2))
    make_announcement(message="Urgent.", priority=30, starts_at=now - timedelta(days=3))
    make_announcement(message="Normal new.", priority=10, starts_at=now - timedelta(days=1))
    bar = bar_messages(client.get("/"))
    assert bar.index("Urgent.") < bar.index("Normal new.") < bar.index("Normal old.")
    assert [a.message for a in Announcement.objects.live()] == ["Urgent.", "Normal new.", "Normal old."]


def test_the_notice_page_shows_the_full_text_safely(client):
    notice = make_announcement(
        title="Masks <b>optional</b>",
        body="First paragraph.\n\n<script>alert(1)</script> second paragraph.",
    )
    response = client.get(notice.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>First paragraph.</p>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; second paragraph." in html
    assert "Masks &lt;b&gt;optional&lt;/b&gt;" in html


def test_an_ended_notice_is_gone_for_patients_but_staff_can_preview_it(client):
    now = timezone.now()
    notice = make_announcement(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    assert client.get(notice.get_absolute_url()).status_code == 404
    client.force_login(make_staff())
    response = client.get(notice.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview for staff" in response.content


def test_the_sitemap_lists_live_notices_only(client):
    live = make_announcement()
    draft = make_announcement(is_published=False)
    xml = client.get(reverse("sitemap")).content.decode()
    assert live.get_absolute_url() in xml
    assert draft.get_absolute_url() not in xml
    assert "<lastmod>" in xml
