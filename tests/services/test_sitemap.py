import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from tests.factories import make_condition, make_provider, make_service

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client):
    """{path: lastmod or None} for every URL in /sitemap.xml."""
    root = ET.fromstring(client.get("/sitemap.xml").content)
    return {
        url.findtext("s:loc", namespaces=NS).removeprefix("http://testserver"): url.findtext("s:lastmod", namespaces=NS)
        for url in root.findall("s:url", NS)
    }


def test_published_treatments_conditions_and_their_lists_are_listed_with_lastmod(client):
    make_provider()
    services = [make_service(), make_service()]
    conditions = [make_condition(), make_condition()]
    urls = sitemap(client)
    expected = [item.get_absolute_url() for item in services + conditions] + ["/services/", "/conditions/", "/team/"]
    for path in expected:
        assert urls.get(path), f"{path} missing or without <lastmod>"
    assert urls[services[0].get_absolute_url()] == timezone.localdate(services[0].updated_at).isoformat()


def test_drafts_are_not_listed(client):
    draft_service, draft_condition = make_service(is_published=False), make_condition(is_published=False)
    urls = sitemap(client)
    assert "/services/" in urls and "/conditions/" in urls
    assert draft_service.get_absolute_url() not in urls
    assert draft_condition.get_absolute_url() not in urls


def test_every_app_adds_its_pages_to_the_one_sitemap(client):
    urls = sitemap(client)
    assert {"/", "/hours/", "/team/", "/services/", "/conditions/", "/book/", "/telehealth/"} <= set(urls)
