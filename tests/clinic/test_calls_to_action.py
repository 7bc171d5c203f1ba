import re

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_header_offers_booking_telehealth_and_the_phone(client, demo):
    for page in ["/", "/hours/", "/book/", "/telehealth/", "/notices/covid-19/"]:
        header = re.search(r'<header class="site-header">(.*?)</header>', client.get(page).content.decode(), re.S).group(1)
        assert '<a class="btn btn-primary" href="/book/">Book online</a>' in header, page
        assert 'href="/telehealth/">Telehealth</a>' in header, page
        assert 'href="tel:+13015550142"' in header, page


def test_the_booking_page_says_how_to_book_and_when_we_answer(client, demo):
    html = client.get("/book/").content.decode()
    assert "<h1>Book an appointment</h1>" in html
    assert 'href="tel:+13015550142"' in html
    assert 'class="table table-sm week-hours' in html


def test_the_telehealth_page_says_who_video_visits_suit(client, demo):
    html = client.get("/telehealth/").content.decode()
    assert "<strong>dry needling</strong> and <strong>trigger point injections</strong>, happen in the office" in html
    assert "A phone, tablet or computer with a camera" in html


def test_both_pages_are_in_the_sitemap(client, demo):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/book/</loc>" in xml
    assert "<loc>http://testserver/telehealth/</loc>" in xml


def test_booking_from_a_treatment_page_names_the_treatment(client, demo):
    html = client.get("/book/dry-needling/").content.decode()
    assert 'For <a href="/services/dry-needling/">dry needling</a>.' in html
    assert client.get("/book/no-such-treatment/").status_code == 404
