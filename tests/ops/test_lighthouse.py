import pytest

import urllib.error
import urllib.request

from ops.lighthouse import CONTROL_PAGE, audit_ids, cpu_multiplier, cpu_ticks, start_control_server, steal_percent, verdict


@pytest.mark.parametrize(("benchmark_index", "multiplier"), [
    (2100, 4), (1500, 4),  # a high-end desktop: Lighthouse's default
    (1499, 2), (1117, 2), (800, 2),  # a low-end desktop (this project's 2-core machines) or a high-end phone
    (799, 1), (300, 1),  # a mid-tier phone already
])
def test_the_cpu_slowdown_is_the_one_lighthouse_s_throttling_guide_gives_for_the_host(benchmark_index, multiplier):
    assert cpu_multiplier(benchmark_index) == multiplier


MPFID = "performance: max-potential-fid (0.64) 210 ms"
UNUSED_CSS = "performance: unused-css-rules (0.50) Est savings of 20 KiB"


@pytest.mark.parametrize(("pages_failed", "control_failed", "all_100", "outcome"), [
    ({"/": [], "/hours/": []}, [], True, 0),  # nothing failed
    ({"/": [], "/hours/": []}, [MPFID], True, 0),  # the host failed, the pages did not
    ({"/": [MPFID], "/hours/": []}, [MPFID], True, 2),  # a bare page fails it too: the host
    ({"/": [MPFID], "/hours/": []}, [], True, 1),  # the control passed: the page's own
    ({"/": [MPFID, UNUSED_CSS]}, [MPFID], True, 1),  # one of the host's, one of the page's
    ({"/": []}, [], False, 1),  # a median under 100
    ({"/": [MPFID]}, [MPFID], False, 1),
])
def test_only_an_audit_a_bare_page_fails_too_is_put_down_to_the_host(pages_failed, control_failed, all_100, outcome):
    assert verdict(pages_failed, control_failed, all_100) == outcome


def test_audit_ids_are_read_from_the_failed_lines():
    assert audit_ids([MPFID, UNUSED_CSS, "seo: document-title (0.00)"]) == {"max-potential-fid", "unused-css-rules", "document-title"}


def test_steal_is_the_share_of_cpu_time_the_hypervisor_took():
    assert steal_percent((1000, 10), (1400, 110)) == 25.0
    assert steal_percent((1000, 10), (1000, 10)) == 0.0
    total, stolen = cpu_ticks()
    assert total > stolen >= 0


def test_the_control_page_is_sent_with_the_headers_it_was_given():
    headers = [("Content-Security-Policy", "default-src 'none'"), ("Cross-Origin-Opener-Policy", "same-origin")]
    server = start_control_server(0, headers)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(base + "/") as response:  # noqa: S310  a local http URL
            body = response.read()
            assert response.headers["Content-Security-Policy"] == "default-src 'none'"
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert body == CONTROL_PAGE
        assert b"<script" not in body and b"<style" not in body and b"<title>" in body
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/robots.txt")  # noqa: S310  a local http URL
        assert refused.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
