import json
import re

import pytest

from services.models import Service
from clinic.rich_text import render_rich_text

pytestmark = pytest.mark.django_db


def json_ld_blocks(html):
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


@pytest.fixture
def dry_needling(client, demo):
    service = Service.objects.get(slug="dry-needling")
    return service, json_ld_blocks(client.get(service.get_absolute_url()).content.decode())


def only(blocks, schema_type):
    matches = [block for block in blocks if block["@type"] == schema_type]
    assert len(matches) == 1, f"expected one {schema_type}, got {len(matches)}"
    return matches[0]


def test_the_faq_block_has_every_question_with_its_sanitised_answer(dry_needling):
    service, blocks = dry_needling
    faq = only(blocks, "FAQPage")
    expected = [(q.question, str(render_rich_text(q.answer))) for q in service.questions.all()]
    assert len(expected) == 5
    assert [(item["name"], item["acceptedAnswer"]["text"]) for item in faq["mainEntity"]] == expected
    assert all(item["@type"] == "Question" and item["acceptedAnswer"]["@type"] == "Answer" for item in faq["mainEntity"])


def test_the_page_block_is_a_reviewed_medical_web_page_about_the_procedure(dry_needling):
    service, blocks = dry_needling
    page = only(blocks, "MedicalWebPage")
    assert page["about"]["@type"] == "MedicalProcedure"
    assert page["about"]["name"] == service.title == "Dry needling"
    assert page["lastReviewed"] == service.reviewed_on.isoformat()
    assert page["reviewedBy"] == {"@type": "Person", "name": service.reviewed_by.display_name}


def test_the_practice_block_of_the_base_template_is_still_there(dry_needling):
    _, blocks = dry_needling
    assert only(blocks, "MedicalClinic")["name"] == "Pain, Spine & Rehab Associates"


def test_a_page_without_questions_has_no_faq_block(client):
    service = Service.objects.create(title="Massage", slug="massage", summary="Massage.", is_published=True)
    blocks = json_ld_blocks(client.get(service.get_absolute_url()).content.decode())
    assert [block["@type"] for block in blocks if block["@type"] != "MedicalClinic"] == ["MedicalWebPage"]
    assert "lastReviewed" not in only(blocks, "MedicalWebPage")


def test_plain_text_keeps_a_space_between_paragraphs_and_list_items():
    from services.structured_data import plain_text

    assert plain_text("<p>One.</p><p>Two <strong>bold</strong>.</p><ul><li>a</li><li>b</li></ul>") == "One. Two bold. a b"
