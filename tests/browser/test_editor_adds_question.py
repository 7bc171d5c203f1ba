"""A content editor adds a question and answer to a treatment page in the admin; a patient sees it."""

import json

from django.core.management import call_command
from playwright.sync_api import expect

from clinic.roles import CONTENT_EDITORS
from services.models import Question, Service
from tests.factories import make_staff

SERVICE_TITLE = "Dry needling"
QUESTION = "Does dry needling hurt?"
QUESTION_SLUG = "does-dry-needling-hurt"
ORDER = 99  # after the demo's questions, so it is the last one on the page
ANSWER_BEFORE_BOLD = "Most people feel "
BOLD_WORDS = "a brief twitch"
ANSWER_AFTER_BOLD = " as the muscle lets go, then a dull ache that fades within a day or two."
ANSWER_TEXT = ANSWER_BEFORE_BOLD + BOLD_WORDS + ANSWER_AFTER_BOLD


def open_service(page, title):
    """From the admin index, through the Services list, to the treatment's change form, as staff click it."""
    page.get_by_role("link", name="Practice website — staff").click()  # the header, on every admin page
    page.locator("#content-main").get_by_role("link", name="Services", exact=True).click()
    page.locator("#result_list").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()


def add_question(page, form_index):
    page.get_by_role("button", name="Add another question and answer").click()  # a link with role="button"
    form = page.locator(f"#questions-{form_index}")
    expect(form).to_be_visible()
    # Exact label texts: the editor's menubar buttons ("ordered list", ...) would match "Order" too.
    form.get_by_label("Order:", exact=True).fill(str(ORDER))
    # Typed key by key: the admin's prepopulate script fills the slug on keyup.
    form.get_by_label("Question:", exact=True).press_sequentially(QUESTION)
    expect(form.get_by_label("Slug:", exact=True)).to_have_value(QUESTION_SLUG)

    # django-prose-editor's script, started in the newly added form, hides the answer's textarea
    # behind a ProseMirror contenteditable with a menubar.
    answer_row = form.locator(".field-answer")
    editor = answer_row.locator(".ProseMirror[contenteditable='true']")
    expect(editor, "the rich-text editor did not start: is its import map blocked by the CSP?").to_be_visible()
    editor.click()
    editor.press_sequentially(ANSWER_BEFORE_BOLD)
    bold = answer_row.get_by_role("button", name="bold", exact=True)
    bold.click()
    editor.press_sequentially(BOLD_WORDS)
    bold.click()
    editor.press_sequentially(ANSWER_AFTER_BOLD)
    expect(editor.locator("strong")).to_have_text(BOLD_WORDS)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def structured_data(page):
    return [json.loads(text) for text in page.locator('script[type="application/ld+json"]').all_text_contents()]


def test_content_editor_adds_a_question_that_patients_see_on_the_treatment_page(live_site, open_page, console, sign_in):
    call_command("seed_demo", verbosity=0)
    make_staff("editor", group=CONTENT_EDITORS)
    service = Service.objects.get(title=SERVICE_TITLE)
    demo_questions = list(service.questions.values_list("question", flat=True))

    staff = open_page()
    sign_in(staff, "editor")
    open_service(staff, SERVICE_TITLE)
    add_question(staff, form_index=len(demo_questions))
    # Checked first: the admin allows the editor's import map (script) and base stylesheet (style)
    # by hash, and with either blocked the editor fails or saves different HTML (spaces become &nbsp;).
    admin_csp = console.about_csp(under="/admin/")
    assert admin_csp == [], "CSP messages on admin pages:\n" + "\n".join(map(str, admin_csp))

    question = Question.objects.get(service=service, slug=QUESTION_SLUG)
    assert (question.question, question.order) == (QUESTION, ORDER)
    assert question.answer == f"<p>{ANSWER_BEFORE_BOLD}<strong>{BOLD_WORDS}</strong>{ANSWER_AFTER_BOLD}</p>"
    assert list(service.questions.values_list("question", flat=True)) == [*demo_questions, QUESTION]

    patient = open_page()
    patient.goto(f"{live_site}{service.get_absolute_url()}")
    headings = patient.locator("section.question h2")
    expect(headings).to_have_count(len(demo_questions) + 1)
    expect(headings.last).to_have_text(QUESTION)
    expect(headings.last).to_have_attribute("id", QUESTION_SLUG)
    on_this_page = patient.get_by_role("navigation", name="On this page")
    expect(on_this_page.get_by_role("link", name=QUESTION)).to_have_attribute("href", f"#{QUESTION_SLUG}")
    answer = patient.get_by_role("region", name=QUESTION)
    expect(answer).to_contain_text(ANSWER_TEXT)
    expect(answer.locator("strong")).to_have_text(BOLD_WORDS)

    faq = [block for block in structured_data(patient) if block.get("@type") == "FAQPage"]
    assert len(faq) == 1, faq
    entities = faq[0]["mainEntity"]
    assert [entity["name"] for entity in entities] == [*demo_questions, QUESTION]
    assert entities[-1]["acceptedAnswer"] == {"@type": "Answer", "text": question.answer}

    patient_csp = [message for message in console.about_csp() if message not in admin_csp]
    assert patient_csp == [], "CSP messages on patient pages:\n" + "\n".join(map(str, patient_csp))
