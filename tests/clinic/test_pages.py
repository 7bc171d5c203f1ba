import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from clinic.models import Practice

pytestmark = pytest.mark.django_db

PATIENT_PAGES = ["/", "/hours/", "/notices/covid-19/"]


def head_values(html):
    return {
        "title": re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip(),
        "description": re.search(r'<meta name="description" content="([^"]+)">', html).group(1),
        "canonical": re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1),
    }


def test_every_page_has_a_unique_title_a_description_and_a_canonical_link(client, demo):
    heads = [head_values(client.get(page).content.decode()) for page in PATIENT_PAGES]
    assert len({head["title"] for head in heads}) == len(PATIENT_PAGES)
    for page, head in zip(PATIENT_PAGES, heads, strict=True):
        assert head["description"].strip()
        assert head["canonical"] == f"http://testserver{page}"


def test_the_base_layout_has_the_practice_essentials(client, demo):
    html = client.get("/").content.decode()
    practice = Practice.load()
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main"' in html
    assert escape(practice.name) in html and escape(practice.specialties) in html
    assert 'href="tel:+13015550142"' in html
    assert "(301) 555-0142" in html
    assert "100 Example Way, Suite 210" in html  # footer address


def test_the_hours_page_shows_weekly_hours_address_and_directions(client, demo):
    html = client.get("/hours/").content.decode()
    assert re.search(r"<th scope=\"row\">Monday</th><td>8:30 AM – 12:30 PM<br>1:30 PM – 5:00 PM</td>", html)
    assert re.search(r"<th scope=\"row\">Sunday</th><td>Closed</td>", html)
    assert "https://www.openstreetmap.org/search" in html
    assert "Gaithersburg, MD 20878" in html


def test_pages_work_before_any_practice_is_entered(client):
    for page in ["/", "/hours/"]:
        assert client.get(page).status_code == 200


def test_no_page_asks_for_anything_from_another_site(client, demo):
    for page in PATIENT_PAGES:
        html = client.get(page).content.decode()
        for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", html):
            url = re.search(r'(?:src|href)="([^"]*)"', tag)
            if url and 'rel="canonical"' not in tag:
                assert url.group(1).startswith("/"), f"{page}: {tag}"


# The home page shows the team's faces as well (one query more).
@pytest.mark.parametrize("page, most", [("/", 6), ("/hours/", 5)])
def test_home_and_hours_need_a_handful_of_queries_even_with_a_cold_cache(client, demo, page, most, django_assert_max_num_queries):
    with django_assert_max_num_queries(most):
        assert client.get(page).status_code == 200


def test_a_warm_page_needs_no_queries(client, demo):
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert len(queries) == 0


def test_healthz_answers_200_when_the_database_answers(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    # The shared Redis cache (with REDIS_URL, as in CI's second run) answers; without it, the file cache of this machine.
    redis = settings.CACHES["default"]["BACKEND"] == "clinic.resilient_cache.ResilientRedisCache"
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok" if redis else "local", "outbox": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_the_outbox_is_stalled_when_an_email_waits_with_no_worker_and_stays_200(client):
    from appointments.models import OutboxMessage

    now = timezone.now()
    message = OutboxMessage.objects.create(kind="patient_received", to="pat@example.com", subject="s", body="b",
                                           next_attempt_at=now - timedelta(minutes=9))
    assert client.get("/healthz").json()["outbox"] == "ok"  # due 9 minutes ago: a worker may be on its way
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=now - timedelta(minutes=11))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["outbox"] == "stalled" and response.json()["status"] == "degraded"
    assert "pat@example.com" not in response.content.decode()
    # Being sent (claimed by a worker), or failed and waiting for its next try (a mail outage): not stalled.
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", claimed_until=now + timedelta(minutes=4))
    assert client.get("/healthz").json()["outbox"] == "ok"
    OutboxMessage.objects.filter(pk=message.pk).update(status="failed", claimed_until=None, next_attempt_at=now + timedelta(minutes=5))
    assert client.get("/healthz").json()["outbox"] == "ok"
    # The worker sends it: ok again.
    OutboxMessage.objects.filter(pk=message.pk).update(status="pending", next_attempt_at=now - timedelta(hours=1))
    assert client.get("/healthz").json()["outbox"] == "stalled"
    call_command("send_outbox", stdout=StringIO(), stderr=StringIO())
    assert client.get("/healthz").json()["outbox"] == "ok"
    assert OutboxMessage.objects.get(pk=message.pk).status == "sent"


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_the_sitemap_lists_the_pages(client, demo):
    xml = client.get("/sitemap.xml").content.decode()
    for path in ["http://testserver/", "http://testserver/hours/", "http://testserver/notices/covid-19/"]:
        assert f"<loc>{path}</loc>" in xml


def test_the_favicon_redirects_to_the_static_file(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert re.match(r"/static/img/favicon\.[0-9a-f]+\.svg", response["Location"])


def test_a_missing_page_gets_the_branded_404(client, demo):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content
    assert b"(301) 555-0142" in response.content


def test_a_server_error_gets_the_branded_500_without_details(client, demo, monkeypatch):
    import clinic.views

    def explode(request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(clinic.views, "render", lambda *a, **k: explode(None))
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert b"Sorry, something went wrong on our side" in response.content
    assert b"secret internals" not in response.content


def test_only_get_and_head_are_accepted_on_pages(client, demo):
    assert client.post("/hours/").status_code in (403, 405)  # CSRF refuses before the view does
    assert client.head("/hours/").status_code == 200


def test_seed_demo_is_idempotent_and_always_has_an_upcoming_holiday_and_a_live_notice(client, demo):
    from clinic.models import Announcement, HolidayHours, OfficeHours

    counts = [Practice.objects.count(), OfficeHours.objects.count(), HolidayHours.objects.count(), Announcement.objects.count()]
    call_command("seed_demo", verbosity=0)
    assert [Practice.objects.count(), OfficeHours.objects.count(), HolidayHours.objects.count(), Announcement.objects.count()] == counts
    assert HolidayHours.objects.upcoming().exists()
    assert Announcement.objects.live().exists()
    html = client.get("/").content.decode()
    assert 'class="holiday-notice"' in html  # within two weeks, shown on every page
    assert 'class="announcement-bar"' in html


def test_demo_holidays_always_include_one_within_two_weeks():
    from datetime import date, timedelta

    from clinic.demo import upcoming_demo_holidays

    for offset in range(0, 366, 3):
        today = date(2027, 1, 1) + timedelta(days=offset)
        days = [day for _, day, _, _ in upcoming_demo_holidays(today)]
        assert any(today <= day <= today + timedelta(days=14) for day in days), today
        assert len(days) == len(set(days))


def test_static_files_have_hashed_names_and_are_cached_for_years(client):
    from django.templatetags.static import static

    url = static("css/clinic.min.css")
    assert re.match(r"/static/css/clinic\.min\.[0-9a-f]{12}\.css$", url)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    response.close()
