"""The address of the browser behind a request, believing forwarded headers only from our own proxies.

Every per-address rule uses this one function: the booking rate limit, the admin sign-in
lockout (django-axes' AXES_CLIENT_IP_CALLABLE) and the address in the audit trail.

TRUSTED_PROXIES names our proxies by address or network (nginx: 127.0.0.1 when it runs on
the app server, its private address otherwise). A request that reaches the app from any
other address is taken at its word, REMOTE_ADDR, and whatever X-Forwarded-For it carries is
ignored: anyone who can reach the app port directly could have written it. From a trusted
proxy, X-Forwarded-For is walked from the right, skipping our own proxies (each appends the
address it saw): the first address that is not ours is the client's. Entries further left
were written by the client and could be forged.
"""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

_warned_about_untrusted_header = False

# Where a practice's own proxies live: loopback and the private ranges (RFC 1918, RFC 4193).
INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)


def is_internal(network_or_address) -> bool:
    """Whether an address (or every address of a network) is loopback or private."""
    if isinstance(network_or_address, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return any(network_or_address.version == internal.version and network_or_address.subnet_of(internal)
                   for internal in INTERNAL_NETWORKS)
    return any(network_or_address in internal for internal in INTERNAL_NETWORKS)


@lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen on an IPv6 socket (::ffff:203.0.113.9) is the IPv4 address.
    return getattr(address, "ipv4_mapped", None) or address


def is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or what our own proxies saw (see the module's docstring)."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded_header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    remote_address = parse_address(remote)
    if not is_trusted(remote_address, networks):
        if forwarded_header:
            warn_once_about_untrusted_header(remote_address)
        return remote
    client = str(remote_address)
    for entry in reversed(forwarded_header.split(",")):
        address = parse_address(entry)
        if address is None:
            # Our proxies append only addresses: anything else came from the client.
            break
        client = str(address)
        if not is_trusted(address, networks):
            break
    return client


def warn_once_about_untrusted_header(remote_address):
    """Say once per process that a forwarded header came from an address not in TRUSTED_PROXIES.

    Behind nginx that means TRUSTED_PROXIES does not name it, and every patient shares
    nginx's address (one booking rate-limit counter, one sign-in lockout for everyone).
    Directly reached, it may be a forgery. The address is named only when it is a private or
    loopback one (a proxy of ours, not a patient's).
    """
    global _warned_about_untrusted_header
    if _warned_about_untrusted_header:
        return
    _warned_about_untrusted_header = True
    ours = remote_address is not None and is_internal(remote_address)
    logger.warning(
        "An X-Forwarded-For header arrived from %s, which is not in TRUSTED_PROXIES, and was ignored. "
        "If nginx sent it, add nginx's address to TRUSTED_PROXIES: until then every visitor counts as nginx's address "
        "for the booking limit and the sign-in lockout. (Said once per process.)",
        str(remote_address) if ours else "a public address",
    )
