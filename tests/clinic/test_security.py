import pytest
from django.test import override_settings

from tests.factories import make_announcement, make_staff

pytestmark = pytest.mark.django_db

PAGES = ["/", "/hours/", "/admin/login/", "/no-such-page/"]


def directives(header):
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def observatory_problems(response):
    """The checks a Mozilla-Observatory-style grading makes of one HTML response."""
    problems = []
    csp = directives(response.get("Content-Security-Policy", ""))
    if not csp:
        return ["no Content-Security-Policy"]
    if csp.get("default-src") != ["'none'"]:
        problems.append("default-src is not 'none'")
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive, csp.get("default-src", []))
        if {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"} & set(sources):
            problems.append(f"{directive} allows {sources}")
    for directive, wanted in {"frame-ancestors": ["'none'"], "base-uri": ["'none'"], "form-action": ["'self'"], "object-src": ["'none'"]}.items():
        if csp.get(directive) != wanted:
            problems.append(f"{directive} is {csp.get(directive)}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{header} is {response.get(header)!r}")
    hsts = response.get("Strict-Transport-Security", "")
    if "max-age=63072000" not in hsts or "includeSubDomains" not in hsts:
        problems.append(f"HSTS is {hsts!r}")
    for cookie in response.cookies.values():
        if not (cookie["secure"] and cookie["httponly"] and cookie["samesite"]):
            problems.append(f"cookie {cookie.key} lacks Secure, HttpOnly or SameSite")
        if not cookie.key.startswith("__Host-"):
            problems.append(f"cookie {cookie.key} has no __Host- prefix")
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_every_page_gets_full_marks_for_its_headers(client, page):
    make_announcement()
    response = client.get(page, secure=True)
    assert response.status_code in (200, 404)
    assert observatory_problems(response) == []


def test_the_admin_login_sets_hardened_cookies(client):
    response = client.get("/admin/login/", secure=True)
    assert "__Host-csrftoken" in response.cookies
    assert observatory_problems(response) == []


def test_hsts_is_sent_only_over_https(client):
    assert "Strict-Transport-Security" in client.get("/", secure=True)
    assert "Strict-Transport-Security" not in client.get("/")


def test_the_proxy_header_marks_a_request_secure(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_except_the_health_check(client):
    response = client.get("/hours/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/hours/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/hours/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


def test_check_deploy_is_clean_with_production_settings(run_django):
    result = run_django(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY="k" * 20 + "a-real-looking-random-secret-9f8e7d6c5b4a3", ALLOWED_HOSTS="clinic.example",
        REDIS_URL="redis://127.0.0.1:6379/0", PRACTICE_PHONE="(301) 555-0142", TRUSTED_PROXIES="127.0.0.1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_app_servers_would_not_share_a_cache(run_django):
    result = run_django(
        "check", "--deploy",
        DEBUG="0", SECRET_KEY="k" * 20 + "a-real-looking-random-secret-9f8e7d6c5b4a3", ALLOWED_HOSTS="clinic.example",
        REDIS_URL="", TRUSTED_PROXIES="127.0.0.1",
    )
    assert "clinic.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(run_django):
    result = run_django("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_bad_boolean_setting_is_a_clear_error(run_django):
    result = run_django("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true/false" in result.stderr


def test_the_prebuilt_policy_is_the_one_django_csp_builds(client):
    from csp.utils import build_policy

    response = client.get("/hours/")
    assert response.wsgi_request.csp_style_hashes  # the inline stylesheet's (clinic.stylesheet)
    assert response["Content-Security-Policy"] == build_policy(update={"style-src": list(response.wsgi_request.csp_style_hashes)})


def test_the_admin_allows_exactly_the_editors_import_map_and_patient_pages_allow_no_inline_code(client):
    import base64
    import hashlib
    import re

    from services.models import Service

    service = Service.objects.create(title="Test", slug="test", summary="Summary.")
    client.force_login(make_staff("boss", superuser=True))
    response = client.get(f"/admin/services/service/{service.pk}/change/")
    import_map = re.search(r'<script type="importmap">(.*?)</script>', response.content.decode(), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    script_src = directives(response["Content-Security-Policy"])["script-src"]
    assert script_src == ["'self'", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    patient_page = client.get("/hours/")
    style = re.search(r"<style>(.*?)</style>", patient_page.content.decode(), re.S).group(1)
    style_digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert directives(patient_page["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert directives(patient_page["Content-Security-Policy"])["style-src"] == ["'self'", f"'sha256-{style_digest}'"]
