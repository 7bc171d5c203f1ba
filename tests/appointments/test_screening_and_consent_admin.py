"""Staff editing of treatments' safety questions and consent versions: clinical content kept by
clinicians (never content editors); a published version is frozen, a new one is numbered and
starts from the current text, and patients sign the newest published version."""

import pytest

from appointments import intake as intakes
from appointments.models import Intake, ScreeningQuestion, TreatmentConsent
from clinic.models import Provider
from clinic.roles import CLINICIANS, CONTENT_EDITORS, FRONT_DESK
from tests.factories import make_appointment, make_provider, make_service, make_staff, make_visit_type

pytestmark = pytest.mark.django_db

A = "/admin/appointments"


@pytest.fixture
def service():
    return make_service(title="Dry needling", slug="dry-needling")


@pytest.fixture
def published(service):
    return intakes.publish_consent(TreatmentConsent.objects.create(service=service, text="Version one.\n\nStop at any time."))


@pytest.fixture
def clinician():
    return make_staff("drdana", group=CLINICIANS)


def test_a_clinician_adds_a_screening_question_and_editors_cannot(client, clinician, service):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    assert client.get(f"{A}/screeningquestion/add/").status_code == 403
    client.force_login(clinician)

    response = client.post(f"{A}/screeningquestion/add/", {
        "service": service.pk, "question": "Do you have a pacemaker?", "reason": "Electrical stimulation is not used with one.",
        "review_when": "yes", "key": "pacemaker", "order": 5, "is_active": "on",
    })

    assert response.status_code == 302
    question = ScreeningQuestion.objects.get()
    assert (question.service, question.key, question.review_when) == (service, "pacemaker", "yes")
    listing = client.get(f"{A}/screeningquestion/").content.decode()
    assert "Do you have a pacemaker?" in listing
    assert "Clinical content" in client.get(f"{A}/screeningquestion/{question.pk}/change/").content.decode()


def test_the_front_desk_does_not_edit_clinical_content(client, published):
    client.force_login(make_staff("desk", group=FRONT_DESK))
    assert client.get(f"{A}/treatmentconsent/").status_code == 403
    assert client.get(f"{A}/screeningquestion/add/").status_code == 403


def test_a_published_version_is_read_only_and_a_change_posted_anyway_changes_nothing(client, clinician, published):
    client.force_login(clinician)

    page = client.get(f"{A}/treatmentconsent/{published.pk}/change/")
    posted = client.post(f"{A}/treatmentconsent/{published.pk}/change/", {"text": "Sneaky new wording."})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert "Add a new version, starting from this text" in page.content.decode()
    assert "Publish this version" not in page.content.decode()
    assert posted.status_code == 403
    published.refresh_from_db()
    assert published.text.startswith("Version one.")


def test_a_new_version_starts_from_the_text_is_numbered_and_patients_sign_it_once_published(client, clinician, service, published):
    client.force_login(clinician)

    form = client.get(f"{A}/treatmentconsent/add/?from={published.pk}")
    assert form.context["adminform"].form.initial["text"] == published.text
    client.post(f"{A}/treatmentconsent/add/", {"service": service.pk, "text": "Version two.\n\nStop at any time."})
    draft = TreatmentConsent.objects.get(version=2)
    provider = make_provider()
    appointment = make_appointment(provider=provider, visit_type=make_visit_type(providers=[provider], service=service))
    intake = Intake.objects.create(appointment=appointment, kind=Intake.Kind.NEW_PATIENT)
    asked_before = [wanted.treatment_consent for wanted in intakes.consents_to_sign(appointment, intake)]

    response = client.post(f"{A}/treatmentconsent/{draft.pk}/publish/", follow=True)
    again = client.post(f"{A}/treatmentconsent/{draft.pk}/publish/", follow=True)

    draft.refresh_from_db()
    assert draft.service == service and draft.published_at is not None
    assert "is published: patients are asked to sign it" in response.content.decode()
    assert "published already" in again.content.decode()
    assert asked_before == [published]
    assert [wanted.treatment_consent for wanted in intakes.consents_to_sign(appointment, intake)] == [draft]
    published.refresh_from_db()
    assert published.text.startswith("Version one.")


def test_the_publish_action_publishes_drafts_and_leaves_published_ones(client, clinician, service, published):
    draft = TreatmentConsent.objects.create(service=service, text="Version two.")
    client.force_login(clinician)
    first_published_at = published.published_at

    client.post(f"{A}/treatmentconsent/", {"action": "publish", "_selected_action": [draft.pk, published.pk]})

    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.published_at is not None
    assert published.published_at == first_published_at


def test_publish_refuses_an_empty_text_and_odd_addresses_get_no_server_error(client, clinician, service):
    draft = TreatmentConsent.objects.create(service=service, text="   ")
    client.force_login(clinician)

    refused = client.post(f"{A}/treatmentconsent/{draft.pk}/publish/", follow=True)

    assert "has no text" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.published_at is None
    assert client.get(f"{A}/treatmentconsent/{draft.pk}/publish/").status_code == 302  # GET publishes nothing
    assert client.post(f"{A}/treatmentconsent/abc/publish/").status_code == 302
    assert client.post(f"{A}/treatmentconsent/99999999/publish/").status_code == 302
    assert client.get(f"{A}/treatmentconsent/add/?from=abc").status_code == 200
    assert client.get(f"{A}/treatmentconsent/add/?from=99999999").status_code == 200
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    assert client.post(f"{A}/treatmentconsent/{draft.pk}/publish/").status_code == 403
    draft.refresh_from_db()
    assert draft.published_at is None


def test_only_superusers_link_a_sign_in_to_a_provider(client, clinician):
    provider = make_provider(name="Dana Whitfield")
    editor = make_staff("editor", group=CONTENT_EDITORS)
    client.force_login(editor)
    page = client.get(f"/admin/clinic/provider/{provider.pk}/change/")
    assert "staff_user" not in page.context["adminform"].form.fields
    client.force_login(make_staff("boss", superuser=True))
    page = client.get(f"/admin/clinic/provider/{provider.pk}/change/")
    field = page.context["adminform"].form.fields["staff_user"]
    assert clinician in field.queryset and editor in field.queryset
    assert "only this provider's schedule" in page.content.decode()
    assert Provider.objects.get(pk=provider.pk).staff_user is None
