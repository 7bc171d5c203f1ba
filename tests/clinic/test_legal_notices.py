"""The notices the law requires: versioned pages with an effective date, earlier versions kept
and readable, scheduled versions shown from their day, the footer linking each notice on every
patient page, the language taglines, and the admin that keeps history from being rewritten."""

import hashlib
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import LanguageTagline, LegalNotice, LegalNoticeVersion
from clinic.models.legal import normalise_language_tag
from tests.factories import (
    make_all_legal_notices,
    make_legal_notice,
    make_notice_version,
    make_practice,
    make_tagline,
)
from tests.pages import form_errors

pytestmark = pytest.mark.django_db

KINDS = [kind.value for kind in LegalNotice.Kind]
ADMIN_VERSIONS = "/admin/clinic/legalnoticeversion/"


def today():
    return timezone.localdate()


def long_date(day) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def footer_of(html: str) -> str:
    return html[html.index('<footer class="site-footer'):]


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def version_form(notice, effective_date, body="<p>New text.</p>", change_summary="New phone number"):
    return {"notice": notice.pk, "effective_date": effective_date.isoformat(), "body": body, "change_summary": change_summary}


# --- The pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", KINDS)
def test_each_notice_page_answers_200_with_its_effective_date_one_h1_and_its_description(client, slug):
    make_practice()
    day = today() - timedelta(days=40)
    notice = make_legal_notice(slug, meta_description=f"What the {slug} notice says, in one sentence.")
    make_notice_version(notice, day, body=f"<p>The {slug} text.</p>")

    response = client.get(f"/legal/{slug}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Effective {long_date(day)}" in text_of(response)
    assert f"The {slug} text." in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert f'<meta name="description" content="What the {slug} notice says, in one sentence.">' in html


def test_the_index_lists_each_notice_with_its_effective_date_and_the_insurance_page(client):
    make_practice()
    notices = make_all_legal_notices(today() - timedelta(days=10))

    response = client.get("/legal/")

    assert response.status_code == 200
    html = response.content.decode()
    for notice in notices:
        assert f'href="/legal/{notice.slug}/"' in html
    assert text_of(response).count(f"effective {long_date(today() - timedelta(days=10))}") == 6
    assert 'href="/insurance/"' in html


def test_an_unknown_notice_a_notice_without_a_version_and_an_impossible_day_answer_404(client):
    make_practice()
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=5)).notice
    make_legal_notice(LegalNotice.Kind.NONDISCRIMINATION)

    assert client.get("/legal/no-such-notice/").status_code == 404
    assert client.get("/legal/nondiscrimination/").status_code == 404
    assert client.get(f"/legal/{notice.slug}/2025-02-30/").status_code == 404
    assert client.get(f"/legal/{notice.slug}/{(today() - timedelta(days=6)).isoformat()}/").status_code == 404


def test_an_old_version_stays_readable_at_its_own_address_after_an_editor_adds_a_new_one(client, editor_client):
    make_practice()
    old_day = today() - timedelta(days=200)
    notice = make_notice_version(make_legal_notice(), old_day, body="<p>Call our privacy officer at the old number.</p>").notice
    client.get("/legal/privacy-practices/")  # cached for patients, as it would be

    added = editor_client.post(ADMIN_VERSIONS + "add/", version_form(notice, today(), "<p>Call our privacy officer at the new number.</p>"))

    assert added.status_code == 302, form_errors(added)
    current = client.get("/legal/privacy-practices/")
    assert "new number" in current.content.decode() and "old number" not in current.content.decode()
    assert f"Effective {long_date(today())}" in text_of(current)
    assert f'href="/legal/privacy-practices/{old_day.isoformat()}/"' in current.content.decode()
    old = client.get(f"/legal/privacy-practices/{old_day.isoformat()}/")
    assert old.status_code == 200
    assert "old number" in old.content.decode()
    assert f"in effect from {long_date(old_day)} to {long_date(today() - timedelta(days=1))}" in text_of(old)
    # What was shown on a given day between the two: the old version.
    on_a_day = client.get(f"/legal/privacy-practices/{(old_day + timedelta(days=30)).isoformat()}/")
    assert "old number" in on_a_day.content.decode()
    assert LegalNoticeVersion.objects.get(effective_date=today()).created_by.username == "editor"


def test_a_scheduled_version_is_not_shown_before_its_day(client):
    make_practice()
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=30), body="<p>Today's text.</p>").notice
    tomorrow = today() + timedelta(days=1)
    make_notice_version(notice, tomorrow, body="<p>Tomorrow's text.</p>")

    page = client.get("/legal/privacy-practices/").content.decode()

    assert "Today's text." in page and "Tomorrow's text." not in page
    assert client.get(f"/legal/privacy-practices/{tomorrow.isoformat()}/").status_code == 404
    assert notice.current_version(tomorrow).body == "<p>Tomorrow's text.</p>"


def test_a_version_is_shown_from_its_day(client):
    make_practice()
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=30), body="<p>Yesterday's text.</p>").notice
    make_notice_version(notice, today(), body="<p>The text from today.</p>")

    page = client.get("/legal/privacy-practices/")

    assert "The text from today." in page.content.decode()
    assert f"Effective {long_date(today())}" in text_of(page)


def test_a_cached_notice_page_is_served_no_later_than_the_coming_midnight(client):
    """So a version scheduled for tomorrow appears at midnight without anyone saving anything."""
    from clinic.hours import day_window

    make_practice()
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=30)).notice
    make_notice_version(notice, today() + timedelta(days=1))

    client.get("/legal/privacy-practices/")

    key = "clinic:page:" + hashlib.sha256(b"http://testserver/legal/privacy-practices/").hexdigest()
    cached = cache.get(key)
    assert cached is not None
    assert cached.valid_until <= day_window(today())[1].timestamp()


def test_staff_may_preview_a_scheduled_version_on_its_own_address(admin_client):
    make_practice()
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=30)).notice
    next_week = today() + timedelta(days=7)
    make_notice_version(notice, next_week, body="<p>Next week's text.</p>")

    response = admin_client.get(f"/legal/privacy-practices/{next_week.isoformat()}/")

    assert response.status_code == 200
    assert "Next week's text." in response.content.decode()
    assert "Preview for staff" in text_of(response)


def test_the_accessibility_page_links_the_help_form_and_the_estimates_page_links_asking_and_insurance(client):
    make_practice()
    make_all_legal_notices()

    accessibility = client.get("/legal/accessibility/").content.decode()
    estimates = client.get("/legal/good-faith-estimates/").content.decode()

    assert 'href="/accessibility/ask/"' in main_of(accessibility)
    assert 'href="/estimates/ask/"' in main_of(estimates)
    assert 'href="/insurance/"' in main_of(estimates)


def test_the_notice_text_is_sanitised_whatever_saves_it(client):
    make_practice()
    version = make_notice_version(
        make_legal_notice(), body='<p onclick="steal()">Text<script>alert(1)</script> <a href="javascript:x()">link</a></p>'
    )

    page = client.get("/legal/privacy-practices/").content.decode()

    assert "<script>alert" not in page and "onclick" not in page and "javascript:" not in page
    assert "<script>" not in LegalNoticeVersion.objects.get(pk=version.pk).body


def test_the_sitemap_lists_each_notice_in_effect(client):
    make_practice()
    make_all_legal_notices()
    make_notice_version(LegalNotice.objects.get(slug="nondiscrimination"), today() + timedelta(days=3))

    sitemap = client.get("/sitemap.xml").content.decode()

    for slug in KINDS:
        assert f"http://testserver/legal/{slug}/</loc>" in sitemap


# --- The footer and the home page -------------------------------------------------------------------

PATIENT_PAGES = [
    "/", "/hours/", "/team/", "/services/", "/services/dry-needling/", "/conditions/", "/conditions/sciatica/",
    "/book/", "/telehealth/", "/notices/covid-19/", "/legal/", *[f"/legal/{slug}/" for slug in KINDS],
]
FOOTER_LINKS = [*[f'href="/legal/{slug}/"' for slug in KINDS], 'href="/insurance/"']


def test_every_patient_pages_footer_links_each_notice_and_the_insurance_page(client, demo):
    for path in PATIENT_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        footer = footer_of(response.content.decode())
        missing = [link for link in FOOTER_LINKS if link not in footer]
        assert missing == [], f"{path} footer lacks {missing}"
        # The language link is prominent: phrases in other languages, each marked with its language.
        assert len(re.findall(r'<span lang="(?!en)[a-z]{2}[^"]*">', footer)) >= 3, path


def test_the_home_page_links_the_notice_of_privacy_practices_outside_the_footer(client, demo):
    html = client.get("/").content.decode()

    assert 'href="/legal/privacy-practices/"' in main_of(html)
    assert client.get("/legal/privacy-practices/").status_code == 200


# --- Language help ------------------------------------------------------------------------------------

def taglines_on(html: str) -> list[dict]:
    return [
        {"lang": lang, "dir": direction, "text": unescape(re.sub(r"<[^>]+>", "", inner))}
        for lang, direction, inner in re.findall(r'<li class="tagline" lang="([^"]+)" dir="([^"]+)">(.*?)</li>', html, re.S)
    ]


def test_the_language_page_carries_at_least_15_taglines_each_with_its_lang_and_rtl_where_it_applies(client, demo):
    html = client.get("/legal/language-help/").content.decode()

    taglines = taglines_on(html)
    languages = {tagline["lang"] for tagline in taglines}
    assert len(languages) >= 15
    assert not any(lang.split("-")[0] == "en" for lang in languages)
    right_to_left = {tagline["lang"] for tagline in taglines if tagline["dir"] == "rtl"}
    assert right_to_left == {"ar", "fa", "ur"}
    for tagline in taglines:
        assert "(301) 555-0142" in tagline["text"], tagline["lang"]
        assert "{phone}" not in tagline["text"]
    assert "samples, to be checked by a qualified translator" in text_of(client.get("/legal/language-help/"))


def test_a_hidden_tagline_is_not_shown_and_the_phone_comes_from_the_practice(client):
    make_practice(phone="+13015550199")
    make_notice_version(make_legal_notice(LegalNotice.Kind.LANGUAGE_HELP))
    make_tagline(lang="ko", text="주의: 무료 언어 지원. {phone} 번으로 전화하십시오.")
    make_tagline(lang="ru", text="ВНИМАНИЕ: звоните {phone}.", is_shown=False)

    taglines = taglines_on(client.get("/legal/language-help/").content.decode())

    assert [tagline["lang"] for tagline in taglines] == ["ko"]
    assert "(301) 555-0199" in taglines[0]["text"]


@pytest.mark.parametrize(("typed", "stored"), [("es", "es"), ("ZH-hant", "zh-Hant"), ("pt-br", "pt-BR"), ("es-419", "es-419")])
def test_a_language_code_is_written_the_standard_way(typed, stored):
    assert normalise_language_tag(typed) == stored


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("he", "rtl"), ("es", "ltr"),
                                                 ("zh-Hant", "ltr"), ("pa-Arab", "rtl"), ("az-Latn", "ltr")])
def test_the_writing_direction_follows_the_language_code(lang, direction):
    assert LanguageTagline(lang=lang).dir == direction


# --- The rules the admin keeps --------------------------------------------------------------------------

def test_a_version_that_has_taken_effect_cannot_be_edited_or_deleted(editor_client):
    version = make_notice_version(make_legal_notice(), today() - timedelta(days=3), body="<p>As shown.</p>")

    version.body = "<p>Rewritten history.</p>"
    with pytest.raises(ValidationError, match="cannot be changed. Add a new version instead"):
        version.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        version.delete()
    page = editor_client.get(f"{ADMIN_VERSIONS}{version.pk}/change/")
    posted = editor_client.post(f"{ADMIN_VERSIONS}{version.pk}/change/", version_form(version.notice, version.effective_date, "<p>Hacked.</p>"))

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert "As shown." in page.content.decode()
    assert posted.status_code == 403
    assert editor_client.post(f"{ADMIN_VERSIONS}{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LegalNoticeVersion.objects.get(pk=version.pk).body == "<p>As shown.</p>"


def test_a_scheduled_version_can_still_be_changed(editor_client):
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=30)).notice
    scheduled = make_notice_version(notice, today() + timedelta(days=10), body="<p>Draft.</p>")

    response = editor_client.post(f"{ADMIN_VERSIONS}{scheduled.pk}/change/", version_form(notice, today() + timedelta(days=12), "<p>Final.</p>"))

    assert response.status_code == 302, form_errors(response)
    scheduled.refresh_from_db()
    assert (scheduled.body, scheduled.effective_date) == ("<p>Final.</p>", today() + timedelta(days=12))


def test_a_new_version_cannot_start_on_a_day_that_has_passed(editor_client):
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=30)).notice

    response = editor_client.post(ADMIN_VERSIONS + "add/", version_form(notice, today() - timedelta(days=1), "<p>Back-dated.</p>"))

    assert response.status_code == 200
    assert form_errors(response)["effective_date"] == ["A new version cannot start on a day that has passed: pick today or a later day."]
    assert "Back-dated." in response.content.decode()  # what was typed is kept
    assert notice.versions.count() == 1


def test_the_add_version_page_starts_from_the_current_text(editor_client):
    notice = make_notice_version(make_legal_notice(), body="<p>The text in effect.</p>").notice

    response = editor_client.get(f"{ADMIN_VERSIONS}add/?notice={notice.pk}")

    form = response.context["adminform"].form
    assert form.initial["body"] == "<p>The text in effect.</p>"
    assert form.initial["effective_date"] == today()
    assert editor_client.get(f"{ADMIN_VERSIONS}add/?notice=not-a-number").status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"effective_date": "9999-01-01"}, "effective_date", "Please check the year."),
        ({"effective_date": "someday"}, "effective_date", "Enter a valid date."),
        ({"body": ""}, "body", "This field is required."),
        ({"change_summary": "two\nlines"}, "change_summary", None),
    ],
)
def test_bad_input_on_a_version_gets_a_message_next_to_the_field(editor_client, fields, field, message):
    notice = make_legal_notice()

    response = editor_client.post(ADMIN_VERSIONS + "add/", {**version_form(notice, today()), **fields})

    assert response.status_code == 200
    errors = form_errors(response)
    assert field in errors
    if message:
        assert message in errors[field]
    assert not LegalNoticeVersion.objects.exists()


def test_a_second_version_on_the_same_day_is_refused_with_a_message(editor_client):
    notice = make_legal_notice()
    make_notice_version(notice, today() + timedelta(days=5))

    response = editor_client.post(ADMIN_VERSIONS + "add/", version_form(notice, today() + timedelta(days=5)))

    assert response.status_code == 200
    assert "already has a version taking effect on that day" in str(form_errors(response))
    assert notice.versions.count() == 1


TAGLINE_FORM = {"language": "Spanish", "native_name": "Español", "lang": "es", "text": "Llame al {phone}.", "order": "1", "is_shown": "on"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"lang": "not a code!"}, "lang", "Enter a language code such as"),
        ({"lang": "en"}, "lang", "English is the notice itself"),
        ({"text": "Llame al teléfono."}, "text", "Put {phone} exactly once"),
        ({"text": "{phone} o {phone}"}, "text", "Put {phone} exactly once"),
        ({"text": "Llame al {phone} {name}"}, "text", "Curly brackets are only for {phone}"),
        ({"text": "Llame al \u202e{phone}."}, "text", "hidden characters that turn the text around"),
        ({"text": "Llame al {phone}.\x07"}, "text", "control characters that cannot be shown"),
    ],
)
def test_bad_input_on_a_tagline_gets_a_message_next_to_the_field(editor_client, fields, field, message):
    response = editor_client.post("/admin/clinic/languagetagline/add/", {**TAGLINE_FORM, **fields})

    assert response.status_code == 200
    assert any(message in error for error in form_errors(response)[field])
    assert not LanguageTagline.objects.exists()


def test_a_tagline_saved_in_the_admin_gets_its_standard_code(editor_client):
    response = editor_client.post("/admin/clinic/languagetagline/add/", {**TAGLINE_FORM, "lang": "ZH-hant"})

    assert response.status_code == 302
    assert LanguageTagline.objects.get().lang == "zh-Hant"


def test_the_notice_page_in_the_admin_shows_the_rule_and_each_version(editor_client):
    notice = make_notice_version(make_legal_notice(), today() - timedelta(days=3)).notice
    make_notice_version(notice, today() + timedelta(days=3))

    text = text_of(editor_client.get(f"/admin/clinic/legalnotice/{notice.pk}/change/"))

    assert "45 CFR 164.520" in text
    assert "In effect now" in text and "Scheduled" in text
    assert "Add a new version" in text


# --- The demo texts -------------------------------------------------------------------------------------

RULES_CITED = {
    "privacy-practices": "45 CFR 164.520",
    "nondiscrimination": "45 CFR 92.10",
    "language-help": "45 CFR 92.11",
    "accessibility": "WCAG 2.2",
    "website-privacy": "45 CFR 164.530",
    "good-faith-estimates": "45 CFR 149.610",
}


@pytest.mark.parametrize("slug", KINDS)
def test_each_demo_notice_cites_its_rule_and_says_counsel_must_review_it(client, demo, slug):
    text = text_of(client.get(f"/legal/{slug}/"))

    assert RULES_CITED[slug] in text
    assert "counsel must review it" in text
    assert "Pain, Spine & Rehab Associates" in text or slug == "website-privacy"


def test_the_demo_privacy_notice_has_what_164_520_b_requires(client, demo):
    text = text_of(client.get("/legal/privacy-practices/"))

    for part in [
        "THIS NOTICE DESCRIBES HOW MEDICAL INFORMATION ABOUT YOU MAY BE USED AND DISCLOSED",
        "How we use and share your health information", "Uses that need your written permission",
        "Your rights", "Our duties", "Complaints", "Office for Civil Rights", "Questions and contact", "Effective",
    ]:
        assert part in text, part


def test_the_demo_is_loaded_only_where_missing(demo):
    from django.core.management import call_command

    version = LegalNoticeVersion.objects.filter(notice__slug="accessibility").get()
    LanguageTagline.objects.filter(lang="es").update(text="Edited by staff: {phone}")

    call_command("seed_demo", verbosity=0)

    assert LegalNoticeVersion.objects.filter(notice__slug="accessibility").get() == version
    assert LanguageTagline.objects.get(lang="es").text == "Edited by staff: {phone}"
    assert LegalNotice.objects.count() == 6
    assert LanguageTagline.objects.count() >= 15


# --- The admin home says which required notices are missing ---------------------------------------

def test_the_admin_home_names_each_required_notice_with_no_text_in_effect(editor_client):
    make_all_legal_notices()
    LegalNoticeVersion.objects.filter(notice__slug=LegalNotice.Kind.NONDISCRIMINATION).delete()
    scheduled = LegalNotice.objects.get(slug=LegalNotice.Kind.GOOD_FAITH_ESTIMATES)
    LegalNoticeVersion.objects.filter(notice=scheduled).delete()  # a queryset delete, as a data fix would
    make_notice_version(scheduled, effective_date=today() + timedelta(days=3))

    warning = text_of(editor_client.get("/admin/"))

    assert "have no text in effect yet" in warning
    assert "Notice of nondiscrimination" in warning
    assert "Good faith estimates" in warning  # scheduled, not yet in effect
    assert "Notice of Privacy Practices" not in warning.split("have no text in effect yet")[1].split("Add them")[0]


def test_the_admin_home_has_no_notice_warning_when_every_notice_is_in_effect(editor_client):
    make_all_legal_notices()

    assert "have no text in effect yet" not in text_of(editor_client.get("/admin/"))


def test_moving_a_scheduled_version_onto_another_versions_day_is_refused_with_a_message(editor_client):
    notice = make_legal_notice()
    make_notice_version(notice, today() + timedelta(days=5))
    later = make_notice_version(notice, today() + timedelta(days=9))

    response = editor_client.post(
        f"{ADMIN_VERSIONS}{later.pk}/change/",
        {"effective_date": (today() + timedelta(days=5)).isoformat(), "body": "<p>Moved.</p>", "change_summary": "Moved"},
    )

    assert response.status_code == 200
    assert "already has a version taking effect on that day" in str(form_errors(response))
    later.refresh_from_db()
    assert later.effective_date == today() + timedelta(days=9)


@pytest.mark.parametrize("slug", ["accessibility", "language-help", "nondiscrimination"])
def test_the_notices_about_help_link_the_form_to_ask_for_it(client, slug):
    make_practice()
    make_notice_version(make_legal_notice(slug))

    assert 'href="/accessibility/ask/"' in main_of(client.get(f"/legal/{slug}/").content.decode())
