import pytest

from clinic.content import load_site_content

pytestmark = pytest.mark.django_db

PAGE = "/services/dry-needling/"


def test_a_treatment_page_needs_at_most_six_queries_once_practice_content_is_cached(client, demo, django_assert_max_num_queries):
    """load_site_content() is called first: the practice, hours and notices shown on every
    page are shared and cached across pages, so only the page's own queries are counted."""
    load_site_content()
    with django_assert_max_num_queries(6):
        assert client.get(PAGE).status_code == 200


def test_the_second_anonymous_request_is_served_from_the_page_cache(client, demo, django_assert_num_queries):
    first = client.get(PAGE)
    with django_assert_num_queries(0):
        second = client.get(PAGE)
    assert second.status_code == 200 and second.content == first.content
