"""What every SIS client offers the import engine and the connection probe."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, Self, runtime_checkable

from sis.address import Resolver, default_resolver
from sis.http import HttpOptions, HttpStats, RequestEvent, SisHttp
from sis.records import Entity, SisNotice, SisPage, SisSchool


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Tuning knobs; client_for(credentials, **options) accepts these names."""

    page_size: int = 1000
    concurrency: int = 4
    prefetch: int = 0  # pages in flight; 0 means 2 x concurrency
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retry_seconds: float = 120.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    # Loopback and plain http to it: only where ALLOW_INSECURE_SIS_URLS (the sandbox).
    allow_insecure: bool = False
    resolver: Resolver = default_resolver  # host, port -> addresses (tests inject one)
    verify: bool | str = True  # TLS verification, or a CA bundle path
    # Non-public networks this deployment's SIS connections may reach (text, CIDR).
    allowed_networks: tuple[str, ...] = ()
    on_request: Callable[[RequestEvent], None] | None = None
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)

    def http_options(self) -> HttpOptions:
        return HttpOptions(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_retry_seconds=self.max_retry_seconds,
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
            pool_size=max(10, self.concurrency * 2),
            allow_insecure=self.allow_insecure,
            resolver=self.resolver,
            verify=self.verify,
            allowed_networks=self.allowed_networks,
        )

    def http(self, *, secrets: tuple[str, ...]) -> SisHttp:
        """The HTTP session a client with these options uses."""
        return SisHttp(
            options=self.http_options(),
            secrets=secrets,
            on_request=self.on_request,
            sleep=self.sleep,
            clock=self.clock,
        )


@runtime_checkable
class SisClient(Protocol):
    supports_delta: bool
    stats: HttpStats
    notices: list[SisNotice]  # every notice of this client's reads so far (also on pages)

    def iter_pages(self, entity: Entity, *, since: datetime | None = None) -> Iterator[SisPage]:
        """Every page of one entity, in order; `since` limits to records changed after it.

        Pages carry the row problems (records not made), row warnings (records made,
        with a caveat) and notices (about the read: a school code the SIS does not
        know, a refused filter) of what was read; see sis.records.
        """
        ...

    def missing_school_codes(self) -> list[str]:
        """The configured school codes the SIS's school list does not have."""
        ...

    def schools(self) -> list[SisSchool]:
        """All schools the SIS lists (not narrowed to the credentials' school codes)."""
        ...

    def check(self, entity: Entity) -> None:
        """Read one small page of an entity; raises the SisError a full read would."""
        ...

    def authenticate(self) -> None:
        """Prove the credentials work (token or /systeminfo + /schools); raises SisError."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...
