"""Where a SIS request may go: the one set of address and URL rules.

Used when a connection is saved (connections.url_validation) and on every
connection the HTTP session opens (sis.http): the host name is resolved, every
address is checked, and the socket is opened to one of those very addresses, so
a DNS answer that changes between the check and the connect (DNS rebinding)
cannot reach our own network.

Refused: any address that is not globally routable (`ipaddress.is_global`,
which covers 10/8, 172.16/12, 192.168/16, 100.64/10 shared address space with
the 100.100.100.200 metadata address, multicast, link-local 169.254/16 and fe80::/10,
unique-local fc00::/7, documentation and reserved ranges), any IPv6 address
wrapping an IPv4 address that is refused (IPv4-mapped and -compatible, 6to4
2002::/16, Teredo 2001::/32, NAT64 64:ff9b::/96), NAT64 local-use
64:ff9b:1::/48, and ports below 1024 other than 443 (and 80 where plain http
is allowed). Loopback is allowed only where insecure URLs are (the sandbox SIS).
A deployment may name networks of its own that its SIS connections may reach all the
same (`allowed_networks`: a district's Aeries on a private link); the cloud metadata
addresses are refused even then.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sis import errors

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses it resolves to, as text (getaddrinfo order).
Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
SAFE_PORTS = frozenset({443})
INSECURE_PORTS = frozenset({80, 443})
FIRST_FREE_PORT = 1024

REASON_LOOPBACK = "a loopback address of this server"
REASON_INTERNAL = "a private or internal address"
REASON_WRAPPED = "an IPv6 address wrapping the internal IPv4 address {inner}"
ADDRESS_REFUSED_MESSAGE = (
    "{host} resolves to {address}, {reason}; Autoroster only connects to public addresses."
)
ADDRESS_REFUSED_FIX = (
    "The Aeries URL must be the district's public Aeries address, reachable from the "
    f"internet, e.g. {errors.AERIES_URL_EXAMPLE}"
)
PORT_REFUSED_MESSAGE = (
    "Port {port} is not allowed for a SIS address; use 443 (https) or 1024 and up."
)
SCHEME_REFUSED_MESSAGE = "{url} is not an https:// address."
SCHEME_REFUSED_FIX = "Aeries must be reached over https:// (a secured site with TLS 1.2)."
USERINFO_REFUSED_MESSAGE = "The address must not contain a user name or password."


def default_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order, each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (traffic to it reaches those)."""
    inner: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        inner.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        inner.append(address.sixtofour)
    if address.teredo is not None:
        inner.extend(address.teredo)
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return inner


def address_refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why a connection to this address is refused, or None when it is allowed."""
    if address.is_loopback or (
        isinstance(address, ipaddress.IPv6Address)
        and address.ipv4_mapped is not None
        and address.ipv4_mapped.is_loopback
    ):
        return None if allow_loopback else REASON_LOOPBACK
    if address in _METADATA or not address.is_global or address.is_multicast:
        return REASON_INTERNAL
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return REASON_INTERNAL
        for inner in _embedded_ipv4(address):
            if address_refusal(inner, allow_loopback=False) is not None:
                return REASON_WRAPPED.format(inner=inner)
    return None


def port_allowed(port: int, *, allow_insecure: bool) -> bool:
    if port >= FIRST_FREE_PORT:
        return True
    return port in (INSECURE_PORTS if allow_insecure else SAFE_PORTS)


def url_port(url: str) -> int:
    parts = urlsplit(url)
    try:
        explicit = parts.port
    except ValueError:
        explicit = None
    return explicit or (443 if parts.scheme == "https" else 80)


def url_refusal(url: str, *, allow_insecure: bool) -> errors.SisAddressRefusedError | None:
    """What is wrong with a URL before any DNS: scheme, user info, port (None: fine)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_insecure):
        message = SCHEME_REFUSED_MESSAGE.format(url=f"{parts.scheme}://{parts.hostname}{path}")
        return errors.SisAddressRefusedError(message, fix=SCHEME_REFUSED_FIX, url_path=path)
    if parts.username or parts.password:
        return errors.SisAddressRefusedError(
            USERINFO_REFUSED_MESSAGE, fix=ADDRESS_REFUSED_FIX, url_path=path
        )
    try:
        port = url_port(url)
    except ValueError:
        port = -1
    if not port_allowed(port, allow_insecure=allow_insecure):
        return errors.SisAddressRefusedError(
            PORT_REFUSED_MESSAGE.format(port=port), fix=ADDRESS_REFUSED_FIX, url_path=path
        )
    return None


def networks_parse(texts) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Networks from text ("10.20.0.0/16", "127.0.0.1"); ValueError names a bad one."""
    return tuple(ipaddress.ip_network(text.strip(), strict=False) for text in texts if text)


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Resolves a host and returns its addresses only when every one is allowed."""

    allow_loopback: bool = False
    resolver: Resolver = default_resolver
    # Networks the deployment lets SIS connections reach although they are not public.
    allowed_networks: tuple = ()

    def refusal(self, address: IPAddress) -> str | None:
        if address not in _METADATA and any(address in net for net in self.allowed_networks):
            return None
        return address_refusal(address, allow_loopback=self.allow_loopback)

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to; raises socket.gaierror (DNS) or
        SisAddressRefusedError when any address of the host is refused."""
        bare = host.strip("[]").rstrip(".")
        try:
            literal: list[str] | None = [str(ipaddress.ip_address(bare))]
        except ValueError:
            literal = None
        found = literal or self.resolver(bare, port)
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, "no address associated with the host name")
        for text in found:
            address = ipaddress.ip_address(text.split("%")[0])
            reason = self.refusal(address)
            if reason is not None:
                raise errors.SisAddressRefusedError(
                    ADDRESS_REFUSED_MESSAGE.format(host=bare, address=address, reason=reason),
                    fix=ADDRESS_REFUSED_FIX,
                    address=str(address),
                )
        return found


def all_loopback(addresses: list[str]) -> bool:
    """Whether every address is loopback (plain http goes to those only)."""
    return all(ipaddress.ip_address(text.split("%")[0]).is_loopback for text in addresses)
