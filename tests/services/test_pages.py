import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from services.models import RESERVED_ANCHORS
from tests.factories import make_condition, make_provider, make_question, make_service, make_staff
from tests.pages import without_stylesheet

pytestmark = pytest.mark.django_db


def question_ids(html):
    """The ids of the question headings, then the anchors of the "On this page" list, in page order."""
    headings = [slug for slug in re.findall(r'<h2 id="([^"]+)"', html) if slug not in RESERVED_ANCHORS]
    nav = re.search(r'<nav class="on-this-page".*?</nav>', html, re.S).group(0)
    anchors = [slug for slug in re.findall(r'href="#([^"]+)"', nav) if slug != "after"]
    return headings, anchors


@pytest.mark.parametrize("make, url", [(make_service, "/services/{}/"), (make_condition, "/conditions/{}/")])
def test_a_draft_is_hidden_from_patients_and_previewed_by_staff_with_a_banner(client, make, url):
    draft = make(is_published=False)
    assert client.get(url.format(draft.slug)).status_code == 404
    client.force_login(make_staff())
    response = client.get(url.format(draft.slug))
    assert response.status_code == 200
    assert 'class="preview-banner"' in response.content.decode()
    client.logout()
    assert client.get(url.format(draft.slug)).status_code == 404  # the preview was not cached for patients


@pytest.mark.parametrize("make, url", [(make_service, "/services/{}/"), (make_condition, "/conditions/{}/")])
def test_a_published_page_has_no_draft_banner(client, make, url):
    published = make()
    response = client.get(url.format(published.slug))
    assert response.status_code == 200
    assert "preview-banner" not in without_stylesheet(response.content.decode())


@pytest.mark.parametrize("url", ["/services/no-such-treatment/", "/conditions/no-such-condition/"])
def test_it_answers_404_for_an_unknown_slug(client, url):
    assert client.get(url).status_code == 404


def test_questions_follow_their_order_field_in_the_page_and_on_this_page_list(client):
    service = make_service()
    third = make_question(service, slug="third", order=30)
    make_question(service, slug="first", order=10)
    make_question(service, slug="second", order=20)
    assert question_ids(client.get(service.get_absolute_url()).content.decode()) == (["first", "second", "third"],) * 2

    third.order = 5
    third.save()
    assert question_ids(client.get(service.get_absolute_url()).content.decode()) == (["third", "first", "second"],) * 2


def test_a_service_page_lists_its_published_conditions_only(client):
    shown, hidden = make_condition(name="Neck pain"), make_condition(name="Secret condition", is_published=False)
    service = make_service()
    service.conditions.set([shown, hidden])
    html = client.get(service.get_absolute_url()).content.decode()
    assert f'<a href="/conditions/{shown.slug}/">Neck pain</a>' in html
    assert "Secret condition" not in html and hidden.slug not in html


def test_a_condition_page_lists_its_published_services_only(client):
    condition = make_condition()
    shown = make_service(title="Dry needling")
    hidden = make_service(title="Secret treatment", is_published=False)
    condition.services.set([shown, hidden])
    html = client.get(condition.get_absolute_url()).content.decode()
    assert f'<a href="/services/{shown.slug}/">Dry needling</a>' in html
    assert "Secret treatment" not in html and hidden.slug not in html


def test_the_treatment_list_shows_published_services_only(client):
    make_service(title="Dry needling")
    make_service(title="Secret treatment", is_published=False)
    html = client.get("/services/").content.decode()
    assert "Dry needling" in html and "Secret treatment" not in html


def test_the_condition_list_shows_published_conditions_only(client):
    make_condition(name="Sciatica")
    make_condition(name="Secret condition", is_published=False)
    html = client.get("/conditions/").content.decode()
    assert "Sciatica" in html and "Secret condition" not in html


def test_the_team_page_lists_active_providers_in_order(client):
    make_provider(name="Second Provider", order=2)
    make_provider(name="First Provider", order=1)
    make_provider(name="Former Provider", order=0, is_active=False)
    html = client.get("/team/").content.decode()
    # Each name links to the provider's own page.
    assert re.findall(r'<h2 class="h4 card-title" id="[^"]+"><a href="/team/[^"]+/">([^<,]+)', html) == ["First Provider", "Second Provider"]
    assert "Former Provider" not in html


@pytest.mark.parametrize(
    "with_reviewer, reviewed_on, valid",
    [(True, date(2026, 3, 1), True), (False, None, True), (True, None, False), (False, date(2026, 3, 1), False)],
)
def test_a_review_needs_both_who_and_when_or_neither(with_reviewer, reviewed_on, valid):
    service = make_service(reviewed_by=make_provider() if with_reviewer else None, reviewed_on=reviewed_on)
    if valid:
        service.clean()
    else:
        with pytest.raises(ValidationError):
            service.clean()


def test_the_page_says_who_reviewed_it_and_when(client):
    reviewer = make_provider(name="Dana Whitfield", credentials="MD")
    service = make_service(reviewed_by=reviewer, reviewed_on=date(2026, 3, 1))
    html = client.get(service.get_absolute_url()).content.decode()
    assert '<p class="review-line">Medically reviewed by Dana Whitfield, MD on March 1, 2026.</p>' in html


def test_an_unreviewed_page_has_no_review_line(client):
    response = client.get(make_service().get_absolute_url())
    assert response.status_code == 200
    assert "review-line" not in without_stylesheet(response.content.decode())


def test_a_question_anchor_may_not_take_an_id_the_page_uses_itself():
    from django.core.exceptions import ValidationError

    from services.models import Question

    question = Question(question="After?", slug="page-aftercare", answer="<p>x</p>")
    with pytest.raises(ValidationError) as error:
        question.clean()
    assert "slug" in error.value.message_dict
