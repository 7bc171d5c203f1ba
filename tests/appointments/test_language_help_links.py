"""45 CFR 92.11: language help is linked from the booking, estimate and cost pages themselves, not
only from the footer, with a few words in the most common languages marked with their `lang`."""

import re

import pytest

from tests.factories import weekday_after
from tests.pages import time_buttons

LANGUAGE_HELP = "/legal/language-help/"


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main"):html.index("</main>")]


def assert_links_language_help(response):
    main = main_of(response)
    assert response.status_code == 200
    assert f'href="{LANGUAGE_HELP}"' in main
    assert re.search(r'<span lang="es">[^<]+</span>', main) and re.search(r'<span lang="zh-Hant">[^<]+</span>', main)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/book/", "/insurance/", "/estimates/ask/", "/telehealth/request/"])
def test_the_booking_cost_and_request_pages_link_language_help_in_their_own_text(client, clinic, path):
    assert_links_language_help(client.get(path))


@pytest.mark.django_db
def test_the_time_and_details_steps_link_language_help(client, clinic):
    visit = {"visit": clinic.needling.slug, "mode": "in_office", "week": weekday_after(3).isoformat()}
    time_page = client.get("/book/time/", visit)
    assert_links_language_help(time_page)

    start = time_buttons(time_page.content.decode())[0]
    assert_links_language_help(client.get("/book/details/", {**visit, "provider": "any", "shown_provider": "any", "start": start}))
