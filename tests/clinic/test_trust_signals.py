"""Trust signals the practice edits: each provider's board certifications, years in practice and
affiliations on their page; the practice's first visit and affiliations on the home page."""

import json
import re
from datetime import date
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import Practice, Provider
from clinic.validators import LIST_LINE_MAX
from tests.factories import make_provider, make_practice

pytestmark = pytest.mark.django_db


def json_ld_of(html):
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def page_text(client, path):
    return unescape(client.get(path).content.decode())


def experience_section(html):
    match = re.search(r'<section aria-labelledby="experience-heading".*?</section>', html, re.S)
    return match.group(0) if match else None


def test_a_providers_page_shows_their_certifications_years_in_practice_and_affiliations(client):
    make_practice()
    started = timezone.localdate().year - 12
    provider = make_provider(
        slug="dana", board_certifications="Physical Medicine and Rehabilitation\n\n  Pain Medicine  \n",
        in_practice_since=started, affiliations="Medical staff, Example General Hospital",
    )
    section = experience_section(page_text(client, f"/team/{provider.slug}/"))
    assert section is not None
    assert re.search(rf"<dt>Experience</dt>\s*<dd>12 years in practice \(since {started}\)</dd>", section)
    assert re.search(
        r"<dt>Board certifications</dt>\s*<dd>Physical Medicine and Rehabilitation</dd><dd>Pain Medicine</dd>", section
    )
    assert re.search(r"<dt>Affiliation</dt>\s*<dd>Medical staff, Example General Hospital</dd>", section)


def test_a_provider_in_their_first_year_is_shown_as_in_practice_since_that_year(client):
    this_year = timezone.localdate().year
    provider = make_provider(in_practice_since=this_year)
    section = experience_section(page_text(client, f"/team/{provider.slug}/"))
    assert f"<dd>In practice since {this_year}</dd>" in section
    assert "0 years" not in section


def test_years_in_practice_count_calendar_years_and_turn_over_on_new_years_day():
    provider = Provider(in_practice_since=2014)
    assert provider.years_in_practice_on(date(2026, 12, 31)) == 12
    assert provider.years_in_practice_on(date(2027, 1, 1)) == 13
    assert provider.years_in_practice_on(date(2014, 6, 1)) == 0
    assert Provider(in_practice_since=None).years_in_practice_on(date(2026, 1, 1)) is None


def test_a_provider_without_any_of_these_facts_has_no_training_section(client):
    provider = make_provider()
    html = page_text(client, f"/team/{provider.slug}/")
    assert experience_section(html) is None
    assert "Training and experience" not in html


@pytest.mark.parametrize("year", [1949, "next year"])
def test_an_implausible_start_year_is_refused_next_to_the_field(year):
    this_year = timezone.localdate().year
    provider = make_provider()
    provider.in_practice_since = this_year + 1 if year == "next year" else year
    with pytest.raises(ValidationError) as refused:
        provider.full_clean()
    assert refused.value.message_dict["in_practice_since"] == [f"Enter the year as four digits, between 1950 and {this_year}."]


def test_a_paragraph_pasted_into_a_one_per_line_field_is_refused_with_the_line_number():
    provider = make_provider()
    provider.affiliations = "Medical staff, Example General Hospital\n" + "word " * (LIST_LINE_MAX // 4)
    with pytest.raises(ValidationError) as refused:
        provider.full_clean()
    assert refused.value.message_dict["affiliations"] == [
        f"Line 2 is longer than {LIST_LINE_MAX} characters: put one item on each line, briefly."
    ]


def test_the_home_page_shows_the_first_visit_steps_in_order_and_the_practices_affiliations(client):
    make_practice(
        first_visit="Book online or call us.\n\nBring a photo ID.\r\nYour provider examines you.",
        affiliations="Example General Hospital\nExample Regional Pain Network",
    )
    html = page_text(client, "/")
    steps = re.search(r'<h2 id="first-visit-heading">Your first visit</h2>\s*<ol>(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", steps) == ["Book online or call us.", "Bring a photo ID.", "Your provider examines you."]
    affiliations = re.search(r'<h2 id="affiliations-heading">Affiliations and memberships</h2>\s*<ul>(.*?)</ul>', html, re.S)
    assert re.findall(r"<li>(.*?)</li>", affiliations.group(1)) == ["Example General Hospital", "Example Regional Pain Network"]


def test_the_home_page_leaves_out_the_sections_the_practice_left_empty(client):
    make_practice(first_visit="", affiliations="  \n ")
    html = page_text(client, "/")
    assert "first-visit-heading" not in html and "affiliations-heading" not in html


def test_a_providers_page_also_tells_new_patients_what_to_expect(client):
    make_practice(first_visit="Book online or call us.\nBring a photo ID.")
    provider = make_provider()
    html = page_text(client, f"/team/{provider.slug}/")
    assert re.search(
        r'<h2 id="first-visit-heading">What to expect at your first visit</h2>\s*<ol>\s*<li>Book online or call us.</li>'
        r"<li>Bring a photo ID.</li>",
        html,
    )


def test_what_staff_type_is_shown_as_text_never_as_markup(client):
    make_practice(first_visit="<script>alert(1)</script>")
    provider = make_provider(board_certifications='<img src="x">')
    assert "<script>alert(1)</script>" not in client.get("/").content.decode()
    assert '<img src="x">' not in client.get(f"/team/{provider.slug}/").content.decode()


def test_a_change_to_the_first_visit_shows_at_once_on_the_cached_home_page(client):
    practice = make_practice(first_visit="Bring a photo ID.")
    assert "Bring a photo ID." in page_text(client, "/")
    practice.first_visit = "Bring a photo ID and your insurance card."
    practice.save()
    assert "Bring a photo ID and your insurance card." in page_text(client, "/")


def test_the_providers_json_ld_lists_their_board_certifications_and_memberships(client):
    make_practice()
    provider = make_provider(
        board_certifications="Physical Medicine and Rehabilitation", affiliations="Example Regional Pain Network"
    )
    [_, physician] = json_ld_of(client.get(f"/team/{provider.slug}/").content.decode())
    assert physician["hasCredential"] == [
        {"@type": "EducationalOccupationalCredential", "credentialCategory": "Board certification",
         "name": "Physical Medicine and Rehabilitation"}
    ]
    assert physician["memberOf"] == [{"@type": "Organization", "name": "Example Regional Pain Network"}]


def test_the_practices_json_ld_lists_its_affiliations_and_leaves_them_out_when_empty(client):
    practice = make_practice(affiliations="Example General Hospital")
    [clinic] = json_ld_of(client.get("/").content.decode())
    assert clinic["memberOf"] == [{"@type": "Organization", "name": "Example General Hospital"}]
    practice.affiliations = ""
    practice.save()
    [clinic] = json_ld_of(client.get("/").content.decode())
    assert "memberOf" not in clinic


def test_an_editor_adds_certifications_and_a_start_year_in_the_admin(editor_client):
    provider = make_provider()
    page = editor_client.get(f"/admin/clinic/provider/{provider.pk}/change/").content.decode()
    assert "Certifications and experience" in page and "Check each one on the board" in page
    form = {
        "name": provider.name, "slug": provider.slug, "credentials": "MD", "role": provider.role, "bio": "",
        "languages": "English", "npi": "", "photo_alt": "", "board_certifications": "Pain Medicine",
        "in_practice_since": "2011", "affiliations": "", "offers_telehealth": "on", "is_active": "on", "order": "0",
        "licences-TOTAL_FORMS": "0", "licences-INITIAL_FORMS": "0", "licences-MIN_NUM_FORMS": "0",
        "licences-MAX_NUM_FORMS": "1000",
    }
    response = editor_client.post(f"/admin/clinic/provider/{provider.pk}/change/", form)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.certification_list, provider.in_practice_since) == (["Pain Medicine"], 2011)


def test_the_practice_admin_explains_the_first_visit_and_affiliations(editor_client):
    make_practice()
    page = editor_client.get("/admin/clinic/practice/1/change/").content.decode()
    assert "New patients and affiliations" in page
    assert "one step per line, in order" in page


def test_the_demo_shows_trust_signals_on_the_home_page_and_a_physicians_page(client, demo):
    practice = Practice.load()
    assert practice.first_visit_steps and practice.affiliation_list
    home = page_text(client, "/")
    assert all(step in home for step in practice.first_visit_steps)
    dana = Provider.objects.get(slug="dana-whitfield")
    section = experience_section(page_text(client, "/team/dana-whitfield/"))
    assert f"{dana.years_in_practice} years in practice" in section
    assert "Physical Medicine and Rehabilitation" in section
