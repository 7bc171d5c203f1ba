"""Whose address a request is counted under (the booking limit, the sign-in lockout, the audit
trail): X-Forwarded-For is believed only from the proxies TRUSTED_PROXIES names by address."""

import logging

import pytest
from django.core.checks import run_checks

from clinic import client_ip as client_ip_module
from clinic.client_ip import client_ip

NGINX = "10.0.0.2"


def request_from(rf, remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return rf.get("/", REMOTE_ADDR=remote, **extra)


@pytest.fixture
def warned_never(monkeypatch):
    """Each test starts as a new process would: nothing said yet about untrusted headers."""
    monkeypatch.setattr(client_ip_module, "_warned_about_untrusted_header", False)


def test_it_takes_the_connections_address_when_no_proxy_is_trusted(rf, settings, warned_never):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_from(rf, "203.0.113.5", "198.51.100.1")) == "203.0.113.5"


def test_a_forged_header_from_an_address_that_is_not_our_proxy_is_ignored(rf, settings, warned_never):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_ip(request_from(rf, "203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    assert client_ip(request_from(rf, "203.0.113.5", "10.0.0.9")) == "203.0.113.5"


def test_behind_our_proxy_the_client_is_the_address_it_saw(rf, settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert client_ip(request_from(rf, NGINX, "203.0.113.9")) == "203.0.113.9"
    # Without a header, the request is the proxy's own.
    assert client_ip(request_from(rf, NGINX)) == NGINX


def test_entries_the_client_wrote_further_left_are_not_believed(rf, settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert client_ip(request_from(rf, NGINX, "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    # Nor does a client gain anything by writing one of our proxies' addresses.
    assert client_ip(request_from(rf, NGINX, f"6.6.6.6, {NGINX}, 203.0.113.9")) == "203.0.113.9"


def test_a_chain_of_our_own_proxies_is_walked_from_the_right(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = request_from(rf, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.1.2.3, 10.0.0.7")
    assert client_ip(request) == "203.0.113.9"


def test_a_request_from_inside_our_network_is_counted_under_the_left_most_of_our_addresses(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from(rf, "10.0.0.2", "10.0.0.50, 10.0.0.7")) == "10.0.0.50"


def test_a_malformed_entry_stops_the_walk_at_the_last_address_our_proxies_wrote(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from(rf, NGINX, "203.0.113.9, not-an-address, 10.0.0.7")) == "10.0.0.7"
    assert client_ip(request_from(rf, NGINX, "not-an-address")) == NGINX


def test_ipv6_proxies_and_ipv4_clients_seen_through_them(rf, settings):
    settings.TRUSTED_PROXIES = ["::1", "fd00::/8"]
    assert client_ip(request_from(rf, "::1", "2001:db8::7")) == "2001:db8::7"
    assert client_ip(request_from(rf, "fd00::2", "::ffff:203.0.113.9")) == "203.0.113.9"


def test_a_header_from_an_untrusted_address_is_reported_once_without_any_visitors_address(rf, settings, caplog, warned_never):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    with caplog.at_level(logging.WARNING, logger="clinic.client_ip"):
        client_ip(request_from(rf, "203.0.113.5", "198.51.100.1"))
        client_ip(request_from(rf, "203.0.113.5", "198.51.100.2"))
    [record] = caplog.records
    message = record.getMessage()
    assert "TRUSTED_PROXIES" in message
    assert "203.0.113.5" not in message and "198.51.100" not in message


def test_the_report_names_a_private_address_that_is_probably_our_own_nginx(rf, settings, caplog, warned_never):
    settings.TRUSTED_PROXIES = []
    with caplog.at_level(logging.WARNING, logger="clinic.client_ip"):
        client_ip(request_from(rf, "127.0.0.1", "198.51.100.1"))
    [record] = caplog.records
    assert "127.0.0.1" in record.getMessage() and "198.51.100.1" not in record.getMessage()


def test_no_report_without_a_forwarded_header(rf, settings, caplog, warned_never):
    settings.TRUSTED_PROXIES = []
    with caplog.at_level(logging.WARNING, logger="clinic.client_ip"):
        client_ip(request_from(rf, "203.0.113.5"))
    assert caplog.records == []


# --- check --deploy -----------------------------------------------------------------------------


def proxy_warnings(settings, proxies):
    settings.TRUSTED_PROXIES = proxies
    return [message.id for message in run_checks(include_deployment_checks=True) if message.id in ("clinic.W002", "clinic.W003")]


def test_check_deploy_warns_when_no_proxy_is_trusted(settings):
    assert proxy_warnings(settings, []) == ["clinic.W002"]


@pytest.mark.parametrize("proxies", [["0.0.0.0/0"], ["127.0.0.1", "::/0"], ["198.51.0.0/16"]])
def test_check_deploy_warns_when_a_trusted_network_takes_in_public_addresses(settings, proxies):
    assert proxy_warnings(settings, proxies) == ["clinic.W003"]


@pytest.mark.parametrize("proxies", [["127.0.0.1"], ["10.0.0.0/8"], ["10.0.0.2", "::1"], ["198.51.100.4"]])
def test_check_deploy_accepts_our_own_proxies(settings, proxies):
    assert proxy_warnings(settings, proxies) == []


def test_the_old_proxy_count_refuses_to_start_with_a_clear_message(run_django):
    result = run_django("check", DEBUG="1", TRUSTED_PROXY_COUNT="1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT is no longer read" in result.stderr and "TRUSTED_PROXIES=127.0.0.1" in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_refuses_to_start(run_django):
    result = run_django("check", DEBUG="1", TRUSTED_PROXIES="127.0.0.1,nginx.local")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx.local' is not an address or a network" in result.stderr
