import gzip
import zlib

import pytest

from clinic.compression import PageWithSlots, accepts_gzip, deflate_piece

PAGE = b"<html><p>" + b"Choose a time. " * 400 + b'<input value="TOKEN">' + b"Your details. " * 300 + b'<input value="STAMP"></html>'
MARKERS = (b"STAMP", b"TOKEN")  # in any order: the page says where each stands


def test_the_stream_opens_in_gzip_and_strict_zlib_as_the_page_with_its_values():
    page = PageWithSlots.cut(PAGE, MARKERS)
    values = {b"TOKEN": b"s3cret-token", b"STAMP": b"stamp-1"}
    expected = PAGE.replace(b"TOKEN", b"s3cret-token").replace(b"STAMP", b"stamp-1")
    zipped = page.gzipped(values)
    assert gzip.decompress(zipped) == expected == page.plain(values)
    strict = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert strict.decompress(zipped) == expected and strict.eof and strict.unused_data == b""
    assert len(zipped) < len(expected) / 10


def test_a_value_is_compressed_on_its_own_so_its_size_never_depends_on_the_page():
    page = PageWithSlots.cut(PAGE, MARKERS)
    guess_right = page.gzipped({b"TOKEN": b"Choose a time. ", b"STAMP": b"x"})
    guess_wrong = page.gzipped({b"TOKEN": b"Qzxwv jkq pfmb ", b"STAMP": b"x"})
    # BREACH needs the value to compress better when it repeats text of the page: here it cannot.
    assert len(guess_right) == len(guess_wrong)
    assert page.gzipped({b"TOKEN": b"a", b"STAMP": b"b"})[10:].startswith(deflate_piece(page.pieces[0]))


@pytest.mark.parametrize(("header", "takes_gzip"), [
    ("gzip, deflate, br, zstd", True),
    ("GZIP", True),
    ("br;q=1.0, gzip;q=0.8", True),
    ("gzip;q=0", False),
    ("gzip; q=0.000, br", False),
    ("deflate, br", False),
    ("x-gzip-not-really", False),
    ("gzip;q=nonsense", False),
    ("", False),
    ("*", False),  # anything, said no one: identity is always acceptable, so nothing to gain in guessing
])
def test_gzip_is_sent_only_to_a_browser_that_takes_it(header, takes_gzip):
    assert accepts_gzip(header) is takes_gzip


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/", "/book/", "/telehealth/request/"])
def test_a_browser_that_refuses_gzip_gets_the_page_plain(client, address):
    from tests.factories import make_practice

    make_practice()
    for _ in range(2):  # rendered, then served as stored
        response = client.get(address, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
        assert response.status_code == 200
        assert not response.has_header("Content-Encoding")
        assert b"</html>" in response.content
        assert "Accept-Encoding" in response["Vary"]
    assert client.get(address, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"
