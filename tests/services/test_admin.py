from datetime import date

import pytest
from django.test import Client
from django.utils import formats, timezone

from clinic.models import Provider
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from services.models import Condition, Question, Service
from tests.factories import make_provider, make_question, make_service, make_staff, pass_second_step

pytestmark = pytest.mark.django_db


def service_form(service, questions, new_questions=()):
    """The change form as the admin posts it: the service's fields plus the question inline."""
    rows = [(q.pk, q.order, q.question, q.slug, q.answer) for q in questions] + [(None, *row) for row in new_questions]
    data = {
        "title": service.title, "slug": service.slug, "is_published": "on" if service.is_published else "",
        "order": str(service.order), "summary": service.summary, "intro": service.intro, "aftercare": service.aftercare,
        "other_combined_treatments": service.other_combined_treatments, "reviewed_by": "", "reviewed_on": "",
        "seo_description": service.seo_description,
        "questions-TOTAL_FORMS": str(len(rows)), "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000",
    }
    for index, (pk, order, question, slug, answer) in enumerate(rows):
        prefix = f"questions-{index}-"
        data.update({prefix + "id": str(pk or ""), prefix + "service": str(service.pk), prefix + "order": str(order),
                     prefix + "question": question, prefix + "slug": slug, prefix + "answer": answer})
    return data


def test_an_editor_adds_a_question_and_patients_see_it_on_the_next_request(client):
    service = make_service()
    existing = make_question(service, order=1)
    assert "Does it hurt?" not in client.get(service.get_absolute_url()).content.decode()  # now cached
    editor = Client()
    editor_user = make_staff("editor", group=CONTENT_EDITORS)
    editor.force_login(editor_user)
    pass_second_step(editor, editor_user)
    url = f"/admin/services/service/{service.pk}/change/"
    assert editor.get(url).status_code == 200

    response = editor.post(url, service_form(service, [existing], [(2, "Does it hurt?", "does-it-hurt", "<p>A little.</p>")]))

    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(service.questions.values_list("slug", flat=True)) == [existing.slug, "does-it-hurt"]
    html = client.get(service.get_absolute_url()).content.decode()
    assert '<h2 id="does-it-hurt">Does it hurt?</h2>' in html and "<p>A little.</p>" in html


@pytest.mark.parametrize("url", ["/admin/services/service/{pk}/change/", "/admin/services/service/add/"])
def test_the_front_desk_cannot_open_treatment_pages_in_the_admin(client, url):
    service = make_service()
    client.force_login(make_staff("desk", group=FRONT_DESK))
    assert client.get(url.format(pk=service.pk)).status_code == 403


def test_the_front_desk_cannot_post_a_change_either(client):
    service = make_service(title="Dry needling")
    client.force_login(make_staff("desk", group=FRONT_DESK))
    data = service_form(service, [])
    data["title"] = "Changed by the front desk"
    assert client.post(f"/admin/services/service/{service.pk}/change/", data).status_code == 403
    assert Service.objects.get().title == "Dry needling"


@pytest.mark.parametrize("model", [Service, Question, Condition, Provider])
def test_every_editable_field_has_help_text(model):
    for field in model._meta.get_fields():
        if getattr(field, "editable", False) and not field.auto_created and field.name != "service":
            assert field.help_text, f"{model.__name__}.{field.name}"


def test_the_service_list_shows_status_review_date_and_last_change(client):
    reviewed = make_service(title="Dry needling", reviewed_by=make_provider(), reviewed_on=date(2026, 3, 1))
    make_service(title="Cupping", is_published=False)
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    html = client.get("/admin/services/service/").content.decode()
    for column in ("status", "reviewed_on", "updated_at"):
        assert f'<th scope="col" class="sortable column-{column}">' in html, column
    assert '<td class="field-status">Published</td>' in html
    assert '<td class="field-status"><em>Draft</em></td>' in html
    assert f'<td class="field-reviewed_on nowrap">{formats.localize(reviewed.reviewed_on)}</td>' in html
    last_change = formats.localize(timezone.template_localtime(reviewed.updated_at))
    assert f'<td class="field-updated_at nowrap">{last_change}</td>' in html
