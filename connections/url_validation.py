"""Aeries base URL rules, and refusal of hosts on our own network."""

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError

URL_MALFORMED = "Enter the full Aeries URL, e.g. https://district.aeries.net/aeries/"
URL_NOT_HTTPS = (
    "The Aeries URL must start with https:// (Aeries requires a secured site with TLS 1.2)."
)
URL_NO_SUBDIRECTORY = (
    "The Aeries URL must include its sub-directory, e.g. https://district.aeries.net/aeries/ "
    "— open your Aeries login page and copy everything before the last '/'."
)
URL_HAS_QUERY = "The Aeries URL must not contain '?', '#' or a user name and password."
URL_DOES_NOT_RESOLVE = "The host name {host} does not resolve; check the spelling of the URL."
URL_PRIVATE_ADDRESS = (
    "The host {host} points to a private or internal address ({address}); the Aeries URL "
    "must be publicly reachable from the internet."
)

_METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


def _resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(URL_DOES_NOT_RESOLVE.format(host=host), code="dns") from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _is_internal(address) -> bool:
    return (
        address in _METADATA_ADDRESSES
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _check_addresses(host: str, *, allow_loopback: bool) -> bool:
    """Refuses internal addresses; returns whether every address is loopback."""
    addresses = _resolve(host)
    all_loopback = all(a.is_loopback for a in addresses)
    for address in addresses:
        if address.is_loopback and allow_loopback:
            continue
        if _is_internal(address):
            raise ValidationError(
                URL_PRIVATE_ADDRESS.format(host=host, address=address), code="private"
            )
    return all_loopback


def sis_url_normalise(*, url: str, allow_insecure: bool | None = None) -> str:
    """Validates an Aeries base URL and returns it with exactly one trailing slash.

    Plain http is accepted only to loopback, and only with ALLOW_INSECURE_SIS_URLS
    (the sandbox SIS).
    """
    if allow_insecure is None:
        allow_insecure = settings.ALLOW_INSECURE_SIS_URLS
    parts = urlsplit((url or "").strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(URL_MALFORMED, code="malformed")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(URL_HAS_QUERY, code="query")
    path = parts.path.rstrip("/")
    if not path:
        raise ValidationError(URL_NO_SUBDIRECTORY, code="subdirectory")
    all_loopback = _check_addresses(parts.hostname, allow_loopback=allow_insecure)
    if parts.scheme == "http" and not (allow_insecure and all_loopback):
        raise ValidationError(URL_NOT_HTTPS, code="https")
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))
