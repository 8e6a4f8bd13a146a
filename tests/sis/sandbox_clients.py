"""Clients of a running sandbox SIS, as a connection to it would make them."""

from __future__ import annotations

from typing import Any

from sis import SisClient, client_for
from sis.credentials import SisCredentials
from sis.records import Entity

# The sandbox is plain http on loopback; tiny retry budgets keep failures fast.
SANDBOX_OPTIONS: dict[str, Any] = {
    "allow_insecure": True,
    "max_retry_seconds": 0.5,
    "backoff_base": 0.01,
    "concurrency": 1,
}


def sandbox_credentials(server, kind: str = "oneroster", **fields: Any) -> SisCredentials:
    return SisCredentials(
        kind=kind,
        base_url=fields.pop("base_url", server.base_url),
        client_id=server.client_id,
        client_secret=server.client_secret,
        certificate=server.certificate,
        **fields,
    )


def sandbox_client(server, kind: str = "oneroster", *, creds: dict | None = None, **options):
    return client_for(
        sandbox_credentials(server, kind, **(creds or {})), **{**SANDBOX_OPTIONS, **options}
    )


def read_all(client: SisClient, entity: Entity, **kwargs: Any) -> tuple[list, list]:
    """Every record of the entity and every page, in order."""
    pages = list(client.iter_pages(entity, **kwargs))
    return [record for page in pages for record in page.records], pages
