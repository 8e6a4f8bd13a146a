"""Aeries base URL rules at save time; the address rules are sis.address's, the same ones
every request of the SIS client follows at connect time."""

import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from sis import errors as sis_errors
from sis.address import (
    AddressGuard,
    Resolver,
    all_loopback,
    default_resolver,
    networks_parse,
    port_allowed,
)
from sis.urls import aeries_base_url

URL_MALFORMED = "Enter the full Aeries URL, e.g. https://district.aeries.net/aeries/"
URL_NOT_HTTPS = (
    "The Aeries URL must start with https:// (Aeries requires a secured site with TLS 1.2)."
)
URL_NO_SUBDIRECTORY = (
    "The Aeries URL must include its sub-directory, e.g. https://district.aeries.net/aeries/ "
    "— open your Aeries login page and copy everything before the last '/'."
)
URL_HAS_QUERY = "The Aeries URL must not contain '?', '#' or a user name and password."
URL_BAD_PORT = (
    "Port {port} is not allowed: use the standard https port (443) or a port from 1024 up."
)
URL_DOES_NOT_RESOLVE = "The host name {host} does not resolve; check the spelling of the URL."
URL_PRIVATE_ADDRESS = (
    "The host {host} points to a private or internal address ({address}); the Aeries URL "
    "must be publicly reachable from the internet."
)
URL_CHANGED = "The Aeries URL was changed to {url}: {notes}."


@dataclass(frozen=True)
class CleanedUrl:
    url: str
    notes: list[str] = field(default_factory=list)  # what was removed from what was pasted

    @property
    def message(self) -> str:
        return URL_CHANGED.format(url=self.url, notes="; ".join(self.notes)) if self.notes else ""


def _check_addresses(host: str, port: int, *, allow_loopback: bool, resolver: Resolver) -> bool:
    """Refuses internal addresses (sis.address); returns whether every address is loopback."""
    guard = AddressGuard(
        allow_loopback=allow_loopback,
        resolver=resolver,
        allowed_networks=networks_parse(settings.SIS_ALLOWED_NETWORKS),
    )
    try:
        addresses = guard.addresses(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(URL_DOES_NOT_RESOLVE.format(host=host), code="dns") from exc
    except sis_errors.SisAddressRefusedError as exc:
        raise ValidationError(
            URL_PRIVATE_ADDRESS.format(host=host, address=exc.address), code="private"
        ) from exc
    return all_loopback(addresses)


def sis_address_validate(
    *,
    url: str,
    allow_insecure: bool | None = None,
    resolver: Resolver = default_resolver,
    subdirectory: bool = True,
) -> str:
    """Validates a SIS URL (the Aeries base URL, or an advanced token URL / API root with
    `subdirectory=False`) and returns it with exactly one trailing slash on its path.

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
    if subdirectory and not path:
        raise ValidationError(URL_NO_SUBDIRECTORY, code="subdirectory")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(URL_MALFORMED, code="malformed") from None
    # (plain http without the insecure setting fails below, with the https message)
    if (parts.scheme == "https" or allow_insecure) and not port_allowed(
        port, allow_insecure=allow_insecure
    ):
        raise ValidationError(URL_BAD_PORT.format(port=port), code="port")
    loopback = _check_addresses(
        parts.hostname, port, allow_loopback=allow_insecure, resolver=resolver
    )
    if parts.scheme == "http" and not (allow_insecure and loopback):
        raise ValidationError(URL_NOT_HTTPS, code="https")
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def sis_url_clean(
    *,
    url: str,
    allow_insecure: bool | None = None,
    resolver: Resolver = default_resolver,
    subdirectory: bool = True,
) -> CleanedUrl:
    """The Aeries base URL inside what was pasted (…/Login.aspx, …/token, an API URL),
    validated, with a note for each part that was removed. `subdirectory=False` for a
    OneRoster server whose API root is given (it may live at the host's root)."""
    stripped = (url or "").strip()
    parts = urlsplit(stripped)
    if parts.query or parts.fragment:
        raise ValidationError(URL_HAS_QUERY, code="query")
    base, notes = aeries_base_url(stripped)
    validated = sis_address_validate(
        url=base, allow_insecure=allow_insecure, resolver=resolver, subdirectory=subdirectory
    )
    return CleanedUrl(validated, notes)


def sis_url_normalise(
    *, url: str, allow_insecure: bool | None = None, resolver: Resolver = default_resolver
) -> str:
    """Validates an Aeries base URL and returns it with exactly one trailing slash."""
    return sis_url_clean(url=url, allow_insecure=allow_insecure, resolver=resolver).url
