"""SSRF rules: every refused address class (IPv4, IPv6, mapped and embedded forms), the
operator's allow-list, and the URL checks."""

from __future__ import annotations

import ipaddress

import pytest

from hooks_service.domain.addresses import AddressPolicy, address_class_refused, parse_target

STRICT = AddressPolicy()


@pytest.mark.parametrize(
    ("address", "refused_as"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-global"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused_by_class(address, refused_as):
    assert address_class_refused(ipaddress.ip_address(address)) == refused_as


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address):
    assert address_class_refused(ipaddress.ip_address(address)) is None


def test_the_allow_list_admits_networks_and_hosts():
    policy = AddressPolicy.of(["127.0.0.0/8"], ["hooks.internal"])
    assert policy.refusal("x", ipaddress.ip_address("127.0.0.2")) is None
    assert policy.refusal("x", ipaddress.ip_address("::ffff:127.0.0.2")) is None
    assert policy.refusal("x", ipaddress.ip_address("10.0.0.1")) == "private"
    assert policy.refusal("HOOKS.internal.", ipaddress.ip_address("10.0.0.1")) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "http://example.com/",
        "https://user@example.com/",
        "https://example.com/#frag",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://" + "a" * 2100 + ".com/",
    ],
)
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError, match=r"\w"):
        parse_target(url, STRICT)


def test_http_is_allowed_only_to_allow_listed_targets():
    allowed = AddressPolicy.of(["127.0.0.0/8"], ["hooks.internal"])
    assert parse_target("http://127.0.0.1:9000/h?x=1", allowed).path == "/h?x=1"
    assert parse_target("http://hooks.internal/", allowed).port == 80
    with pytest.raises(ValueError, match="https"):
        parse_target("http://example.com/", allowed)
    target = parse_target("https://Example.com./hook", STRICT)
    assert (target.scheme, target.host, target.port) == ("https", "example.com", 443)
