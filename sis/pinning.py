"""A requests transport whose every new connection goes to an address checked first.

The connection classes resolve the host through an AddressGuard (which refuses
internal addresses) and open the socket to one of the checked addresses: DNS is
asked once per connection, by us, so its answer cannot change between the check
and the connect. TLS is untouched: the certificate is verified against, and SNI
names, the URL's host name, not the address. Proxies are never used (a proxy
would make the connection elsewhere, and the session does not trust the
environment's proxy settings).
"""

from __future__ import annotations

import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from sis import errors
from sis.address import AddressGuard, all_loopback

PLAIN_HTTP_FIX = "Use the district's https:// Aeries address."


class _PinnedMixin:
    guard: AddressGuard
    plain: bool = False

    def _new_conn(self) -> socket.socket:
        host = self._dns_host  # type: ignore[attr-defined]
        try:
            addresses = self.guard.addresses(host, self.port)  # type: ignore[attr-defined]
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[attr-defined]
        if self.plain and not all_loopback(addresses):
            raise errors.SisAddressRefusedError(
                errors.PLAIN_HTTP_MESSAGE.format(host=host), fix=PLAIN_HTTP_FIX
            )
        return self._connect_first(addresses)

    def _connect_first(self, addresses: list[str]) -> socket.socket:
        last: OSError | None = None
        for address in addresses:
            try:
                return connection.create_connection(
                    (address, self.port),  # type: ignore[attr-defined]
                    self.timeout,  # type: ignore[attr-defined]
                    source_address=self.source_address,  # type: ignore[attr-defined]
                    socket_options=self.socket_options,  # type: ignore[attr-defined]
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self,
                    f"Connection to {self.host} timed out.",  # type: ignore[attr-defined]
                ) from exc
            except OSError as exc:
                last = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}") from last


def _pool_classes(guard: AddressGuard) -> dict[str, type]:
    plain = type(
        "PinnedHTTPConnection", (_PinnedMixin, HTTPConnection), {"guard": guard, "plain": True}
    )
    secure = type("PinnedHTTPSConnection", (_PinnedMixin, HTTPSConnection), {"guard": guard})
    return {
        "http": type("PinnedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type(
            "PinnedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": secure}
        ),
    }


class PinnedAdapter(HTTPAdapter):
    """HTTPAdapter whose pools open only guard-checked connections, never via a proxy."""

    def __init__(self, *, guard: AddressGuard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.guard)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any):  # type: ignore[override]
        raise errors.SisAddressRefusedError(
            "A proxy was configured for SIS requests; Autoroster connects directly.",
            fix="Remove the proxy setting for the SIS connection.",
        )

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["guard"] = self.guard
        return state
