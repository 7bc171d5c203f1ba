"""The patient pages' one stylesheet (clinic.stylesheet, frontend/build.mjs): purged to what the
pages use without dropping a rule they need, in the practice's colours, inlined in <head> and
allowed by the Content-Security-Policy through its hash, on every page including the error pages."""

import base64
import hashlib
import json
import re
from fnmatch import fnmatch
from pathlib import Path

import crispy_bootstrap5
import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from clinic.errors import server_error
from clinic.models import Practice

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
PURGE = json.loads((FRONTEND / "purge.json").read_text())
BUILT = (FRONTEND / PURGE["output"]).resolve()
CLASS_ATTRIBUTE = re.compile(r"""class=(?:"([^"]*)"|'([^']*)')""")
TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


def content_files() -> list[Path]:
    """The files purge.json names (the same patterns the build purges against)."""
    crispy = Path(crispy_bootstrap5.__file__).parent
    files = []
    for pattern in PURGE["content"]:
        if pattern.startswith("{crispy_bootstrap5}"):
            files.append(crispy / pattern.removeprefix("{crispy_bootstrap5}/"))
            continue
        found = [path for path in FRONTEND.glob(pattern) if not any(fnmatch(str(path.relative_to(FRONTEND)), skip) for skip in PURGE["skip"])]
        assert found, pattern
        files.extend(found)
    return files


def classes_in_markup(text: str) -> set[str]:
    """Every class a class="..." attribute can hold, with template code taken out: both branches of
    an {% if %} count, and `announcement-{{ kind }}` leaves the prefix `announcement-`."""
    classes = set()
    for double, single in CLASS_ATTRIBUTE.findall(TEMPLATE_CODE.sub(" ", text).replace("{{", " ")):
        classes.update((double or single).split())
    return {name for name in classes if re.fullmatch(r"-?[_a-zA-Z][\w-]*", name)}


def classes_in_css(css: str) -> set[str]:
    """The class selectors of a stylesheet (not the dots inside url(...) or strings)."""
    css = re.sub(r"url\([^)]*\)|\"[^\"]*\"|'[^']*'|/\*.*?\*/", "", css, flags=re.S)
    selectors = re.findall(r"([^{}]+)\{", css)
    return {name for selector in selectors for name in re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selector)}


def source_classes() -> set[str]:
    return set().union(*(classes_in_css((FRONTEND / source).read_text()) for source in PURGE["sources"]))


def inline_style_of(response) -> str:
    blocks = STYLE_BLOCK.findall(response.content.decode())
    assert len(blocks) == 1
    return blocks[0]


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def style_sources(response) -> list[str]:
    directive = next(part for part in response["Content-Security-Policy"].split(";") if part.strip().startswith("style-src"))
    return directive.split()[1:]


def choose_brand_colour(colour):
    """As staff do in the admin: checked, saved, the cached content and pages dropped."""
    practice = Practice.load()
    practice.brand_colour = colour
    practice.full_clean()
    practice.save()


def test_the_built_stylesheet_keeps_every_rule_for_a_class_the_patient_templates_use():
    used = set().union(*(classes_in_markup(path.read_text()) for path in content_files()))
    defined = source_classes()
    built = classes_in_css(BUILT.read_text())
    assert {"btn-primary", "form-check-input", "is-invalid", "time-grid", "day-link-empty", "alert-danger"} <= used
    assert not (used & defined) - built
    # A class named in part at run time (`announcement-{{ notice.kind }}`): every rule it could pick is kept.
    prefixes = {name for name in used if name.endswith("-")}
    assert "announcement-" in prefixes
    assert not {name for name in defined - built if any(name.startswith(prefix) for prefix in prefixes)}


def test_the_built_stylesheet_left_out_what_no_patient_page_uses():
    built = classes_in_css(BUILT.read_text())
    assert "btn-primary" in built
    assert not {"carousel", "modal", "dropdown-menu", "accordion", "navbar", "offcanvas", "toast", "tooltip"} & built
    assert len(BUILT.read_bytes()) < 60_000  # Bootstrap alone is 232 KB


def test_bootstraps_blue_is_replaced_by_the_practice_colour_everywhere():
    css = BUILT.read_text()
    for blue in ("#0d6efd", "13,110,253", "#86b7fe", "#0a58ca", "rgba(13,110,253"):
        assert blue not in css.lower()
    assert re.search(r"\.form-check-input:checked\{background-color:var\(--clinic-primary\);border-color:var\(--clinic-primary\)\}", css)
    assert "--bs-link-color-rgb:var(--clinic-primary-rgb)" in css
    assert ":focus-visible{outline:3px solid var(--clinic-focus)" in css


def test_the_type_is_the_systems_own_at_seventeen_pixels_or_more():
    css = BUILT.read_text()
    assert "--bs-body-font-size:1.0625rem" in css
    assert "--bs-body-font-family:system-ui, -apple-system," in css
    assert "@font-face" not in css and "url(http" not in css


@pytest.mark.django_db
def test_a_page_inlines_the_stylesheet_in_the_practice_colours_allowed_by_its_hash(client, demo):
    choose_brand_colour("#6b2c5a")
    response = client.get("/")
    html = response.content.decode()
    style = inline_style_of(response)
    assert response.status_code == 200
    assert 'rel="stylesheet"' not in html
    assert style.startswith(BUILT.read_text().strip())
    assert style.endswith(":root{--clinic-primary:#6b2c5a;--clinic-primary-rgb:107, 44, 90;--clinic-primary-dark:#502144;"
                          "--clinic-bar:#3b1832;--clinic-soft:#f3eef2;--clinic-focus:#6b2c5a}")
    assert sha256_source(style) in style_sources(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_new_brand_colour_gives_a_new_block_and_a_new_hash(client, demo):
    before = client.get("/hours/")
    choose_brand_colour("#1f5e2e")
    after = client.get("/hours/")
    assert "--clinic-primary:#1f5e2e" in inline_style_of(after)
    assert sha256_source(inline_style_of(after)) in style_sources(after)
    assert sha256_source(inline_style_of(before)) not in style_sources(after)


@pytest.mark.django_db
def test_a_page_served_from_the_page_cache_keeps_the_hash_of_its_stylesheet(client, demo):
    first = client.get("/services/")
    again = client.get("/services/")
    assert again.content == first.content
    assert sha256_source(inline_style_of(again)) in style_sources(again)


@pytest.mark.django_db
def test_a_form_shown_with_its_errors_uses_only_classes_the_stylesheet_has(client, demo):
    response = client.post("/estimates/ask/", {})
    html = response.content.decode()
    assert "is-invalid" in html and "invalid-feedback" in html
    used = classes_in_markup(html)
    assert not (used & source_classes()) - classes_in_css(BUILT.read_text())


@pytest.mark.parametrize(("error", "status"), [(OperationalError("the database is down"), 503), (ValueError("a bug"), 500)])
def test_the_error_pages_carry_the_same_stylesheet_with_its_hash(error, status):
    request = RequestFactory().get("/")
    try:
        raise error
    except Exception:  # noqa: BLE001 - server_error reads the error being handled, as Django calls it
        response = server_error(request)
    style = inline_style_of(response)
    assert response.status_code == status
    assert style.startswith(BUILT.read_text().strip()) and "--clinic-primary:" in style
    assert request.csp_style_hashes == (sha256_source(style),)


@pytest.mark.django_db
def test_django_csps_own_path_allows_the_stylesheet_too(client, demo, settings):
    settings.DEBUG = True  # as `make run` serves: the policy is built per response by django-csp
    response = client.get("/hours/")
    assert sha256_source(inline_style_of(response)) in style_sources(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_the_sites_own_page_in_its_colours(demo):
    response = Client(enforce_csrf_checks=True).post("/telehealth/request/", {"first_name": "Pat"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "We could not send your form" in html and "Nothing was saved" in html
    assert Practice.load().phone_display in html
    assert "CSRF verification failed" not in html
    assert sha256_source(inline_style_of(response)) in style_sources(response)


def test_links_buttons_and_form_controls_get_the_brand_focus_ring_over_bootstraps_outline_none():
    css = BUILT.read_text()
    ring = re.search(r"([^{}]*)\{outline:3px solid var\(--clinic-focus\)", css)
    selectors = ring.group(1).split(",")
    for needed in ("a:focus-visible", ".btn:focus-visible", ".form-control:focus-visible", ".form-select:focus-visible",
                   ".form-check-input:focus-visible"):
        assert needed in selectors
    assert css.index(".form-control:focus{") < ring.start()  # the later rule wins at the same specificity
