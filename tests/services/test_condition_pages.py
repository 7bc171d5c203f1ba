"""Condition pages: what the condition is, how the practice approaches it, the treatments for it with a way
to book each, and schema.org MedicalCondition JSON-LD built from the same rows."""

import json
import re
from html import unescape

import pytest

from services.models import Condition
from tests.factories import make_condition, make_practice, make_service, make_staff

pytestmark = pytest.mark.django_db


def json_ld_of(html):
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def section(html, heading_id):
    match = re.search(rf'<section aria-labelledby="{heading_id}">.*?</section>', html, re.S)
    return match.group(0) if match else None


@pytest.fixture
def sciatica():
    condition = make_condition(
        name="Sciatica", slug="sciatica", summary="Pain that runs down the leg.",
        about="<p>What sciatica is.</p>", approach="<p>How we look into it.</p>",
    )
    needling = make_service(title="Dry needling", slug="dry-needling", summary="Thin needles, no medicine.", order=1)
    injections = make_service(title="Trigger point injections", slug="trigger-point-injections", order=2)
    draft = make_service(title="Draft treatment", slug="draft-treatment", is_published=False)
    for service in (needling, injections, draft):
        service.conditions.add(condition)
    return condition


def test_a_condition_page_says_what_it_is_and_how_the_practice_approaches_it(client, sciatica):
    html = unescape(client.get("/conditions/sciatica/").content.decode())
    assert "<h1>Sciatica</h1>" in html
    assert re.search(r'<h2 id="page-about">About sciatica</h2>\s*<p>What sciatica is.</p>', section(html, "page-about"))
    assert re.search(r'<h2 id="page-approach">How we approach it</h2>\s*<p>How we look into it.</p>', section(html, "page-approach"))


def test_each_published_treatment_for_it_links_to_its_page_and_to_booking_it(client, sciatica):
    treatments = section(client.get("/conditions/sciatica/").content.decode(), "page-treatments")
    assert re.findall(r'<h3 class="h5 card-title"><a href="(/services/[^"]+/)">', treatments) == [
        "/services/dry-needling/", "/services/trigger-point-injections/",
    ]
    assert '<a class="btn btn-outline-primary" href="/book/dry-needling/">Book dry needling</a>' in treatments
    assert "Draft treatment" not in treatments


def test_a_condition_page_ends_with_a_way_to_book_and_to_call(client, sciatica):
    make_practice()
    html = client.get("/conditions/sciatica/").content.decode()
    cta = re.search(r'<section class="book-cta" aria-labelledby="page-book">.*?</section>', html, re.S).group(0)
    assert '<a class="btn btn-primary btn-lg" href="/book/">Book an appointment online</a>' in cta
    assert 'href="tel:+13015550142"' in cta


def test_sections_left_empty_are_left_out(client):
    condition = make_condition(about="", approach="")
    html = client.get(condition.get_absolute_url()).content.decode()
    assert 'id="page-about"' not in html and 'id="page-approach"' not in html
    assert "Call us to talk about the right treatment for you." in section(html, "page-treatments")


def test_the_json_ld_is_a_medical_web_page_about_the_condition_and_its_published_treatments(client, sciatica):
    [_, page] = json_ld_of(client.get("/conditions/sciatica/").content.decode())
    assert page["@type"] == "MedicalWebPage"
    assert page["url"] == "http://testserver/conditions/sciatica/"
    condition = page["about"]
    assert condition["@type"] == "MedicalCondition"
    assert (condition["name"], condition["description"]) == ("Sciatica", "Pain that runs down the leg.")
    assert [(t["@type"], t["name"], t["url"]) for t in condition["possibleTreatment"]] == [
        ("MedicalTherapy", "Dry needling", "http://testserver/services/dry-needling/"),
        ("MedicalTherapy", "Trigger point injections", "http://testserver/services/trigger-point-injections/"),
    ]


def test_a_condition_without_treatments_names_none_in_its_json_ld(client):
    condition = make_condition()
    [_, page] = json_ld_of(client.get(condition.get_absolute_url()).content.decode())
    assert "possibleTreatment" not in page["about"]


def test_staff_previewing_a_draft_treatment_do_not_leak_it_to_patients(client, sciatica):
    client.force_login(make_staff())
    assert "Draft treatment" in client.get("/conditions/sciatica/").content.decode()
    client.logout()
    html = client.get("/conditions/sciatica/").content.decode()
    assert "Draft treatment" not in html and "draft-treatment" not in html


def test_rich_text_is_cleaned_when_a_condition_is_saved():
    condition = make_condition(about='<p onclick="steal()">Text<script>alert(1)</script></p>', approach="<p>Fine</p>")
    condition.refresh_from_db()
    assert "script" not in condition.about and "onclick" not in condition.about
    assert "Text" in condition.about


def test_a_change_to_a_condition_shows_at_once_on_the_cached_page(client, sciatica):
    assert "How we look into it." in client.get("/conditions/sciatica/").content.decode()
    sciatica.approach = "<p>A new approach text.</p>"
    sciatica.save()
    assert "A new approach text." in client.get("/conditions/sciatica/").content.decode()


def test_the_condition_admin_groups_the_page_text_with_help(editor_client):
    condition = make_condition()
    page = editor_client.get(f"/admin/services/condition/{condition.pk}/change/").content.decode()
    assert "Page text" in page
    for field in ("summary", "about", "approach"):
        assert f'name="{field}"' in page
    assert "Say only what our clinicians stand behind" in page


def test_every_demo_condition_has_an_approach_and_treatments_and_the_trigger_point_ones_say_what_they_are(client, demo):
    for condition in Condition.objects.published():
        html = client.get(condition.get_absolute_url()).content.decode()
        assert section(html, "page-approach"), condition.slug
        assert re.search(r"href=\"/book/[a-z-]+/\"", section(html, "page-treatments")), condition.slug
    for slug in ("neck-pain", "back-pain", "headaches", "muscle-strains-and-sprains"):
        assert section(client.get(f"/conditions/{slug}/").content.decode(), "page-about"), slug
