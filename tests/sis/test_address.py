"""Where a SIS request may go: address and port rules, and the connection that is pinned
to the very address that was checked (so a DNS change cannot slip in)."""

from __future__ import annotations

import ipaddress

import pytest
import requests

from sis import errors
from sis.address import (
    ADDRESS_REFUSED_FIX,
    REASON_INTERNAL,
    REASON_LOOPBACK,
    AddressGuard,
    address_refusal,
    url_refusal,
)
from sis.http import HttpOptions, SisHttp
from tests.recorder import authority_make, recorder_factory  # noqa: F401 (fixture)

REFUSED = [
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.100.100.200",  # a cloud metadata address inside 100.64.0.0/10
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "198.18.0.1",
    "fd00:ec2::254",
    "fe80::1",
    "fc00::1",
    "2001:db8::1",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::10.0.0.1",  # IPv4-compatible
    "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
    "2002:6440:0001::1",  # 6to4 of 100.64.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::6464:64c8",  # NAT64 of 100.100.100.200
    "64:ff9b:1::808:808",  # NAT64 local use
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]
ALLOWED = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "2002:0808:0808::1", "64:ff9b::808:808"]


@pytest.mark.parametrize("text", REFUSED)
def test_addresses_that_are_not_globally_routable_are_refused(text):
    address = ipaddress.ip_address(text)
    assert address_refusal(address, allow_loopback=False) is not None
    assert address_refusal(address, allow_loopback=True) is not None


@pytest.mark.parametrize("text", ALLOWED)
def test_public_addresses_are_allowed(text):
    assert address_refusal(ipaddress.ip_address(text), allow_loopback=False) is None


@pytest.mark.parametrize("text", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_loopback_only_where_insecure_urls_are_allowed(text):
    address = ipaddress.ip_address(text)
    assert address_refusal(address, allow_loopback=False) == REASON_LOOPBACK
    assert address_refusal(address, allow_loopback=True) is None


def test_the_6to4_wrapping_names_the_internal_address():
    reason = address_refusal(ipaddress.ip_address("2002:c0a8:0101::1"), allow_loopback=False)
    assert "192.168.1.1" in reason


@pytest.mark.parametrize(
    ("url", "insecure", "refused"),
    [
        ("https://d.example.org/aeries/", False, False),
        ("https://d.example.org:443/aeries/", False, False),
        ("https://d.example.org:8443/aeries/", False, False),
        ("https://d.example.org:22/aeries/", False, True),
        ("https://d.example.org:25/aeries/", True, True),
        ("https://d.example.org:80/aeries/", False, True),
        ("http://127.0.0.1/aeries/", False, True),
        ("http://127.0.0.1:80/aeries/", True, False),
        ("http://127.0.0.1:8765/aeries/", True, False),
        ("https://user:pw@d.example.org/aeries/", False, True),
        ("ftp://d.example.org/aeries/", True, True),
    ],
)
def test_url_rules_scheme_port_and_user_info(url, insecure, refused):
    assert (url_refusal(url, allow_insecure=insecure) is not None) is refused


def test_a_host_resolving_to_any_internal_address_is_refused():
    guard = AddressGuard(resolver=lambda host, port: ["93.184.216.34", "10.0.0.5"])
    with pytest.raises(errors.SisAddressRefusedError) as caught:
        guard.addresses("sis.example.test", 443)
    assert caught.value.message.startswith("sis.example.test resolves to 10.0.0.5, ")
    assert REASON_INTERNAL in caught.value.message and caught.value.fix == ADDRESS_REFUSED_FIX


def test_the_socket_goes_to_the_checked_address_not_a_second_lookup(recorder_factory):  # noqa: F811
    recorder = recorder_factory()
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]  # no DNS knows this name: only our answer can reach the server

    http = SisHttp(options=HttpOptions(allow_insecure=True, resolver=resolver))
    response = http.request("GET", f"http://sis.example.test:{recorder.port}/aeries/x")

    assert response.status_code == 200
    assert asked == ["sis.example.test"]
    assert recorder.requests[0].headers["Host"] == f"sis.example.test:{recorder.port}"


def test_dns_that_changes_to_loopback_is_refused_at_connect_time(recorder_factory):  # noqa: F811
    recorder = recorder_factory()
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    resolver = lambda host, port: next(answers)  # noqa: E731
    # The check a save would make sees the public address…
    assert AddressGuard(resolver=resolver).addresses("sis.example.test", recorder.port)
    http = SisHttp(options=HttpOptions(max_retry_seconds=0, resolver=resolver))

    # …and the request made later, when the name points at this server, is refused.
    with pytest.raises(errors.SisAddressRefusedError) as caught:
        http.request("GET", f"https://sis.example.test:{recorder.port}/aeries/token")

    assert "127.0.0.1" in caught.value.message and REASON_LOOPBACK in caught.value.message
    assert recorder.requests == []


def test_plain_http_goes_only_to_loopback_even_where_insecure_urls_are_allowed():
    public = HttpOptions(allow_insecure=True, resolver=lambda host, port: ["93.184.216.34"])
    http = SisHttp(options=public)
    with pytest.raises(errors.SisAddressRefusedError) as caught:
        http.request("GET", "http://sis.example.test:8080/aeries/token")
    assert caught.value.message == errors.PLAIN_HTTP_MESSAGE.format(host="sis.example.test")


def test_proxies_and_netrc_from_the_environment_are_ignored(recorder_factory, monkeypatch):  # noqa: F811
    target, proxy = recorder_factory(), recorder_factory(host="127.0.0.2")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("ALL_PROXY", proxy.url)

    SisHttp(options=HttpOptions(allow_insecure=True)).request("GET", target.url + "aeries/x")

    assert proxy.requests == [] and len(target.requests) == 1


def test_tls_is_verified_against_the_host_name_and_sends_it_as_sni(recorder_factory):  # noqa: F811
    authority = authority_make("sis.example.test")
    recorder = recorder_factory(tls=authority.server_context())
    options = HttpOptions(
        allow_insecure=True, resolver=lambda host, port: ["127.0.0.1"], verify=authority.ca_file
    )

    response = SisHttp(options=options).request(
        "GET", f"https://sis.example.test:{recorder.port}/aeries/x"
    )

    assert response.status_code == 200
    assert recorder.server_names == ["sis.example.test"]


def test_a_certificate_for_another_name_still_fails_when_the_address_is_pinned(
    recorder_factory,  # noqa: F811
):
    authority = authority_make("other.example.test")
    recorder = recorder_factory(tls=authority.server_context())
    options = HttpOptions(
        max_retry_seconds=0,
        allow_insecure=True,
        resolver=lambda host, port: ["127.0.0.1"],
        verify=authority.ca_file,
    )
    with pytest.raises(errors.SisTlsError):
        SisHttp(options=options).request("GET", f"https://sis.example.test:{recorder.port}/x")


def test_requests_own_session_would_have_followed_the_proxy(recorder_factory, monkeypatch):  # noqa: F811
    """The control for the proxy test above: plain requests honours the variables."""
    target, proxy = recorder_factory(), recorder_factory(host="127.0.0.2")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    requests.get(target.url + "aeries/x", timeout=5)
    assert len(proxy.requests) == 1


def test_a_deployment_s_own_networks_are_reachable_but_never_the_metadata_address():
    from sis.address import AddressGuard, networks_parse

    guard = AddressGuard(
        allowed_networks=networks_parse(["10.20.0.0/16", "169.254.0.0/16"]),
        resolver=lambda host, port: {"aeries.lan": ["10.20.1.5"], "meta": ["169.254.169.254"],
                                     "other": ["10.30.0.1"]}[host],
    )  # fmt: skip
    assert guard.addresses("aeries.lan", 443) == ["10.20.1.5"]
    for host in ("meta", "other"):
        with pytest.raises(errors.SisAddressRefusedError):
            guard.addresses(host, 443)
