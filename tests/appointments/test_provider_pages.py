"""Each provider's own page (/team/<slug>/), its JSON-LD and sitemap entry, booking with that
provider from it, and the way to book at the end of every treatment page."""

import json
import re
from html import unescape

import pytest

from clinic.models import Provider
from services.models import Service

pytestmark = pytest.mark.django_db


def json_ld_of(html):
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def test_it_shows_a_providers_page_with_what_patients_need(client, demo):
    html = unescape(client.get("/team/marcus-ellery/").content.decode())
    assert "<h1>Marcus Ellery, DO</h1>" in html
    assert re.search(r"<dt>Credentials</dt>\s*<dd>DO</dd>", html)
    assert re.search(r"<dt>Languages spoken</dt>\s*<dd>English, Spanish</dd>", html)
    assert re.search(r'<img class="provider-portrait" src="/media/providers/marcus-ellery-portrait-[^"]+" srcset="[^"]+"', html)
    offered = Service.objects.published().filter(visit_types__providers__slug="marcus-ellery").distinct()
    assert offered.exists()
    for service in offered:
        assert f'<a href="{service.get_absolute_url()}">{service.title}</a>' in html
    assert '<a class="btn btn-primary btn-lg" href="/book/?provider=marcus-ellery">Book with Marcus Ellery, DO</a>' in html


def test_a_providers_page_says_where_they_are_licensed_and_as_what_without_the_number(client, demo):
    marcus = Provider.objects.get(slug="marcus-ellery")
    marcus.licences.filter(state="MD").update(number="D0099999")
    html = unescape(client.get("/team/marcus-ellery/").content.decode())
    licensed = re.search(r"<dt>Licensed in</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1)
    shown = re.findall(r"<li>(.*?)</li>", licensed)
    assert shown == [f"{licence.get_state_display()}: {licence.get_licence_type_display()}" for licence in marcus.licences.all()]
    assert "Maryland: Physician (DO)" in shown
    assert "D0099999" not in html  # the number is for the video visit's details page, not the public one


def test_a_provider_with_one_language_lists_only_that_one(client, demo):
    html = client.get("/team/dana-whitfield/").content.decode()
    assert re.search(r"<dt>Languages spoken</dt>\s*<dd>English</dd>", html)


@pytest.mark.parametrize("path", ["/team/no-such-person/", "/team/priya-raman/"])
def test_an_unknown_or_departed_provider_is_not_found(client, demo, path):
    Provider.objects.filter(slug="priya-raman").update(is_active=False)
    assert client.get(path).status_code == 404


def test_the_team_page_links_to_each_providers_page(client, demo):
    html = client.get("/team/").content.decode()
    for provider in Provider.objects.active():
        assert f'href="/team/{provider.slug}/"' in html


def test_a_physician_page_carries_physician_json_ld(client, demo):
    [site, physician] = json_ld_of(client.get("/team/dana-whitfield/").content.decode())
    assert site["@type"] == "MedicalClinic"
    assert physician["@type"] == "Physician"
    assert physician["name"] == "Dana Whitfield, MD"
    assert physician["url"] == "http://testserver/team/dana-whitfield/"
    assert physician["parentOrganization"]["@type"] == "MedicalClinic"
    assert physician["knowsLanguage"] == ["English"]
    assert {service["name"] for service in physician["availableService"]} >= {"Dry needling"}


def test_a_physician_assistant_is_a_person_working_for_the_clinic(client, demo):
    [_, person] = json_ld_of(client.get("/team/priya-raman/").content.decode())
    assert person["@type"] == "Person"
    assert person["jobTitle"] == "Physician assistant"
    assert person["honorificSuffix"] == "PA-C"
    assert person["worksFor"]["@type"] == "MedicalClinic"


def test_provider_pages_are_in_the_sitemap(client, demo):
    Provider.objects.filter(slug="priya-raman").update(is_active=False)
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/team/dana-whitfield/</loc>" in xml
    assert "<loc>http://testserver/team/marcus-ellery/</loc>" in xml
    assert "/team/priya-raman/" not in xml


def test_a_change_to_a_provider_shows_at_once_on_the_cached_page(client, demo):
    assert "English, Spanish" in client.get("/team/marcus-ellery/").content.decode()
    provider = Provider.objects.get(slug="marcus-ellery")
    provider.languages = "English, Spanish, French"
    provider.save()
    assert "English, Spanish, French" in client.get("/team/marcus-ellery/").content.decode()


def test_booking_with_a_provider_lists_only_their_visits_and_keeps_them(client, demo):
    provider = Provider.objects.get(slug="priya-raman")
    html = client.get("/book/", {"provider": "priya-raman"}).content.decode()
    assert '<input type="hidden" name="provider" value="priya-raman">' in html
    assert 'With <a href="/team/priya-raman/">Priya Raman, PA-C</a>' in html
    listed = set(re.findall(r'name="visit" value="([^"]+)"', html))
    assert listed == {visit_type.slug for visit_type in provider.visit_types.filter(is_active=True)}


def test_the_time_page_accepts_a_provider_by_slug(client, demo):
    provider = Provider.objects.get(slug="dana-whitfield")
    visit = provider.visit_types.filter(is_active=True, in_office=True).first()
    response = client.get("/book/time/", {"visit": visit.slug, "mode": "in_office", "provider": "dana-whitfield"})
    assert response.status_code == 200
    assert response.context["provider"] == provider
    assert re.search(rf'<option value="{provider.pk}" selected>', response.content.decode())
    assert client.get("/book/time/", {"visit": visit.slug, "mode": "in_office", "provider": "no-such-person"}).status_code == 400


def test_every_treatment_page_ends_with_a_way_to_book_it(client, demo):
    for service in Service.objects.published():
        html = client.get(service.get_absolute_url()).content.decode()
        end = html[html.index('<section class="book-cta"'):html.index("</article>")]
        assert f'href="/book/{service.slug}/">Book {service.title.lower()} online</a>' in end
